package cache

import dto "github.com/prometheus/client_model/go"

import "io"

// SetWrapTemp lets external tests inject write failures into an FS.
func SetWrapTemp(s *FS, wrap func(io.Writer) io.Writer) { s.wrapTemp = wrap }

// StoreBytes reads the store decorator's byte counter.
func StoreBytes(direction string) float64 { return counterValue(storeBytes.WithLabelValues(direction)) }

// StoreErrors reads the store decorator's failure counter.
func StoreErrors(op string) float64 { return counterValue(storeOpErrors.WithLabelValues(op)) }

func counterValue(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

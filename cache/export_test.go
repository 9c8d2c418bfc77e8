package cache

import (
	"io"
	"time"

	dto "github.com/prometheus/client_model/go"
)

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

// SetS3Clock replaces the lease clock of an S3 store (before any lease).
func SetS3Clock(s *S3, now func() time.Time) { s.now = now }

// StopRenewing stops a lease's background renewals without releasing it,
// as a crashed holder would.
func StopRenewing(l *S3Lease) {
	l.stop()
	<-l.renewer
}

// ErrObjectChanged is what reading an S3 object replaced since Open fails with.
var ErrObjectChanged = errObjectChanged

// FillLeaseName is the lease a shared store's download of key holds.
var FillLeaseName = fillLeaseName

// CrashTenure drops a registration's lock without releasing it, as the
// kernel does when its process dies.
func CrashTenure(t *Tenure) {
	t.live.Close()
	t.live = nil
}

// AbandonBudget stops a budget's background work without flushing or
// writing its inventory, as a crash would.
func AbandonBudget(b *Budget) {
	b.closeOnce.Do(func() {
		close(b.stop)
		<-b.done
	})
}

// InventoryKey is where a budget with the default StateKey keeps its
// inventory.
var InventoryKey = StatePrefix + "access.log.inventory"

package cache

// InFlightBytes is how many bytes the downloads in flight have received so
// far: a mirror's progress moves during a large file, not only at its end.
func (f *Filler) InFlightBytes() int64 {
	f.mu.Lock()
	downloads := make([]*Download, 0, len(f.inflight))
	for _, d := range f.inflight {
		downloads = append(downloads, d)
	}
	f.mu.Unlock()
	var n int64
	for _, d := range downloads {
		n += d.Written()
	}
	return n
}

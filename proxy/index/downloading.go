package index

// DownloadingBytes is how many bytes the file downloads in flight have
// received so far (the mirror's progress reports them as they stream).
func (s *Service) DownloadingBytes() int64 { return s.filler.InFlightBytes() }

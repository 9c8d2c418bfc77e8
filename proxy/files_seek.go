package proxy

import (
	"io"
	"os"
)

// sizedFile is a stored file whose size the open already learned.
// http.ServeContent seeks to the end and back to find the size: two lseek
// calls per response that sizedFile answers from memory while the file
// offset is untouched. Reads and other seeks go to the file.
type sizedFile struct {
	f    *os.File
	size int64
	pos  int64 // where ServeContent believes the offset is
	real bool  // the file's offset may differ from 0: seek for real
}

func (s *sizedFile) Read(p []byte) (int, error) {
	if err := s.sync(); err != nil {
		return 0, err
	}
	return s.f.Read(p)
}

// Seek answers the size probe (0 from the end, then 0 from the start)
// without a system call.
func (s *sizedFile) Seek(off int64, whence int) (int64, error) {
	if !s.real {
		switch {
		case whence == io.SeekEnd && off == 0:
			s.pos = s.size
			return s.size, nil
		case whence == io.SeekStart && off >= 0:
			s.pos = off
			return off, nil
		}
		if err := s.sync(); err != nil {
			return 0, err
		}
	}
	return s.f.Seek(off, whence)
}

// sync moves the file's offset to where the caller believes it is, once;
// from then on every call goes to the file.
func (s *sizedFile) sync() error {
	if s.real {
		return nil
	}
	s.real = true
	if s.pos == 0 {
		return nil
	}
	_, err := s.f.Seek(s.pos, io.SeekStart)
	return err
}

// file returns the file, at the offset the caller expects (sendfile reads
// from the file's own offset).
func (s *sizedFile) file() (*os.File, error) { return s.f, s.sync() }

// asFile returns src with a sizedFile replaced by its file (net's
// sendfile wants an *os.File, bare or in an io.LimitedReader), and whether
// src is a local file at all.
func asFile(src io.Reader) (io.Reader, bool, error) {
	lr, limited := src.(*io.LimitedReader)
	inner := src
	if limited {
		inner = lr.R
	}
	switch r := inner.(type) {
	case *os.File:
		return src, true, nil
	case *sizedFile:
		f, err := r.file()
		if err != nil {
			return src, false, err
		}
		if limited {
			lr.R = f
			return lr, true, nil
		}
		return f, true, nil
	}
	return src, false, nil
}

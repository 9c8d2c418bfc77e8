package index

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// maxMetadataSize caps a METADATA file extracted from a wheel. Real ones are
// a few KiB; PyPI's largest (long descriptions inlined) a few MiB.
const maxMetadataSize = 16 << 20

// errNoWheelMetadata is a wheel whose METADATA cannot be found the way pip
// finds it: exactly one top-level .dist-info directory, holding METADATA.
var errNoWheelMetadata = errors.New("no single .dist-info/METADATA in the wheel")

// wheelMetadata returns the METADATA of the wheel read through r (size
// bytes long). It reads the zip central directory and that one entry,
// never the rest of the archive; the entry's CRC32 is checked.
func wheelMetadata(r io.ReaderAt, size int64) ([]byte, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("wheel: %w", err)
	}
	dirs := map[string]bool{}
	var entry *zip.File
	for _, f := range zr.File {
		dir, rest, ok := strings.Cut(f.Name, "/")
		if !ok || !strings.HasSuffix(dir, ".dist-info") {
			continue
		}
		dirs[dir] = true
		if rest == "METADATA" {
			entry = f
		}
	}
	// pip refuses a wheel with several .dist-info directories; so do we.
	if len(dirs) != 1 || entry == nil {
		return nil, fmt.Errorf("%w (%d .dist-info directories)", errNoWheelMetadata, len(dirs))
	}
	if entry.UncompressedSize64 > maxMetadataSize {
		return nil, fmt.Errorf("%s: %d bytes, over %d: %w", entry.Name, entry.UncompressedSize64, maxMetadataSize, errNoWheelMetadata)
	}
	rc, err := entry.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", entry.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", entry.Name, err)
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("%s: over %d bytes: %w", entry.Name, maxMetadataSize, errNoWheelMetadata)
	}
	return data, nil
}

// storedWheelMetadata extracts the METADATA of the wheel stored under key:
// through its *os.File where the store has one (cache.Filer), else by
// seeking the object.
func storedWheelMetadata(ctx context.Context, store cache.Store, key string) ([]byte, error) {
	obj, err := store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	var ra io.ReaderAt = &seekReaderAt{rs: obj}
	if f, ok := obj.(cache.Filer); ok {
		ra = f.File()
	}
	return wheelMetadata(ra, obj.Info().Size)
}

// seekReaderAt reads an io.ReadSeeker at offsets, one read at a time.
type seekReaderAt struct {
	mu sync.Mutex
	rs io.ReadSeeker
}

// ReadAt implements io.ReaderAt.
func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.rs, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

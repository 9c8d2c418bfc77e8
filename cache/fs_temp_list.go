package cache

import (
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TempFiles lists the temp files (".tmp-*") anywhere under the root last
// modified before cutoff, without removing them: a caller that must first
// make sure no other writer owns them (a mirror holding its lock) lists,
// checks, then removes each with RemoveTemp.
func (s *FS) TempFiles(cutoff time.Time) ([]string, error) {
	var out []string
	err := filepath.WalkDir(s.root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), TempPrefix) {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.ModTime().Before(cutoff) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// RemoveTemp removes a temp file TempFiles listed if it is still last
// modified before cutoff (a writer that went on writing keeps it).
func (s *FS) RemoveTemp(path string, cutoff time.Time) (bool, error) {
	if !strings.HasPrefix(filepath.Base(path), TempPrefix) {
		return false, errors.New("cache: not a temp file: " + path)
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.ModTime().Before(cutoff) {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

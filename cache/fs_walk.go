package cache

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Walk calls fn for each regular file whose key starts with prefix. It
// skips names starting with "." (temp files, ".lock", dot directories),
// symlinks and files whose names are not valid keys.
func (s *FS) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	if err := validPrefix(prefix); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: walk: %w", err)
	}
	// Start at the deepest directory the prefix names in full.
	start := s.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = s.path(path.Clean(prefix[:i]))
	}
	err := filepath.WalkDir(start, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, iofs.ErrNotExist) {
				return iofs.SkipAll
			}
			if errors.Is(err, iofs.ErrNotExist) { // vanished meanwhile
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == s.root {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") ||
				!(strings.HasPrefix(key+"/", prefix) || strings.HasPrefix(prefix, key+"/")) {
				return iofs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") ||
			!strings.HasPrefix(key, prefix) || ValidKey(key) != nil {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return nil
			}
			return err
		}
		return fn(Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
	})
	if err != nil {
		return fmt.Errorf("cache: walk %q: %w", prefix, err)
	}
	return nil
}

// CleanTemp removes temp files (".tmp-*") last modified more than
// olderThan ago, anywhere under the root: the leftovers of writers that
// were never committed or cancelled, e.g. after a crash. Run it at startup;
// a small olderThan (or 0) is only safe when no Writer is active.
func (s *FS) CleanTemp(olderThan time.Duration) (removed int, err error) {
	cutoff := time.Now().Add(-olderThan)
	err = filepath.WalkDir(s.root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), TempPrefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			return nil
		}
		if err := os.Remove(p); err == nil {
			removed++
		} else if !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("cache: clean temp: %w", err)
	}
	return removed, nil
}

package cache

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Copy hard-links src under dst: two names for one inode, which is safe
// because objects are never modified in place (a Commit renames a new
// inode over its key). The link is made under a temp name and renamed
// over dst, so dst changes atomically.
func (s *FS) Copy(ctx context.Context, src, dst string) error {
	if err := check(ctx, "copy", src); err != nil {
		return err
	}
	if err := check(ctx, "copy", dst); err != nil {
		return err
	}
	target := s.path(dst)
	dir := filepath.Dir(target)
	var tmp string
	// A concurrent Delete may remove dst's directory between ensure and the
	// link: then forget it and try again, as Create does.
	for attempt := 0; ; attempt++ {
		if err := s.dirs.ensure(dir); err != nil {
			return fmt.Errorf("cache: copy %s: %w", dst, err)
		}
		tmp = filepath.Join(dir, TempPrefix+randomSuffix())
		err := unix.Link(s.path(src), tmp)
		if err == nil {
			break
		}
		if !errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("cache: copy %s to %s: %w", src, dst, err)
		}
		if _, serr := os.Lstat(s.path(src)); serr != nil {
			return notExist("copy", src)
		}
		if attempt == 4 {
			return fmt.Errorf("cache: copy %s to %s: %w", src, dst, err)
		}
		s.dirs.forget(dir) // dst's directory went away: make it again
	}
	if err := rename(tmp, target); err != nil {
		unix.Unlink(tmp)
		return fmt.Errorf("cache: copy %s to %s: %w", src, dst, err)
	}
	if syncDeferred(ctx) {
		return nil
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("cache: copy %s: sync dir: %w", dst, err)
	}
	return nil
}

package cache

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
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
	if err := s.dirs.ensure(dir); err != nil {
		return fmt.Errorf("cache: copy %s: %w", dst, err)
	}
	tmp := filepath.Join(dir, TempPrefix+randomSuffix())
	if err := unix.Link(s.path(src), tmp); err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return notExist("copy", src)
		}
		return fmt.Errorf("cache: copy %s to %s: %w", src, dst, err)
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

package cache

import (
	"context"
	"io"
)

// ReadObject reads a whole (small) object.
func ReadObject(ctx context.Context, s Store, key string) ([]byte, error) {
	obj, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	return io.ReadAll(obj)
}

// WriteObject writes a whole (small) object atomically.
func WriteObject(ctx context.Context, s Store, key string, data []byte) error {
	w, err := s.Create(ctx, key)
	if err != nil {
		return err
	}
	defer w.Cancel(ctx)
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Commit(ctx)
}

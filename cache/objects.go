package cache

import (
	"context"
	"io"
)

// ReadObject reads a whole (small) object.
func ReadObject(ctx context.Context, s Store, key string) ([]byte, error) {
	data, _, err := ReadObjectInfo(ctx, s, key)
	return data, err
}

// ReadObjectInfo reads a whole (small) object and returns its Info too,
// from the one open (no Stat beside it).
func ReadObjectInfo(ctx context.Context, s Store, key string) ([]byte, Info, error) {
	obj, err := s.Open(ctx, key)
	if err != nil {
		return nil, Info{}, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	return data, obj.Info(), err
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

// CopyObject publishes src's content under dst as well: cheaply where the
// backend is a Copier, else by reading and writing it.
func CopyObject(ctx context.Context, s Store, src, dst string) error {
	if c, ok := s.(Copier); ok {
		return c.Copy(ctx, src, dst)
	}
	data, err := ReadObject(ctx, s, src)
	if err != nil {
		return err
	}
	return WriteObject(ctx, s, dst, data)
}

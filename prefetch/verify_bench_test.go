package prefetch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// benchOrigins serves records held in memory, a project at a time.
type benchOrigins map[string][]index.FileOrigin

func (o benchOrigins) WalkProjectFiles(_ context.Context, fn func(string, []index.FileOrigin) error) error {
	for name, files := range o {
		if err := fn(name, files); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkVerifySmallFiles verifies a tree of 5000 files of 1-3 KB (the
// hashing, opens and hand-offs; bench/verify.sh runs the command on
// 500,000 files against sha256sum).
func BenchmarkVerifySmallFiles(b *testing.B) {
	dir := b.TempDir()
	store, err := cache.NewFS(dir)
	if err != nil {
		b.Fatal(err)
	}
	origins := benchOrigins{}
	var total int64
	for i := range 5000 {
		data := []byte(fmt.Sprintf("%0*d", 1000+i%2000, i))
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		key := "web/packages/" + h[:2] + "/" + h[2:4] + "/" + h[4:] + fmt.Sprintf("/p%d-1.0.tar.gz", i/5)
		path := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("p%d", i/5)
		origins[name] = append(origins[name], index.FileOrigin{Key: key, SHA256: h, Size: int64(len(data))})
		total += int64(len(data))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := prefetch.Verify(context.Background(), prefetch.VerifyConfig{Store: store, Origins: origins, Workers: 8, Logger: quietLogger()})
		if err != nil || rep.OK != 5000 {
			b.Fatalf("verify: %+v, %v", rep, err)
		}
	}
}

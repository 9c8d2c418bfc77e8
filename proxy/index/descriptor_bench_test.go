package index

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"
)

// BenchmarkDescriptorMemory measures what memory one page descriptor
// really takes in the descs tier (the Page, its strings and ristretto's
// entry), read as from a sidecar: the figure descriptorCost stands for.
func BenchmarkDescriptorMemory(b *testing.B) {
	const n = 20000
	sidecar := func(i int) []byte {
		etag := fmt.Sprintf(`"%032x"`, i)
		return fmt.Appendf(nil, `{"serial":%d,"etags":[%q,%q],"sizes":[[689,413,380],[762,458,401]],`+
			`"upstream":{"etag":%q,"last_modified":"Mon, 30 Nov 2026 04:41:00 GMT"},"digest":"%064x","index":"pypi"}`,
			20000000+i, etag, etag+"h", etag+"u", i)
	}
	for b.Loop() {
		ps, err := newPages(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, 1<<30)
		if err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range n {
			var m pageMeta
			if err := json.Unmarshal(sidecar(i), &m); err != nil {
				b.Fatal(err)
			}
			kind := projectPage{name: fmt.Sprintf("genpkg-%06d", i)}
			p := &Page{meta: m, keys: storedKeys(kind), stored: true, mkey: kind.memKey()}
			ps.keep(kind, p)
			if i%1000 == 999 {
				ps.descs.Wait()
			}
		}
		ps.descs.Wait()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if got := ps.descs.Metrics.KeysAdded(); got != n {
			b.Fatalf("%d descriptors kept, want %d", got, n)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/descriptor")
		runtime.KeepAlive(ps)
	}
}

package cache_test

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

// BenchmarkBudgetLoadInventory: a start that loads an inventory of 100,000
// files (the walk it spares is the tree's, not measured here).
func BenchmarkBudgetLoadInventory(b *testing.B) {
	const files = 100000
	var inv strings.Builder
	inv.WriteString("pypi-proxy budget inventory 1 g1\n")
	for i := range files {
		fmt.Fprintf(&inv, "%d 2000 web/packages/%02x/%02x/%060x/genpkg_%06d-1.0.%d-py3-none-any.whl\n", 1e18+int64(i), i%256, i/256%256, i, i/5, i%5)
	}
	fmt.Fprintf(&inv, "end %d %d\n", files, files*2000)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for b.Loop() {
		b.StopTimer()
		mem := cache.NewMem()
		storetest.Put(b, mem, cache.InventoryKey, []byte(inv.String()))
		b.StartTimer()
		bud, err := cache.NewBudget(mem, cache.BudgetOptions{Logger: quiet, Tenure: &cache.Tenure{Previous: "g1", Current: "g2"}})
		if err != nil {
			b.Fatal(err)
		}
		if _, n, _ := bud.Stats(); n != files {
			b.Fatalf("%d files loaded", n)
		}
		b.StopTimer()
		bud.Close()
		b.StartTimer()
	}
}

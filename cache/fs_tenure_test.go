package cache_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

func register(t *testing.T, s *cache.FS) *cache.Tenure {
	t.Helper()
	w, err := s.RegisterWriter()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Release() })
	return w
}

// TestRegisterWriter: each registration replaces the generation and
// reports the one before it; it is Alone when no other writer holds a
// registration, and Clean when, besides, none was left unreleased (a
// crash); a torn generation file reads as none.
func TestRegisterWriter(t *testing.T) {
	dir := t.TempDir()
	s, err := cache.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ prev, alone, clean bool }
	check := func(name string, w *cache.Tenure, prev string, wt want) {
		t.Helper()
		if (w.Previous == prev) != wt.prev || w.Alone != wt.alone || w.Clean != wt.clean || len(w.Current) != 32 {
			t.Errorf("%s: Previous %q (want %q: %v) Current %q Alone %v Clean %v, want alone %v clean %v",
				name, w.Previous, prev, wt.prev, w.Current, w.Alone, w.Clean, wt.alone, wt.clean)
		}
	}

	first := register(t, s)
	check("first", first, "", want{prev: true, alone: true, clean: false}) // no file yet: unknown
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	second := register(t, s)
	check("after a release", second, first.Current, want{prev: true, alone: true, clean: true})
	third := register(t, s) // second still running
	check("beside another", third, second.Current, want{prev: true, alone: false, clean: false})
	second.Release()
	cache.CrashTenure(third)
	fourth := register(t, s)
	check("after a crash", fourth, third.Current, want{prev: true, alone: true, clean: false})
	fourth.Release()
	if w := register(t, s); !w.Clean || w.Previous != fourth.Current {
		t.Errorf("after the crash was seen: Clean %v Previous %q, want true %q", w.Clean, w.Previous, fourth.Current)
	} else {
		w.Release()
	}

	if err := os.WriteFile(filepath.Join(dir, cache.GenerationName), []byte("0123456789ab"), 0o644); err != nil {
		t.Fatal(err)
	}
	torn := register(t, s)
	check("torn", torn, "", want{prev: true, alone: true, clean: false})
}

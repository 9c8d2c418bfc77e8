package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestApplyMemoryLimit(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	defer debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "")
	if got := applyMemoryLimit(256<<20, log); got != 256<<20+runtimeOverhead || debug.SetMemoryLimit(-1) != got {
		t.Errorf("limit %d (runtime %d), want --memory + %d", got, debug.SetMemoryLimit(-1), runtimeOverhead)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := applyMemoryLimit(256<<20, log); got != 0 {
		t.Errorf("GOMEMLIMIT overridden: %d", got)
	}
}

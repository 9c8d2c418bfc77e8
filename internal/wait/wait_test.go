package wait

import (
	"sync/atomic"
	"testing"
)

// TestForReturnsOnceTheConditionHolds: For polls until the event, however
// many polls that takes.
func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	For(t, "the third poll", func() bool { return n.Add(1) >= 3 })
	if n.Load() != 3 {
		t.Errorf("polled %d times, want 3", n.Load())
	}
}

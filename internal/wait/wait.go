// Package wait is the one way tests wait for an event they can only
// observe by asking (a file appears, a counter moves, a log line is
// written): poll the condition; the deadline only stops a hang, so a busy
// machine is slower, never wrong.
package wait

import (
	"testing"
	"time"
)

// HangGuard is how long For polls before it fails the test.
const HangGuard = time.Minute

// For polls cond until it holds, failing t after HangGuard.
func For(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(HangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

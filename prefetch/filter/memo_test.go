package filter

import (
	"fmt"
	"testing"
)

// The memo gives what a fresh parse gives, first time and after, and stays
// within its bound.
func TestVersionKeyMemo(t *testing.T) {
	cases := map[string]string{"1.0": "1.0", "1.0-RC1": "1.0rc1", "1.0.post0": "1.0.post0", " 2 ": "2", "not a version": "not a version", "v1.2": "1.2"}
	for range 2 {
		for in, want := range cases {
			if k, _, _ := versionKey(in); k != want {
				t.Errorf("versionKey(%q) = %q, want %q", in, k, want)
			}
		}
	}
	if _, _, ok := versionKey("not a version"); ok {
		t.Error("an invalid version reported as valid from the memo")
	}
	c := &versionCache{max: 10}
	for i := range 25 {
		c.put(fmt.Sprint(i), parsedVersion{key: fmt.Sprint(i)})
		if len(c.m) > c.max {
			t.Fatalf("memo holds %d entries, bound %d", len(c.m), c.max)
		}
	}
	if pv, ok := c.get("24"); !ok || pv.key != "24" {
		t.Errorf("latest entry lost: %+v %v", pv, ok)
	}
}

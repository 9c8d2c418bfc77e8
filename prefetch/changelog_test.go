package prefetch

import (
	"testing"
)

func TestApplyAction(t *testing.T) {
	changes := map[string]change{}
	rows := []struct {
		name, action string
		serial       int64
	}{
		{"Foo_Bar", "create", 1},
		{"Foo_Bar", "add Owner alice", 2},
		{"foo-bar", "new release", 3},
		{"foo.bar", "add py3 file foo_bar-1.0-py3-none-any.whl", 4},
		{"Gone", "create", 5},
		{"Gone", "remove project", 6},
		{"Back", "remove project", 7},
		{"Back", "create", 8},
		{"Roles", "invite Maintainer bob", 9},
		{"Yanked", "yank release", 10},
	}
	for _, r := range rows {
		applyAction(changes, r.name, r.action, r.serial)
	}
	want := map[string]change{
		"foo-bar": {Serial: 4}, "gone": {Serial: 6, Removed: true}, "back": {Serial: 8}, "yanked": {Serial: 10},
	}
	if len(changes) != len(want) {
		t.Errorf("changes %v, want %v", changes, want)
	}
	for n, w := range want {
		if changes[n] != w {
			t.Errorf("%s: %+v, want %+v", n, changes[n], w)
		}
	}
}

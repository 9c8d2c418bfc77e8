package storetest

import (
	"context"
	"errors"
	"io/fs"
	"reflect"
	"sort"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

func sortedKeys(m map[string]cache.Info) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func testWalk(t *testing.T, s cache.Store) {
	files := map[string]string{
		"status":                         "1",
		"web/simple/a/index.html":        "aa",
		"web/simple/ab/index.html":       "abab",
		"web/simple/index.html":          "root",
		"web/packages/aa/bb/cc/x.whl":    "wheel",
		"web/packages/aa/bc/dd/y.tar.gz": "sdist!",
	}
	for k, v := range files {
		Put(t, s, k, []byte(v))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"status", "web/packages/aa/bb/cc/x.whl", "web/packages/aa/bc/dd/y.tar.gz",
			"web/simple/a/index.html", "web/simple/ab/index.html", "web/simple/index.html"}},
		{"web/simple/", []string{"web/simple/a/index.html", "web/simple/ab/index.html", "web/simple/index.html"}},
		{"web/simple/a", []string{"web/simple/a/index.html", "web/simple/ab/index.html"}},
		{"web/simple/a/", []string{"web/simple/a/index.html"}},
		{"web/packages/aa/b", []string{"web/packages/aa/bb/cc/x.whl", "web/packages/aa/bc/dd/y.tar.gz"}},
		{"web/packages/aa/bb/cc/x.whl", []string{"web/packages/aa/bb/cc/x.whl"}},
		{"stat", []string{"status"}},
		{"nope/", nil},
		{"web/simple/zzz", nil},
	}
	for _, tt := range tests {
		got := Keys(t, s, tt.prefix)
		if keys := sortedKeys(got); !reflect.DeepEqual(keys, tt.want) && !(len(keys) == 0 && len(tt.want) == 0) {
			t.Errorf("Walk(%q) = %q, want %q", tt.prefix, keys, tt.want)
		}
		for k, info := range got {
			if info.Size != int64(len(files[k])) || info.ModTime.IsZero() {
				t.Errorf("Walk(%q) info %+v, want size %d and a ModTime", tt.prefix, info, len(files[k]))
			}
		}
	}
}

func testWalkHidden(t *testing.T, s cache.Store) {
	Put(t, s, ".lock", []byte("l"))
	Put(t, s, "web/.hidden/x", []byte("h"))
	Put(t, s, "web/visible", []byte("v"))
	if keys := sortedKeys(Keys(t, s, "")); !reflect.DeepEqual(keys, []string{"web/visible"}) {
		t.Errorf("Walk reported %q, want only web/visible", keys)
	}
	if got := Get(t, s, ".lock"); string(got) != "l" {
		t.Errorf("hidden key content = %q", got)
	}
}

func testWalkStops(t *testing.T, s cache.Store) {
	for _, k := range []string{"a/1", "a/2", "a/3"} {
		Put(t, s, k, []byte(k))
	}
	stop := errors.New("stop")
	n := 0
	err := s.Walk(context.Background(), "a/", func(cache.Info) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Walk with failing fn: err %v after %d calls, want stop after 1", err, n)
	}
	if errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unexpected ErrNotExist")
	}
}

func testInvalidKeys(t *testing.T, s cache.Store) {
	ctx := context.Background()
	Put(t, s, "x", []byte("x"))
	bad := []string{"", "../x", "/abs", "a//b", "a/./b", `a\b`, "a\x00b", ".tmp-x", "a/.tmp-1", "a/..", "a/"}
	for _, key := range bad {
		check := func(method string, err error) {
			if !errors.Is(err, cache.ErrInvalidKey) {
				t.Errorf("%s(%q) = %v, want ErrInvalidKey", method, key, err)
			}
		}
		o, err := s.Open(ctx, key)
		if err == nil {
			o.Close()
		}
		check("Open", err)
		_, err = s.Stat(ctx, key)
		check("Stat", err)
		w, err := s.Create(ctx, key)
		if err == nil {
			w.Cancel(ctx)
		}
		check("Create", err)
		check("Delete", s.Delete(ctx, key))
		if key != "" && key != "a/" { // "" and "a/" are valid Walk prefixes
			check("Walk", s.Walk(ctx, key, func(cache.Info) error { return nil }))
		}
	}
	if got := Get(t, s, "x"); string(got) != "x" {
		t.Errorf("store damaged by invalid keys: %q", got)
	}
}

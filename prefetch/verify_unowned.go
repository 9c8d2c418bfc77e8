package prefetch

import (
	"context"
	"hash/maphash"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// keySet is a set of store keys kept as 64-bit hashes: 8 bytes a key
// (plus the map's overhead) instead of the key itself. A collision makes
// a stray file look referenced, so it errs towards keeping files.
type keySet struct {
	seed maphash.Seed
	m    map[uint64]struct{}
}

func newKeySet() keySet {
	return keySet{seed: maphash.MakeSeed(), m: map[uint64]struct{}{}}
}

func (s keySet) add(key string) { s.m[maphash.String(s.seed, key)] = struct{}{} }

func (s keySet) has(key string) bool {
	_, ok := s.m[maphash.String(s.seed, key)]
	return ok
}

// unowned finds (and with DeleteUnowned deletes) files under web/packages/
// that no recorded origin references. Only those keys are collected (the
// walk ends before any is deleted).
func (v *verifier) unowned(ctx context.Context) error {
	var extra []string
	err := v.cfg.Store.Walk(ctx, cache.PackagesPrefix, func(info cache.Info) error {
		if !v.owned.has(info.Key) {
			extra = append(extra, info.Key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.rep.Unowned = len(extra)
	for _, key := range extra {
		v.problem(key + ": referenced by no page")
		if err := v.cfg.Store.Delete(ctx, key); err != nil {
			v.cfg.Logger.Warn("cannot delete unowned file", "key", key, "err", err)
			continue
		}
		v.rep.Deleted++
	}
	return nil
}

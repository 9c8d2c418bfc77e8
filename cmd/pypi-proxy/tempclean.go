package main

import (
	"log/slog"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

// cleanTempLeftovers removes the temp files a crash left in dir: those last
// written before cutoff (this process's start). A running mirror's temp
// files are older than our start too, and it renames them later (its todo,
// its pages): so unless lockHeld says this process holds the mirror lock,
// nothing is removed while another process holds it. Files are listed
// first, then the lock is probed: a mirror that starts after the probe
// only writes files newer than cutoff, which are never removed.
func cleanTempLeftovers(store *cache.FS, dir string, cutoff time.Time, lockHeld bool, log *slog.Logger) {
	files, err := store.TempFiles(cutoff)
	if err != nil {
		log.Warn("cleaning temp files", "err", err)
		return
	}
	if len(files) == 0 {
		return
	}
	if !lockHeld {
		held, err := prefetch.LockHeld(dir)
		if err != nil {
			log.Warn("cleaning temp files", "err", err)
			return
		}
		if held {
			log.Info("a mirror is writing this directory: leaving its temp files alone", "files", len(files))
			return
		}
	}
	removed := 0
	for _, p := range files {
		ok, err := store.RemoveTemp(p, cutoff)
		if err != nil {
			log.Warn("cleaning temp files", "err", err)
			return
		}
		if ok {
			removed++
		}
	}
	if removed > 0 {
		log.Info("removed temp files left by a crash", "files", removed)
	}
}

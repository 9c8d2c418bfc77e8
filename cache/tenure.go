package cache

import "os"

// Tenure is one process's registration as a writer of a tree: every
// process that may add or delete files in it (serve, mirror, verify
// --repair or --delete-unowned) registers before it writes and releases
// the registration when it is done (FS.RegisterWriter). What a
// registration leaves behind lets a later writer reason about the ones
// before it:
//
//   - the generation, a random token each registration replaces: a process
//     that recorded the token it registered finds it unchanged at its next
//     start only if no other writer registered in between (the size
//     budget trusts its persisted inventory only then);
//   - liveness: a registration holds a shared lock for its life (the
//     kernel drops it when the process dies), so a new one can tell
//     whether another writer is running;
//   - the registrations never released: a crashed writer leaves one
//     behind, and with it possibly temp files.
//
// A process that writes without registering (an older pypi-proxy, rsync,
// rm) is not seen: see the README's --max-cache-size.
type Tenure struct {
	// Previous is the tree's generation before this registration: ""
	// when there was none or it was unreadable.
	Previous string
	// Current is the generation this registration wrote.
	Current string
	// Alone: no other registered writer was running when this one
	// registered.
	Alone bool
	// Clean: Alone, and every earlier registration was released (no
	// writer crashed since the last Clean registration), so the tree
	// holds no crash leftovers.
	Clean bool

	fs   *FS
	live *os.File // holds the shared lock; nil once released
}

// Release ends the registration. Releasing twice, or a Tenure that was
// not made by RegisterWriter, is a no-op.
func (t *Tenure) Release() error {
	if t == nil || t.fs == nil || t.live == nil {
		return nil
	}
	return t.fs.releaseWriter(t)
}

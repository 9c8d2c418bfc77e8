package prefetch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// The mirror's bookkeeping lives in bandersnatch's root files, so a
// bandersnatch mirror directory can be adopted as it is:
//
//	status          last fully synced serial, written only once every project
//	                of that serial is on disk
//	todo            while a pass is unfinished: its target serial, then one
//	                "name serial" line per project still to sync
//	generation      the tree's format generation ("5", as bandersnatch 4+)
//	web/last-modified  time of the last pass
//	.lock           flock: one mirror writes a directory at a time
//
// plus state/serials.json, the serial of every mirrored project (the root
// index and the JSON-root serial diff are built from it).

// serialsKey records the serial of every project the mirror holds.
const serialsKey = cache.StatePrefix + "serials.json"

// generation is the bandersnatch tree generation we write.
const generation = "5"

// todoList is an unfinished pass: the serial it brings the mirror to and
// the projects still to sync.
type todoList struct {
	Serial   int64
	Projects map[string]change
}

func readStatus(ctx context.Context, s cache.Store) (serial int64, ok bool, err error) {
	data, err := cache.ReadObject(ctx, s, cache.StatusKey)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	serial, err = strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", cache.StatusKey, err)
	}
	return serial, true, nil
}

func writeStatus(ctx context.Context, s cache.Store, serial int64) error {
	ctx, err := durable(ctx, s)
	if err != nil {
		return err
	}
	return cache.WriteObject(ctx, s, cache.StatusKey, []byte(strconv.FormatInt(serial, 10)+"\n"))
}

// readTodo reads bandersnatch's todo: the target serial on the first line,
// then "name serial" lines (ours may add "remove").
func readTodo(ctx context.Context, s cache.Store) (*todoList, error) {
	data, err := cache.ReadObject(ctx, s, cache.TodoKey)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !sc.Scan() {
		return nil, fmt.Errorf("%s: empty", cache.TodoKey)
	}
	serial, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: first line: %w", cache.TodoKey, err)
	}
	t := &todoList{Serial: serial, Projects: map[string]change{}}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		c := change{Serial: -1}
		if len(f) > 1 {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				c.Serial = n
			}
		}
		c.Removed = len(f) > 2 && f[2] == "remove"
		t.Projects[normalize(f[0])] = c
	}
	return t, sc.Err()
}

func writeTodo(ctx context.Context, s cache.Store, t *todoList) error {
	ctx, err := durable(ctx, s)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n", t.Serial)
	for _, name := range slices.Sorted(maps.Keys(t.Projects)) {
		c := t.Projects[name]
		fmt.Fprintf(&b, "%s %d", name, c.Serial)
		if c.Removed {
			b.WriteString(" remove")
		}
		b.WriteByte('\n')
	}
	return cache.WriteObject(ctx, s, cache.TodoKey, b.Bytes())
}

// ensureGeneration writes the generation file of a new tree.
func ensureGeneration(ctx context.Context, s cache.Store) error {
	if _, err := s.Stat(ctx, cache.GenerationKey); err == nil {
		return nil
	}
	return cache.WriteObject(ctx, s, cache.GenerationKey, []byte(generation+"\n"))
}

// writeLastModified writes bandersnatch's web/last-modified timestamp.
func writeLastModified(ctx context.Context, s cache.Store, t time.Time) error {
	return cache.WriteObject(ctx, s, cache.LastModifiedKey, []byte(t.UTC().Format("20060102T15:04:05")+"\n"))
}

func loadSerials(ctx context.Context, s cache.Store) (map[string]int64, error) {
	data, err := cache.ReadObject(ctx, s, serialsKey)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]int64{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", serialsKey, err)
	}
	return m, nil
}

func saveSerials(ctx context.Context, s cache.Store, m map[string]int64) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return cache.WriteObject(ctx, s, serialsKey, data)
}

// ErrLocked is returned when another mirror (or serve --prefetch) holds the
// tree's lock.
var ErrLocked = errors.New("another pypi-proxy mirror (or bandersnatch) is writing this tree")

// Lock is the mirror's lock on a tree: one writer at a time. On the
// filesystem it is bandersnatch's .lock (an flock the kernel drops when
// the process dies, so a killed mirror never leaves it stuck).
type Lock struct{ l cache.Lock }

// AcquireLock takes the mirror's lock of the directory dir, failing at
// once with ErrLocked when another process holds it.
func AcquireLock(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	store, err := cache.NewFS(dir)
	if err != nil {
		return nil, err
	}
	return LockStore(context.Background(), store)
}

// LockStore takes the mirror's lock of any store that can lock
// (cache.Locker).
func LockStore(ctx context.Context, s cache.Store) (*Lock, error) {
	l, err := cache.TryLock(ctx, s, "")
	if errors.Is(err, cache.ErrLocked) {
		return nil, fmt.Errorf("%w: %w", ErrLocked, err)
	}
	if err != nil {
		return nil, err
	}
	return &Lock{l: l}, nil
}

// Release drops the lock.
func (l *Lock) Release() error {
	if l == nil || l.l == nil {
		return nil
	}
	return l.l.Release()
}

// durable flushes the pass's deferred writes (pages and files written with
// cache.DeferSync) before a record that says they are done, and returns a
// context whose own writes are synced.
func durable(ctx context.Context, s cache.Store) (context.Context, error) {
	if err := cache.Flush(ctx, s); err != nil {
		return ctx, err
	}
	return cache.SyncWrites(ctx), nil
}

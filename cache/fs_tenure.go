package cache

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The registration files at the root of a tree (dot-files: never keys).
const (
	// WritersName is the file every registered writer holds a shared
	// flock on for its life.
	WritersName = ".writers"
	// GenerationName holds "<generation> <unreleased registrations>";
	// its exclusive flock is the gate one registration (or release) at a
	// time passes.
	GenerationName = ".writers-gen"
)

// RegisterWriter registers this process as a writer of the tree (see
// Tenure); call it before the first write, and Release at the end.
//
// Inside the gate: try the writers' lock exclusively (success: no other
// writer is running), hold it shared from then on (nobody else can
// register during the conversion: they wait at the gate), read the
// generation and write a new one, synced before any write of ours can
// reach the disk.
func (s *FS) RegisterWriter() (*Tenure, error) {
	gate, err := s.enterGate()
	if err != nil {
		return nil, err
	}
	defer leaveGate(gate)
	live, err := os.OpenFile(filepath.Join(s.root, WritersName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cache: register writer: %w", err)
	}
	alone := true
	if err := syscall.Flock(int(live.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); errors.Is(err, syscall.EWOULDBLOCK) {
		alone = false
	} else if err != nil {
		live.Close()
		return nil, fmt.Errorf("cache: register writer: %w", err)
	}
	if err := syscall.Flock(int(live.Fd()), syscall.LOCK_SH); err != nil {
		live.Close()
		return nil, fmt.Errorf("cache: register writer: %w", err)
	}
	prev, pending, ok := readGeneration(gate)
	t := &Tenure{Alone: alone, Clean: alone && ok && pending == 0, fs: s, live: live}
	if ok {
		t.Previous = prev
	}
	if alone || !ok {
		pending = 0 // the unreleased ones crashed: nobody else is running
	}
	var token [16]byte
	rand.Read(token[:])
	t.Current = hex.EncodeToString(token[:])
	if err := writeGeneration(gate, t.Current, pending+1, true); err != nil {
		live.Close()
		return nil, fmt.Errorf("cache: register writer: %w", err)
	}
	return t, nil
}

// releaseWriter counts t's registration as released (the generation is
// kept) and drops its lock.
func (s *FS) releaseWriter(t *Tenure) error {
	gate, err := s.enterGate()
	if err == nil {
		if gen, pending, ok := readGeneration(gate); ok && pending > 0 {
			err = writeGeneration(gate, gen, pending-1, false)
		}
		leaveGate(gate)
	}
	if cerr := t.live.Close(); err == nil {
		err = cerr
	}
	t.live = nil
	if err != nil {
		return fmt.Errorf("cache: release writer: %w", err)
	}
	return nil
}

func (s *FS) enterGate() (*os.File, error) {
	gate, err := os.OpenFile(filepath.Join(s.root, GenerationName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cache: writers' gate: %w", err)
	}
	if err := syscall.Flock(int(gate.Fd()), syscall.LOCK_EX); err != nil {
		gate.Close()
		return nil, fmt.Errorf("cache: writers' gate: %w", err)
	}
	return gate, nil
}

func leaveGate(gate *os.File) {
	syscall.Flock(int(gate.Fd()), syscall.LOCK_UN)
	gate.Close()
}

// readGeneration parses "<32 hex digits> <count>\n"; anything else (a
// missing or torn file) is not ok.
func readGeneration(f *os.File) (gen string, pending int, ok bool) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 128))
	if err != nil {
		return "", 0, false
	}
	gen, count, found := strings.Cut(strings.TrimSuffix(string(b), "\n"), " ")
	n, err := strconv.Atoi(count)
	if _, herr := hex.DecodeString(gen); !found || len(gen) != 32 || herr != nil || err != nil || n < 0 {
		return "", 0, false
	}
	return gen, n, true
}

func writeGeneration(f *os.File, gen string, pending int, sync bool) error {
	line := gen + " " + strconv.Itoa(pending) + "\n"
	if _, err := f.WriteAt([]byte(line), 0); err != nil {
		return err
	}
	if err := f.Truncate(int64(len(line))); err != nil {
		return err
	}
	if sync {
		return f.Sync()
	}
	return nil
}

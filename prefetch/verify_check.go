package prefetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// tally counts one worker's results; they join the report when it ends,
// so workers share no counter while they hash.
type tally struct {
	files, ok, missing, corrupt, absent int
	repaired, repairFailed              int
	bytes                               int64
}

// hashWorker is one verify worker's reusable state: the hash, its sum and
// the read buffer live as long as the worker, not a file.
type hashWorker struct {
	h     hash.Hash
	sum   []byte
	want  []byte
	buf   []byte
	tally tally
}

func newHashWorker() *hashWorker {
	return &hashWorker{h: sha256.New(), sum: make([]byte, 0, sha256.Size),
		want: make([]byte, sha256.Size), buf: make([]byte, 256<<10)}
}

// add merges a worker's tally into the report.
func (v *verifier) add(t *tally) {
	v.mu.Lock()
	defer v.mu.Unlock()
	r := v.rep
	r.Files += t.files
	r.OK += t.ok
	r.Missing += t.missing
	r.Corrupt += t.corrupt
	r.Absent += t.absent
	r.Repaired += t.repaired
	r.RepairFailed += t.repairFailed
	r.Bytes += t.bytes
}

// check hashes one file and repairs it if asked.
func (v *verifier) check(ctx context.Context, w *hashWorker, j verifyJob) {
	n, err := w.hashFile(ctx, v.cfg.Store, j)
	t := &w.tally
	if v.cfg.PresentOnly && isNotExist(err) {
		t.absent++
		return
	}
	t.files++
	t.bytes += n
	switch {
	case err == nil:
		t.ok++
		return
	case isNotExist(err):
		t.missing++
	default:
		t.corrupt++
	}
	v.problem(fmt.Sprintf("%s: %v", j.key, err))
	if !v.cfg.Repair {
		return
	}
	if !isNotExist(err) {
		if derr := v.cfg.Store.Delete(ctx, j.key); derr != nil {
			v.cfg.Logger.Warn("cannot delete corrupt file", "key", j.key, "err", derr)
		}
	}
	_, ferr := v.cfg.Fetcher.FetchFile(ctx, j.key)
	if ferr == nil {
		_, ferr = w.hashFile(ctx, v.cfg.Store, j)
	}
	if ferr != nil {
		t.repairFailed++
		v.cfg.Logger.Warn("repair failed", "key", j.key, "err", ferr)
		return
	}
	t.repaired++
}

// problem records one of the first problems for the summary.
func (v *verifier) problem(p string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.rep.Problems) < maxProblems {
		v.rep.Problems = append(v.rep.Problems, p)
	}
}

var errCorrupt = errors.New("sha256 mismatch")

// hashFile reads a stored file through the worker's sha256. A file whose
// size is known and fits the buffer is read with exactly its size (no
// extra read to see the end: the size came from the open file's stat).
func (w *hashWorker) hashFile(ctx context.Context, s cache.Store, j verifyJob) (int64, error) {
	obj, err := s.Open(ctx, j.key)
	if err != nil {
		return 0, err
	}
	defer obj.Close()
	size := obj.Info().Size
	if j.size >= 0 && size != j.size {
		return 0, fmt.Errorf("size %d, want %d: %w", size, j.size, errCorrupt)
	}
	w.h.Reset()
	var n int64
	if size >= 0 && size <= int64(len(w.buf)) {
		var m int
		m, err = io.ReadFull(obj, w.buf[:size])
		w.h.Write(w.buf[:m])
		n = int64(m)
	} else {
		n, err = io.CopyBuffer(w.h, struct{ io.Reader }{obj}, w.buf)
	}
	if err != nil {
		return n, err
	}
	w.sum = w.h.Sum(w.sum[:0])
	if len(j.sha256) != 2*sha256.Size {
		return n, fmt.Errorf("recorded sha256 %q is malformed: %w", j.sha256, errCorrupt)
	}
	if _, err := hex.Decode(w.want, []byte(j.sha256)); err != nil || string(w.sum) != string(w.want) {
		got := hex.EncodeToString(w.sum)
		return n, fmt.Errorf("sha256 %s, want %s: %w", got[:12], j.sha256[:12], errCorrupt)
	}
	return n, nil
}

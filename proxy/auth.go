package proxy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// AuthConfig says who may read what. Zero values are the documented
// defaults; a nil *AuthConfig in Config lets everyone read everything.
type AuthConfig struct {
	// HtpasswdFile holds "user:bcrypt-hash" lines (htpasswd -B); it is
	// read again when it changes. Required.
	HtpasswdFile string
	// Groups maps a group name to its users; readers name it "@group".
	Groups map[string][]string
	// Readers maps an index name to the users ("alice"), groups ("@team")
	// or "*" (anyone authenticated) who may read it and the projects it
	// serves. An index not in Readers is read anonymously.
	Readers map[string][]string
	// MetricsReaders, when set, may read /metrics and /status; nobody else.
	MetricsReaders []string
	// ReloadCheck is how often, at most, the htpasswd file is looked at
	// for changes (default 1s; negative: on every request).
	ReloadCheck time.Duration
	// MaxFailures failed logins from one address within FailureWindow
	// are answered 429 without checking (default 5 per minute).
	MaxFailures   int
	FailureWindow time.Duration
	// Logger receives failed logins (user and address, never the secret).
	Logger *slog.Logger
}

// errUnauthorized asks for credentials (401 with WWW-Authenticate).
var errUnauthorized = errors.New("authentication required")

// errTooManyFailures is 429: the address failed to log in too often.
var errTooManyFailures = errors.New("too many failed logins; try again later")

// credentials checks users against the htpasswd file, reloading it when
// it changes (looked at, at most, every recheck); a secret that passed
// bcrypt is remembered (by its sha256) until the file changes, so a
// client's many requests cost one bcrypt. Checks take no lock.
type credentials struct {
	file    string
	recheck time.Duration

	mu      sync.Mutex // one reload at a time
	state   atomic.Pointer[credState]
	checked atomic.Int64 // unix nanoseconds of the last look at the file
}

// credState is one reading of the file.
type credState struct {
	modTime  time.Time
	size     int64
	hashes   map[string][]byte // user -> bcrypt hash
	verified sync.Map          // user -> [32]byte, the sha256 of the secret that passed
}

// check reports whether user's password is right.
func (cr *credentials) check(user, password string) (bool, error) {
	st, err := cr.current()
	if err != nil {
		return false, err
	}
	hash, ok := st.hashes[user]
	if !ok {
		return false, nil
	}
	sum := sha256.Sum256([]byte(password))
	if v, ok := st.verified.Load(user); ok && v.([32]byte) == sum {
		return true, nil
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil {
		return false, nil
	}
	st.verified.Store(user, sum)
	return true, nil
}

// current returns the file's state, read again when it changed.
func (cr *credentials) current() (*credState, error) {
	st := cr.state.Load()
	now := time.Now().UnixNano()
	if st != nil && now-cr.checked.Load() < int64(cr.recheck) {
		return st, nil
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	info, err := os.Stat(cr.file)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	cr.checked.Store(now)
	if st = cr.state.Load(); st != nil && info.ModTime().Equal(st.modTime) && info.Size() == st.size {
		return st, nil
	}
	data, err := os.ReadFile(cr.file)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	hashes, err := parseHtpasswd(data)
	if err != nil {
		return nil, fmt.Errorf("credentials file %s: %w", cr.file, err)
	}
	st = &credState{modTime: info.ModTime(), size: info.Size(), hashes: hashes}
	cr.state.Store(st)
	return st, nil
}

// parseHtpasswd reads "user:hash" lines; only bcrypt hashes are accepted.
func parseHtpasswd(data []byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		user, hash, ok := strings.Cut(text, ":")
		if !ok || user == "" || !strings.HasPrefix(hash, "$2") {
			return nil, fmt.Errorf("line %d: want user:bcrypt-hash (htpasswd -B)", line)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		out[user] = []byte(hash)
	}
	return out, sc.Err()
}

// failures counts failed logins per address in a sliding window.
type failures struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	byAddr map[string][]time.Time
}

// blocked reports whether addr has failed max times within the window.
func (f *failures) blocked(addr string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recentLocked(addr)) >= f.max
}

// add records a failure of addr.
func (f *failures) add(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byAddr[addr] = append(f.recentLocked(addr), time.Now())
}

func (f *failures) recentLocked(addr string) []time.Time {
	ts := f.byAddr[addr]
	cut := time.Now().Add(-f.window)
	for len(ts) > 0 && ts[0].Before(cut) {
		ts = ts[1:]
	}
	if len(ts) == 0 {
		delete(f.byAddr, addr)
	}
	return ts
}

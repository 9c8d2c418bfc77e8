package fakepypi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// ControlHandler serves a small HTTP API for scripts that drive a running fake (the fakepypi
// command's -control-addr, used by bench/): request counts to prove a proxy fetched each page and
// file once, and fault rules toggled while a load runs.
//
//	GET    /counts   {"index": {"/simple/a/": 1, ...}, "files": {...}}: requests per exact path
//	DELETE /counts   zero the counts
//	POST   /faults   add a rule, as JSON: {"host": "files", "path": "/packages/", "kind": "status",
//	                 "status": 503, "delay": "2s", "times": 0, "after": 0, "location": ""}
//	DELETE /faults   remove every rule
//
// "kind" is a FaultKind's name ("status", "down", "reset", "truncate", "corrupt", "slow", "stall",
// "stale", "hold", "oversize", "trickle", "redirect"); "host" is "index" (the default) or "files".
func (u *Upstream) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /counts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]map[string]int{
			IndexHost.String(): u.Counts(IndexHost),
			FilesHost.String(): u.Counts(FilesHost),
		})
	})
	mux.HandleFunc("DELETE /counts", func(w http.ResponseWriter, _ *http.Request) {
		u.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		var spec faultSpec
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		f, err := spec.fault()
		if err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		u.SetFault(f)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /faults", func(w http.ResponseWriter, _ *http.Request) {
		u.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// faultSpec is a Fault as the control API takes it.
type faultSpec struct {
	Host     string `json:"host"`
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	Status   int    `json:"status"`
	Delay    string `json:"delay"`
	Times    int    `json:"times"`
	After    int    `json:"after"`
	Location string `json:"location"`
}

func (s faultSpec) fault() (Fault, error) {
	f := Fault{PathPrefix: s.Path, Status: s.Status, Times: s.Times, After: s.After, Location: s.Location}
	switch s.Host {
	case "", IndexHost.String():
		f.Host = IndexHost
	case FilesHost.String():
		f.Host = FilesHost
	default:
		return Fault{}, fmt.Errorf("unknown host %q (index or files)", s.Host)
	}
	kind, ok := faultKindNamed(s.Kind)
	if !ok {
		return Fault{}, fmt.Errorf("unknown kind %q", s.Kind)
	}
	f.Kind = kind
	if s.Delay != "" {
		d, err := time.ParseDuration(s.Delay)
		if err != nil {
			return Fault{}, err
		}
		f.Delay = d
	}
	if s.Times < 0 || s.After < 0 || (s.Status != 0 && (s.Status < 100 || s.Status > 599)) {
		return Fault{}, fmt.Errorf("times, after or status out of range")
	}
	return f, nil
}

// faultKindNamed finds the FaultKind whose String is name ("" is FaultStatus).
func faultKindNamed(name string) (FaultKind, bool) {
	if name == "" {
		return FaultStatus, true
	}
	for k := FaultStatus; k <= FaultRedirect; k++ {
		if k.String() == name {
			return k, true
		}
	}
	return 0, false
}

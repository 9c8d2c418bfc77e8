package prefetch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kolo/xmlrpc"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// change is what upstream's journal says about one project.
type change struct {
	// Serial is the serial its page must reach (-1: any).
	Serial int64
	// Removed is set when the project's last action was "remove project".
	Removed bool
}

// Source tells the mirror what upstream holds and what changed.
type Source interface {
	// List returns every project (normalized name -> last serial) and the
	// serial the listing is complete at.
	List(ctx context.Context) (map[string]int64, int64, error)
	// Since returns the projects changed after serial and the serial the
	// changes bring the mirror to. known are the mirrored projects' serials
	// (a source without a journal diffs against them).
	Since(ctx context.Context, serial int64, known map[string]int64) (map[string]change, int64, error)
	// Name is "xmlrpc" or "json", for logs.
	Name() string
}

// xmlrpcSource follows PyPI's journal over XML-RPC.
type xmlrpcSource struct {
	ix upstream.Index
}

// errNoXMLRPC means the endpoint is not there (404, 405, a fault, not XML).
var errNoXMLRPC = errors.New("upstream has no XML-RPC mirroring API")

func (s *xmlrpcSource) Name() string { return "xmlrpc" }

// call goes through the index's own client: its credentials, CA,
// concurrency limit, retries and status classifier.
func (s *xmlrpcSource) call(ctx context.Context, out any, method string, args ...any) error {
	body, err := xmlrpc.EncodeMethodCall(method, args...)
	if err != nil {
		return err
	}
	data, err := s.ix.CallXMLRPC(ctx, body)
	if upstream.IsNotFound(err) {
		return fmt.Errorf("xml-rpc %s: %v: %w", method, err, errNoXMLRPC)
	}
	if err != nil {
		return fmt.Errorf("xml-rpc %s: %w", method, err)
	}
	r := xmlrpc.Response(data)
	if err := r.Err(); err != nil {
		return fmt.Errorf("xml-rpc %s: %v: %w", method, err, errNoXMLRPC)
	}
	if err := r.Unmarshal(out); err != nil {
		return fmt.Errorf("xml-rpc %s: bad reply: %v: %w", method, err, errNoXMLRPC)
	}
	return nil
}

func (s *xmlrpcSource) lastSerial(ctx context.Context) (int64, error) {
	var serial int64
	err := s.call(ctx, &serial, "changelog_last_serial")
	return serial, err
}

// List asks for the serial first, then the listing: whatever changes in
// between is seen again by the next incremental pass.
func (s *xmlrpcSource) List(ctx context.Context) (map[string]int64, int64, error) {
	serial, err := s.lastSerial(ctx)
	if err != nil {
		return nil, 0, err
	}
	var raw map[string]int64
	if err := s.call(ctx, &raw, "list_packages_with_serial"); err != nil {
		return nil, 0, err
	}
	all := make(map[string]int64, len(raw))
	for name, ser := range raw {
		n := normalize(name)
		all[n] = max(all[n], ser)
	}
	return all, serial, nil
}

// Since pages through changelog_since_serial (PyPI caps a reply at 50,000
// rows) until it reaches the serial upstream had when the pass began.
func (s *xmlrpcSource) Since(ctx context.Context, since int64, _ map[string]int64) (map[string]change, int64, error) {
	target, err := s.lastSerial(ctx)
	if err != nil {
		return nil, 0, err
	}
	changes := map[string]change{}
	for cur := since; cur < target; {
		var rows [][]any
		if err := s.call(ctx, &rows, "changelog_since_serial", cur); err != nil {
			return nil, 0, err
		}
		if len(rows) == 0 {
			break
		}
		for _, row := range rows {
			name, action, serial, ok := parseRow(row)
			if !ok {
				return nil, 0, fmt.Errorf("xml-rpc changelog_since_serial: bad row %v", row)
			}
			cur = max(cur, serial)
			applyAction(changes, name, action, serial)
		}
	}
	return changes, max(target, since), nil
}

// parseRow reads [name, version, timestamp, action, serial].
func parseRow(row []any) (name, action string, serial int64, ok bool) {
	if len(row) < 5 {
		return "", "", 0, false
	}
	name, ok1 := row[0].(string)
	action, ok2 := row[3].(string)
	serial, ok3 := row[4].(int64)
	return name, action, serial, ok1 && ok2 && ok3 && name != ""
}

// applyAction folds one journal row into changes. Every row but owner and
// role noise means "sync the project at >= serial"; "remove project" as
// the project's last action means delete it.
func applyAction(changes map[string]change, name, action string, serial int64) {
	if isRoleNoise(action) {
		return
	}
	n := normalize(name)
	c := changes[n]
	c.Serial = max(c.Serial, serial)
	c.Removed = action == "remove project"
	changes[n] = c
}

// isRoleNoise spots owner/maintainer/invitation rows, which change no page.
func isRoleNoise(action string) bool {
	a := strings.ToLower(action)
	for _, w := range []string{" owner", " maintainer", "role", "invite", "invitation"} {
		if strings.Contains(a, w) && !strings.Contains(a, " file ") {
			return true
		}
	}
	return false
}

// jsonSource diffs the PEP 691 JSON root's per-project _last-serial
// against the mirror's stored serials (bandersnatch 8's way), for indexes
// without XML-RPC.
type jsonSource struct {
	ix upstream.Index
}

func (s *jsonSource) Name() string { return "json" }

func (s *jsonSource) List(ctx context.Context) (map[string]int64, int64, error) {
	root, pg, err := index.FetchRoot(ctx, s.ix)
	if err != nil {
		return nil, 0, fmt.Errorf("upstream root index: %w", err)
	}
	serial := max(root.Meta.LastSerial, pg.Serial)
	all := make(map[string]int64, len(root.Projects))
	for _, p := range root.Projects {
		n := normalize(p.Name)
		all[n] = max(all[n], p.LastSerial)
		serial = max(serial, p.LastSerial)
	}
	return all, serial, nil
}

// Since lists the root and keeps the projects whose serial moved past the
// stored one (or that have no serial at all), plus the mirrored projects
// the root no longer lists.
func (s *jsonSource) Since(ctx context.Context, since int64, known map[string]int64) (map[string]change, int64, error) {
	all, serial, err := s.List(ctx)
	if err != nil {
		return nil, 0, err
	}
	changes := map[string]change{}
	for name, ser := range all {
		if old, ok := known[name]; !ok || ser < 0 || ser > old {
			changes[name] = change{Serial: ser}
		}
	}
	for name := range known {
		if _, ok := all[name]; !ok {
			changes[name] = change{Serial: -1, Removed: true}
		}
	}
	return changes, max(serial, since), nil
}

// detectSource returns the XML-RPC source when upstream answers it, else
// the JSON root one. Network failures are errors, not a reason to switch.
func detectSource(ctx context.Context, x *xmlrpcSource, j *jsonSource) (Source, error) {
	_, err := x.lastSerial(ctx)
	switch {
	case err == nil:
		return x, nil
	case errors.Is(err, errNoXMLRPC):
		return j, nil
	}
	return nil, err
}

func normalize(name string) string { return simple.Normalize(name) }

package upstream

import (
	"context"
	"io"
	"net/url"
)

// Index is one upstream package index: its Simple API pages, PyPI's JSON
// API and XML-RPC where it has them, and the files its pages link. A
// *Client is an Index.
type Index interface {
	// Name identifies the index in origin records, logs and headers.
	Name() string
	// IndexURL is the Simple API root.
	IndexURL() *url.URL
	FetchProjectPage(ctx context.Context, name string) (*Page, error)
	FetchRootPage(ctx context.Context) (*Page, error)
	FetchJSONAPI(ctx context.Context, name, version string) (*Page, error)
	// OpenFile opens a file a page of this index linked.
	OpenFile(ctx context.Context, rawURL string) (io.ReadCloser, int64, error)
	// Ping checks that the index answers.
	Ping(ctx context.Context) error
	// CallXMLRPC posts an XML-RPC request body to the index's XML-RPC
	// endpoint and returns the reply body; an index without one answers
	// with a KindNotFound Error.
	CallXMLRPC(ctx context.Context, body []byte) ([]byte, error)
}

// Router picks the index that serves a project and the one that lists
// the root. Every project is served from exactly one index.
type Router interface {
	// ForProject is the index of a (normalized) project name.
	ForProject(name string) Index
	// Root is the index whose root page lists the projects.
	Root() Index
	// Named is the index called name, nil when there is none.
	Named(name string) Index
	// Indexes lists every index, in order.
	Indexes() []Index
}

// Single routes everything to one index.
type Single struct{ Index Index }

// ForProject is the one index.
func (s Single) ForProject(string) Index { return s.Index }

// Root is the one index.
func (s Single) Root() Index { return s.Index }

// Named is the one index when name is its name (or "", from records
// written before indexes had names).
func (s Single) Named(name string) Index {
	if name == "" || name == s.Index.Name() {
		return s.Index
	}
	return nil
}

// Indexes lists the one index.
func (s Single) Indexes() []Index { return []Index{s.Index} }

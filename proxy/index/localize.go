package index

import (
	"errors"
	"log/slog"
	"net/url"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// errUnusableURL is a file link that is not an absolute http(s) URL.
var errUnusableURL = errors.New("not an absolute http(s) URL")

// fileKey is the one localizer: the store key of a file an upstream page
// links (rawURL, already resolved against the page), named filename, with
// its sha256 when the page gave one.
func fileKey(rawURL, filename, sha256 string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errUnusableURL
	}
	return cache.PackageKey(u, filename, sha256)
}

// localize points every file of proj at the proxy's own tree and returns
// the origins to remember, each saying which index listed it. A file whose
// URL or name cannot be stored safely is dropped from the page (and
// logged): pip must never see a link the proxy cannot serve. So is a file
// with no usable sha256, unless allowUnverified.
func localize(proj *simple.Project, indexName string, allowUnverified bool, log *slog.Logger) map[string]origin {
	origins := make(map[string]origin, len(proj.Files))
	kept := proj.Files[:0]
	for _, f := range proj.Files {
		key, err := fileKey(f.URL, f.Filename, f.Hashes["sha256"])
		if err == nil && !allowUnverified && !usableSHA256(f.Hashes["sha256"]) {
			err = ErrUnverifiable
		}
		if err != nil {
			log.Warn("dropping a file the proxy cannot serve", "project", proj.Name, "file", f.Filename, "url", upstream.Redact(f.URL), "err", err)
			continue
		}
		origins[key] = origin{
			Project: proj.Name, Index: indexName, URL: f.URL, Hashes: f.Hashes, Size: f.Size,
			Metadata: f.CoreMetadata.Available, MetadataHashes: f.CoreMetadata.Hashes, UploadTime: f.UploadTime,
		}
		f.URL = relativeFileURL(key)
		kept = append(kept, f)
	}
	proj.Files = kept
	return origins
}

// relativeFileURL is a file's link from /simple/<name>/, the same link
// bandersnatch writes, so the tree also works under a static server.
func relativeFileURL(key string) string {
	return (&url.URL{Path: "../.." + cache.PackageURLPath(key)}).EscapedPath()
}

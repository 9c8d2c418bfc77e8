// Package fidelity holds the fidelity suite: real Simple API pages collected
// from other projects' test data (testdata/SOURCES names repository, path and
// commit of each), run through the proxy's parse and render and read back by
// an independent reference reader and by pip's own parser.
package fidelity

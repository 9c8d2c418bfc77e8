// Package e2e holds end-to-end tests: the real pypi-proxy binary in front of
// the fake upstream, driven by real clients (Debian's pip, nginx).
package e2e

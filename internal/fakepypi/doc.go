// Package fakepypi is a hermetic fake of pypi.org (the index host) and files.pythonhosted.org
// (the files host) for tests and benchmarks: two HTTP servers on 127.0.0.1 that speak the simple
// API (PEP 503/691/658/700/714, content negotiation like PyPI), the JSON API
// (/pypi/<name>/json), the mirroring XML-RPC methods, and serve real, installable distributions.
//
// # Model
//
// Publish, AddFile, Yank, Unyank, RemoveFile, RemoveRelease and RemoveProject change the state
// and append PyPI-style journal rows; every row has its own serial, so a call that records several
// rows (a new project records "create", "add Owner alice", "new release" and one "add ... file"
// row per file) advances the serial by several. A project's last serial is the serial of its last
// row. Timestamps come from a deterministic clock (SerialTime), one minute per serial.
//
// Mimicked PyPI details: the JSON page's "versions" lists versions that have files (as warehouse
// computes it), "yanked" is false, true (no reason) or the reason, and both "core-metadata" and
// "data-dist-info-metadata" are sent; the JSON API redirects a name not spelled as the project's
// display name (/pypi/foo-bar/json -> /pypi/Foo_Bar/json); an unacceptable Accept falls back to
// text/html, only an unknown ?format= gives 406.
//
// # Distributions
//
// Generated wheels (py3-none-any) and sdists are deterministic: the same Release always yields the
// same bytes and hashes. The sdist carries an in-tree, stdlib-only PEP 517 backend
// (pyproject.toml: requires = [], build-backend = "fakebackend", backend-path = ["."]), so pip
// builds it with build isolation on, offline, with nothing to install.
//
// # Running real pip against it
//
// Use Debian's interpreter, /usr/bin/python3 (pip 23.0.1 from python3-pip), not the pyenv python on
// PATH, with the environment from PipEnv (no user config, no proxies). pip treats 127.0.0.1 as a
// secure origin, so no --trusted-host is needed:
//
//	/usr/bin/python3 -m pip download --no-cache-dir --index-url $INDEX --dest $DIR projecta
//	/usr/bin/python3 -m pip install --no-cache-dir --index-url $INDEX --target $DIR projecta
//
// Debian marks the system Python EXTERNALLY-MANAGED (PEP 668): a plain "pip install" fails with
// "externally-managed-environment". "--target DIR" is not checked and works (import with
// sys.path.insert(0, DIR)); "--break-system-packages" would touch the system and is best avoided;
// "/usr/bin/python3 -m venv DIR" works on this machine (python3-venv is installed) and gives a venv
// whose DIR/bin/pip is the same pip 23.0.1.
//
// pip 23.0 reads PEP 658 metadata only from HTML (data-dist-info-metadata); from JSON pages it looks
// for the key "dist-info-metadata", which PyPI does not send, so with JSON it downloads whole wheels.
// Options.HTMLOnly makes pip fetch the .metadata files.
//
// # Holding requests
//
// Tests wait for the event they need, never for time to pass. Hold and HoldBody return a Gate
// that keeps matching requests (HoldBody: after their headers and half their body) until Release;
// Arrived says a client is inside such a fetch. Fault.After lets the first requests through, so a
// client can be stopped after it has had some files. A FaultHold set without a gate holds until the
// client gives up, for timeouts.
//
// Go's http.Transport silently retries an idempotent request once when a reused keep-alive
// connection closes before any response; a one-shot FaultDown is therefore invisible to a client with
// an idle pooled connection. Use Times > 1 or a transport without keep-alives to observe it.
package fakepypi

package fakepypi

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// PipEnv returns an environment for running pip hermetically against the fake: the current
// environment without proxy and PIP_* variables, plus HOME=home, PIP_CONFIG_FILE=/dev/null,
// PIP_DISABLE_PIP_VERSION_CHECK=1, PIP_NO_INPUT=1 and NO_PROXY for loopback.
func PipEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch lk := strings.ToLower(k); {
		case lk == "http_proxy", lk == "https_proxy", lk == "all_proxy", lk == "no_proxy",
			strings.HasPrefix(k, "PIP_"), k == "HOME", k == "PYTHONPATH", k == "VIRTUAL_ENV":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"PIP_CONFIG_FILE=/dev/null",
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
		"NO_PROXY=127.0.0.1,localhost",
	)
}

// SystemPython is Debian's Python with Debian's pip 23 (python3-pip), the
// real client the tests drive; the pyenv python on PATH is not used.
const SystemPython = "/usr/bin/python3"

// PipCommand is `SystemPython -m pip args...` in the hermetic environment
// of PipEnv(home).
func PipCommand(home string, args ...string) *exec.Cmd {
	cmd := exec.Command(SystemPython, append([]string{"-m", "pip"}, args...)...)
	cmd.Env = PipEnv(home)
	return cmd
}

// Pip runs PipCommand with a fresh home and fails t with pip's output if it
// fails; it returns that output.
func Pip(t testing.TB, args ...string) string {
	t.Helper()
	out, err := PipCommand(t.TempDir(), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ListDir lists dir's entry names, sorted, failing t if it cannot.
func ListDir(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

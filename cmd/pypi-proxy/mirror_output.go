package main

import (
	"fmt"
	"log/slog"

	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

// exitError ends the program with its own exit code and message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// interrupted is mirror's answer to Ctrl-C: the pass recorded what is left
// in todo, and a rerun resumes there. 130 is the shell's 128+SIGINT.
func interrupted(left int) error {
	return &exitError{code: 130, msg: fmt.Sprintf("interrupted; rerun to resume (%d projects left)", left)}
}

// logMirrorSummary writes the pass's closing line in human units.
func logMirrorSummary(log *slog.Logger, st prefetch.Stats, err error) {
	attrs := []any{"source", st.Source, "full", st.Full, "serial", st.Serial, "upstream_serial", st.UpstreamSerial,
		"projects", st.Projects, "removed", st.Removed, "files", st.Files, "downloaded", humanBytes(st.Bytes),
		"files_removed", st.FilesRemoved, "failed", len(st.Failed), "took", humanDuration(st.Duration)}
	if st.Duration.Seconds() > 0 && st.Bytes > 0 {
		attrs = append(attrs, "rate", humanBytes(int64(float64(st.Bytes)/st.Duration.Seconds()))+"/s")
	}
	if err != nil {
		log.Warn("mirror pass did not complete", attrs...)
		return
	}
	log.Info("mirror done", attrs...)
}

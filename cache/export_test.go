package cache

import (
	"io"
	"time"
)

// SetWrapTemp lets external tests inject write failures into an FS.
func SetWrapTemp(s *FS, wrap func(io.Writer) io.Writer) { s.wrapTemp = wrap }

// SetS3Clock replaces the lease clock of an S3 store (before any lease).
func SetS3Clock(s *S3, now func() time.Time) { s.now = now }

// StopRenewing stops a lease's background renewals without releasing it,
// as a crashed holder would.
func StopRenewing(l *S3Lease) {
	l.stop()
	<-l.renewer
}

// ErrObjectChanged is what reading an S3 object replaced since Open fails with.
var ErrObjectChanged = errObjectChanged

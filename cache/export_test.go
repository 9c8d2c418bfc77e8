package cache

import "io"

// SetWrapTemp lets external tests inject write failures into an FS.
func SetWrapTemp(s *FS, wrap func(io.Writer) io.Writer) { s.wrapTemp = wrap }

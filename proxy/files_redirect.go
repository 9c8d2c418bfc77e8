package proxy

import (
	"errors"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// redirectStored answers a stored file with a 302 to a presigned URL of
// the store (Config.RedirectFiles, S3), so its bytes go from the bucket to
// the client without passing through this process. served is false when
// redirects are off or the file is not stored (a miss streams as usual).
func (s *Server) redirectStored(c echo.Context, key string) (bool, error) {
	if s.cfg.RedirectFiles <= 0 {
		return false, nil
	}
	p, ok := cache.PresignerOf(s.index.Store())
	if !ok {
		return false, nil
	}
	ctx := c.Request().Context()
	if _, err := s.index.Store().Stat(ctx, key); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	u, err := p.PresignGet(ctx, key, s.cfg.RedirectFiles)
	if err != nil {
		return false, err
	}
	setOutcome(c, index.Hit)
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store") // the URL expires; the file does not
	return true, c.Redirect(http.StatusFound, u.String())
}

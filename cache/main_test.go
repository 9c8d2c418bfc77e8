package cache_test

import (
	"os"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	miniotest.StopShared() // the S3 tests' MinIO
	os.Exit(code)
}

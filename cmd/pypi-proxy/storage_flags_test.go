package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
)

// TestStorageFlagsRefused: combinations that cannot work stop at start,
// before anything is contacted.
func TestStorageFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--storage", "/srv/pypi"}, "want s3://BUCKET/PREFIX"},
		{[]string{"serve", "--s3-endpoint", "http://127.0.0.1:9000"}, "need --storage"},
		{[]string{"serve", "--s3-redirect"}, "need --storage"},
		{[]string{"mirror", "--storage", "s3://b/p", "--s3-lease-ttl", "1s"}, "--s3-lease-ttl"},
		{[]string{"verify", "--storage", "s3://", "--cache-dir", dir}, "names no bucket"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		code := run(context.Background(), append(tt.args, "--cache-dir", dir), &bytes.Buffer{}, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want a usage error mentioning %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}

// TestStorageStartupNamesCulprit: serve, mirror and verify on a real MinIO
// stop at start, naming what is wrong: the credentials from the AWS
// environment, an endpoint nobody answers, or --max-cache-size (refused
// with S3).
func TestStorageStartupNamesCulprit(t *testing.T) {
	srv := miniotest.Shared(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	storage := "s3://" + srv.Bucket() + "/tree"
	tests := []struct {
		name, secret string
		args         []string
		want         []string
	}{
		{"wrong secret", "wrong", []string{"serve", "--s3-endpoint", srv.Endpoint},
			[]string{"rejected by " + srv.Endpoint, `access key "` + miniotest.AccessKey + `" (from the AWS environment`}},
		{"unreachable", miniotest.SecretKey, []string{"mirror", "--s3-endpoint", closed},
			[]string{"endpoint " + closed + " unreachable"}},
		{"verify wrong secret", "wrong", []string{"verify", "--repair", "--s3-endpoint", srv.Endpoint},
			[]string{"rejected by"}},
		{"budget", miniotest.SecretKey, []string{"serve", "--s3-endpoint", srv.Endpoint, "--max-cache-size", "1GiB"},
			[]string{"--max-cache-size does not work with --storage s3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_ACCESS_KEY_ID", miniotest.AccessKey)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tt.secret)
			t.Setenv("AWS_REGION", "us-east-1")
			var stderr bytes.Buffer
			args := append(tt.args, "--storage", storage, "--cache-dir", t.TempDir(), "--upstream", "http://127.0.0.1:1/simple/")
			if tt.args[0] == "serve" {
				args = append(args, "--listen", "127.0.0.1:0")
			}
			code := run(context.Background(), args, &bytes.Buffer{}, &stderr)
			if code == 0 {
				t.Fatal("started")
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not say %q", stderr.String(), w)
				}
			}
		})
	}
}

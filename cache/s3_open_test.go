package cache_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
)

// closedEndpoint is the URL of a loopback port nothing listens on.
func closedEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	return "http://" + l.Addr().String()
}

// TestS3OpenErrors: OpenS3 fails with the culprit named, and the S3 error
// code still reachable with errors.As.
func TestS3OpenErrors(t *testing.T) {
	srv := miniotest.Shared(t)
	closed := closedEndpoint(t)
	tests := []struct {
		name string
		edit func(*cache.S3Config)
		want []string // in the message
		code string   // the S3 error code, "" for none
	}{
		{"wrong secret", func(c *cache.S3Config) { c.SecretAccessKey = "not-the-secret" },
			[]string{"rejected by " + srv.Endpoint, `access key "` + miniotest.AccessKey + `"`}, "SignatureDoesNotMatch"},
		{"unknown access key", func(c *cache.S3Config) { c.AccessKeyID = "nobody" },
			[]string{"rejected by", `access key "nobody"`}, "InvalidAccessKeyId"},
		{"unreachable endpoint", func(c *cache.S3Config) { c.Endpoint, c.MaxRetries = closed, 1 },
			[]string{"endpoint " + closed + " unreachable", "connection refused"}, ""},
		{"missing bucket", func(c *cache.S3Config) { c.CreateBucket = false },
			[]string{"does not exist at " + srv.Endpoint}, minio.NoSuchBucket},
		{"bucket creation denied", func(c *cache.S3Config) {
			r := srv.Restricted(t, miniotest.ObjectsOnlyPolicy)
			c.AccessKeyID, c.SecretAccessKey, c.SessionToken = r.AccessKey, r.SecretKey, r.SessionToken
		}, []string{"does not exist at " + srv.Endpoint, "creating it was denied to access key", "s3:CreateBucket"}, "AccessDenied"},
		{"endpoint not a URL", func(c *cache.S3Config) { c.Endpoint = "ftp://host/path" },
			[]string{"want http(s)://host[:port]"}, ""},
		{"part size", func(c *cache.S3Config) { c.PartSize = 1 << 20 }, []string{"part size"}, ""},
		{"bucket name", func(c *cache.S3Config) { c.Bucket = "b" }, []string{`bucket name "b"`}, ""},
		{"prefix", func(c *cache.S3Config) { c.Prefix = "a/../b" }, []string{"prefix", "dot segment"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := s3Config(srv, srv.Bucket())
			tt.edit(&cfg)
			_, err := cache.OpenS3(context.Background(), cfg)
			if err == nil {
				t.Fatal("OpenS3 succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			var r minio.ErrorResponse
			if errors.As(err, &r) != (tt.code != "") || r.Code != tt.code {
				t.Errorf("S3 error code %q, want %q", r.Code, tt.code)
			}
		})
	}
}

// TestS3CreatesBucket: a missing bucket is created, with a log line, and
// the next open finds it.
func TestS3CreatesBucket(t *testing.T) {
	srv := miniotest.Shared(t)
	var logs bytes.Buffer
	cfg := s3Config(srv, srv.Bucket())
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s := openS3(t, cfg)
	if !strings.Contains(logs.String(), "created the missing bucket") || !strings.Contains(logs.String(), cfg.Bucket) {
		t.Errorf("no log line for the new bucket: %q", logs.String())
	}
	storetest.Put(t, s, "k", []byte("v"))
	logs.Reset()
	cfg.CreateBucket = false
	again := openS3(t, cfg)
	if got := storetest.Get(t, again, "k"); string(got) != "v" {
		t.Errorf("second open reads %q", got)
	}
	if logs.Len() != 0 {
		t.Errorf("second open logged %q", logs.String())
	}
}

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		in, bucket, prefix string
		bad                bool
	}{
		{in: "s3://b", bucket: "b"},
		{in: "s3://b/", bucket: "b"},
		{in: "s3://b/pypi", bucket: "b", prefix: "pypi"},
		{in: "s3://b/a/b/", bucket: "b", prefix: "a/b"},
		{in: "s3:///x", bad: true},
		{in: "/srv/cache", bad: true},
		{in: "s3://b/a/../c", bad: true},
	}
	for _, tt := range tests {
		b, p, err := cache.ParseS3URL(tt.in)
		if (err != nil) != tt.bad || b != tt.bucket || p != tt.prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v", tt.in, b, p, err)
		}
	}
}

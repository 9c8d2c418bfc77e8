package cache

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3Config configures OpenS3. Zero values are the documented defaults.
type S3Config struct {
	// Bucket is the bucket name (required).
	Bucket string
	// Prefix is where the tree starts inside the bucket, e.g. "pypi"
	// (slashes around it are trimmed); "" is the bucket's root.
	Prefix string
	// Endpoint is the service's URL; its scheme picks TLS ("https://...")
	// or plain HTTP ("http://127.0.0.1:9000" for a local MinIO). A bare
	// host[:port] means https. Default https://s3.amazonaws.com.
	Endpoint string
	// Region is the bucket's region. Default: AWS_REGION, else
	// AWS_DEFAULT_REGION, else asked from the service.
	Region string
	// AccessKeyID, SecretAccessKey and SessionToken are static
	// credentials. When AccessKeyID is empty the usual AWS chain is used:
	// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN),
	// then the shared credentials file (~/.aws/credentials, AWS_PROFILE),
	// then the instance's IAM role.
	AccessKeyID, SecretAccessKey, SessionToken string
	// CreateBucket creates a missing bucket (with a log line); otherwise a
	// missing bucket fails OpenS3.
	CreateBucket bool
	// PartSize is the multipart part size and the largest object written
	// with a single PUT. Default 16 MiB; at least 5 MiB (S3's minimum).
	PartSize int64
	// CleanUploadsAfter: OpenS3 aborts the incomplete multipart uploads
	// under Prefix started longer ago than this (writers of a crashed
	// process). Default 24h; negative skips it.
	CleanUploadsAfter time.Duration
	// CheckTimeout bounds OpenS3's requests. Default 30s.
	CheckTimeout time.Duration
	// MaxRetries is the client's attempts per request. Default 10.
	MaxRetries int
	// LocalCopies, when set, keeps a copy of every content-addressed package
	// file read (PackageDigest) and serves hits from it after asking the bucket
	// that the object is still there (see s3_copies.go). A budgeted local
	// directory (WithBudget over an FS) bounds it.
	LocalCopies Store
	// Transport carries the requests; default http.DefaultTransport's settings.
	Transport http.RoundTripper
	// Logger receives the bucket creation and cleanup lines; default slog.Default().
	Logger *slog.Logger
}

// Default and minimum part sizes.
const (
	DefaultS3PartSize = 16 << 20
	MinS3PartSize     = 5 << 20
)

// withDefaults fills in the documented defaults.
func (c S3Config) withDefaults() S3Config {
	if c.Endpoint == "" {
		c.Endpoint = "https://s3.amazonaws.com"
	}
	if c.Region == "" {
		c.Region = os.Getenv("AWS_REGION")
	}
	if c.Region == "" {
		c.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultS3PartSize
	}
	if c.CleanUploadsAfter == 0 {
		c.CleanUploadsAfter = 24 * time.Hour
	}
	if c.CheckTimeout == 0 {
		c.CheckTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// endpoint splits an endpoint URL into host[:port] and whether to use TLS.
func endpoint(raw string) (host string, secure bool, err error) {
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false, fmt.Errorf("cache: s3 endpoint %q: want http(s)://host[:port]", raw)
	}
	return u.Host, u.Scheme == "https", nil
}

// creds returns the static credentials or the AWS chain.
func (c S3Config) creds() *credentials.Credentials {
	if c.AccessKeyID != "" {
		return credentials.NewStaticV4(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}, &credentials.IAM{},
	})
}

// OpenS3 connects to the bucket and checks it with real requests, so a
// wrong endpoint, wrong credentials or a missing bucket fail here, named,
// rather than on the first request served. It creates a missing bucket
// when cfg.CreateBucket is set and aborts abandoned uploads (see
// S3Config.CleanUploadsAfter; a failure there is only logged).
func OpenS3(ctx context.Context, cfg S3Config) (*S3, error) {
	cfg = cfg.withDefaults()
	if err := s3utils.CheckValidBucketName(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("cache: s3: bucket name %q: %w", cfg.Bucket, err)
	}
	if p := strings.Trim(cfg.Prefix, "/"); p != "" && ValidKey(p) != nil {
		return nil, fmt.Errorf("cache: s3: prefix: %w", ValidKey(p))
	}
	if cfg.PartSize < MinS3PartSize {
		return nil, fmt.Errorf("cache: s3: part size %d below S3's minimum %d", cfg.PartSize, MinS3PartSize)
	}
	host, secure, err := endpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(host, &minio.Options{
		Creds: cfg.creds(), Secure: secure, Region: cfg.Region,
		Transport: cfg.Transport, MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("cache: s3 endpoint %s: %w", cfg.Endpoint, err)
	}
	s := &S3{
		client: client, core: minio.Core{Client: client}, cfg: cfg, bucket: cfg.Bucket,
		prefix: normPrefix(cfg.Prefix), log: cfg.Logger.With("component", "cache.s3"), now: time.Now,
		local: cfg.LocalCopies,
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.CheckTimeout)
	defer cancel()
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseS3URL splits a storage location "s3://BUCKET/PREFIX" into bucket and
// prefix (which may be "").
func ParseS3URL(raw string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(raw, "s3://")
	if !ok {
		return "", "", fmt.Errorf("cache: %q is not an s3://BUCKET/PREFIX location", raw)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("cache: %q names no bucket", raw)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" && ValidKey(prefix) != nil {
		return "", "", fmt.Errorf("cache: %q: bad prefix: %w", raw, ValidKey(prefix))
	}
	return bucket, prefix, nil
}

// normPrefix makes "a/b/" of "/a/b", "" of "" or "/".
func normPrefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// open checks the bucket, creates it if missing and allowed, and cleans
// abandoned uploads.
func (s *S3) open(ctx context.Context) error {
	err := s.Check(ctx)
	if errCode(err) == minio.NoSuchBucket && s.cfg.CreateBucket {
		err = s.makeBucket(ctx)
	}
	if err != nil {
		return err
	}
	if s.cfg.CleanUploadsAfter < 0 {
		return nil
	}
	// A failed cleanup (say the credentials may not list uploads) leaves
	// only garbage behind: it does not stop the store.
	n, err := s.CleanUploads(ctx, s.cfg.CleanUploadsAfter)
	if err != nil {
		s.log.Warn("cleaning abandoned uploads", "bucket", s.bucket, "err", err)
	}
	if n > 0 {
		s.log.Info("aborted abandoned uploads", "bucket", s.bucket, "prefix", s.prefix, "count", n)
	}
	return nil
}

// makeBucket creates the missing bucket; a denial says so, naming the
// bucket and the credentials, rather than looking like any access error.
func (s *S3) makeBucket(ctx context.Context) error {
	err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.cfg.Region})
	if errCode(err) == "BucketAlreadyOwnedByYou" {
		return nil // another replica made it meanwhile
	}
	if errCode(err) == "AccessDenied" {
		return fmt.Errorf("cache: s3: bucket %q does not exist at %s, and creating it was denied to %s "+
			"(create the bucket, or allow s3:CreateBucket): %w", s.bucket, s.cfg.Endpoint, s.whoAmI(), err)
	}
	if err != nil {
		return s.culprit(fmt.Errorf("creating bucket %q: %w", s.bucket, err))
	}
	s.log.Info("created the missing bucket", "bucket", s.bucket, "endpoint", s.cfg.Endpoint)
	return nil
}

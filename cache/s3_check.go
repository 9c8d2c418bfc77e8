package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Check makes one real request (a listing of at most one key under the
// prefix) and names the culprit when it fails: the endpoint (unreachable),
// the credentials (rejected, or none found), or the bucket (missing, or
// access denied). Such an error wraps the S3 error.
func (s *S3) Check(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing after its first answer
	opts := minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1}
	for oi := range s.client.ListObjects(ctx, s.bucket, opts) {
		if oi.Err != nil {
			return s.culprit(oi.Err)
		}
		break
	}
	return nil
}

// Error codes meaning the service did not accept the credentials.
var credentialCodes = map[string]bool{
	"InvalidAccessKeyId":           true,
	"SignatureDoesNotMatch":        true,
	"InvalidToken":                 true,
	"ExpiredToken":                 true,
	"InvalidClientTokenId":         true,
	"AuthorizationHeaderMalformed": true,
}

// culprit wraps an error from the bucket with what it most likely means.
func (s *S3) culprit(err error) error {
	code := errCode(err)
	switch {
	case code == minio.NoSuchBucket:
		return fmt.Errorf("cache: s3: bucket %q does not exist at %s (create it, or allow pypi-proxy to): %w",
			s.bucket, s.cfg.Endpoint, err)
	case credentialCodes[code]:
		return fmt.Errorf("cache: s3: %s rejected by %s (%s): %w", s.whoAmI(), s.cfg.Endpoint, code, err)
	case code == "AccessDenied":
		return fmt.Errorf("cache: s3: access to bucket %q denied to %s at %s: %w",
			s.bucket, s.whoAmI(), s.cfg.Endpoint, err)
	case code == "" && unreachable(err):
		return fmt.Errorf("cache: s3: endpoint %s unreachable: %w", s.cfg.Endpoint, err)
	case code == "":
		return fmt.Errorf("cache: s3: bucket %q at %s: %w", s.bucket, s.cfg.Endpoint, err)
	}
	return fmt.Errorf("cache: s3: bucket %q at %s: %s: %w", s.bucket, s.cfg.Endpoint, code, err)
}

// unreachable reports a failure to get any answer: a transport error or
// a timeout.
func unreachable(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}

// whoAmI names the credentials in use: the access key ID and where it came
// from, or that none were found.
func (s *S3) whoAmI() string {
	v, err := s.client.GetCreds()
	switch {
	case err != nil:
		return fmt.Sprintf("the credentials (%v)", err)
	case v.SignerType == credentials.SignatureAnonymous || v.AccessKeyID == "":
		return "anonymous access (no credentials found in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " +
			"the shared credentials file or an IAM role)"
	case s.cfg.AccessKeyID != "":
		return fmt.Sprintf("access key %q (configured)", v.AccessKeyID)
	}
	return fmt.Sprintf("access key %q (from the AWS environment, credentials file or IAM role)", v.AccessKeyID)
}

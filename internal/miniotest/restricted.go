package miniotest

import (
	"testing"

	"github.com/minio/minio-go/v7/pkg/credentials"
)

// ObjectsOnlyPolicy is an IAM policy that lets its holder read, write,
// list and delete objects (and abort the multipart uploads under them) in
// every bucket, and do nothing else: in particular not s3:CreateBucket.
const ObjectsOnlyPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"],
    "Resource": ["arn:aws:s3:::*"]
  }]
}`

// Creds are credentials as the AWS environment carries them
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
type Creds struct {
	AccessKey, SecretKey, SessionToken string
}

// Env returns the AWS environment variables that carry c, with the
// region the test servers use.
func (c Creds) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + c.AccessKey, "AWS_SECRET_ACCESS_KEY=" + c.SecretKey,
		"AWS_SESSION_TOKEN=" + c.SessionToken, "AWS_REGION=us-east-1"}
}

// Restricted returns credentials that may do only what policy (an IAM
// policy document) allows, valid for an hour: temporary credentials of
// the root user narrowed by policy as an inline session policy, through
// STS AssumeRole, which MinIO evaluates like a user's own policy. (The
// other way, a user made through MinIO's admin API, needs its Go client
// madmin-go, which is AGPL like the server and so is not imported here.)
func (s *Server) Restricted(t testing.TB, policy string) Creds {
	t.Helper()
	sts, err := credentials.NewSTSAssumeRole(s.Endpoint, credentials.STSAssumeRoleOptions{
		AccessKey: AccessKey, SecretKey: SecretKey, Policy: policy,
		Location: "us-east-1", DurationSeconds: 3600,
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sts.Get()
	if err != nil {
		t.Fatalf("STS AssumeRole at %s: %v", s.Endpoint, err)
	}
	return Creds{AccessKey: v.AccessKeyID, SecretKey: v.SecretAccessKey, SessionToken: v.SessionToken}
}

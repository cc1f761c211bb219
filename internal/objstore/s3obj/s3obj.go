// Package s3obj reads inputs kept in S3 for objstore's callers (cost
// ingest, Terraform states, CloudTrail logs): list a prefix, open or read
// an object, gzip inflated and bounded as local files are, and tell S3's
// own failures (IOError, exit 4) from the user's (denied, no such key).
// It knows nothing of what the bytes mean.
package s3obj

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/steward-sre/steward/internal/objstore"
)

// S3API is the part of the S3 client s3obj uses, so tests can fake it.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Fault marks an S3 call's error as an IOError unless S3 answered that
// the request is wrong (a 4xx: denied, no such bucket or key), which is
// the user's to fix. Cancellation stays as it is.
func Fault(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return &objstore.IOError{Err: err} // no answer: the network
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return &objstore.IOError{Err: err}
	}
	return err
}

// List lists every key under a prefix, page by page; errors do not name
// the prefix, which the caller knows. A listing that
// says it is truncated but gives no new continuation token is an error:
// stopping early would read part of the input as all of it.
func List(ctx context.Context, c S3API, bucket, prefix string) ([]string, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	var keys []string
	for {
		page, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list objects: %w", Fault(err))
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		if !aws.ToBool(page.IsTruncated) {
			return keys, nil
		}
		tok := aws.ToString(page.NextContinuationToken)
		if tok == "" || tok == aws.ToString(in.ContinuationToken) {
			return nil, fmt.Errorf("list objects: listing is truncated but gives no new continuation token after %d keys", len(keys))
		}
		in.ContinuationToken = aws.String(tok)
	}
}

// Open opens an object for reading; errors do not name the object.
// Errors of the body part way are IOErrors.
func Open(ctx context.Context, c S3API, bucket, key string) (io.ReadCloser, error) {
	res, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get object: %w", Fault(err))
	}
	return objstore.IOReader(res.Body), nil
}

// Read reads a whole object, inflating it when it is gzip, refusing more
// than max bytes (DefaultMaxBytes when max <= 0) either way.
func Read(ctx context.Context, c S3API, bucket, key string, max int64) ([]byte, error) {
	name := "s3://" + bucket + "/" + key
	rc, err := Open(ctx, c, bucket, key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	data, err := objstore.ReadAll(ctx, rc, name, max)
	if err != nil {
		var tl *objstore.TooLargeError
		if errors.As(err, &tl) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return objstore.MaybeGunzip(data, name, max)
}

package s3obj

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/objstore"
)

type fakeS3 struct {
	pages   [][]string // keys of each listing page
	noToken bool       // truncated pages give no continuation token
	objects map[string][]byte
	listErr error
}

func (f *fakeS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	i := 0
	if in.ContinuationToken != nil {
		i, _ = strconv.Atoi(*in.ContinuationToken)
	}
	out := &s3.ListObjectsV2Output{}
	for _, k := range f.pages[i] {
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k)})
	}
	if i+1 < len(f.pages) {
		out.IsTruncated = aws.Bool(true)
		if !f.noToken {
			out.NextContinuationToken = aws.String(strconv.Itoa(i + 1))
		}
	}
	return out, nil
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b, ok := f.objects[*in.Key]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchKey", Message: *in.Key}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b))}, nil
}

func gzipOf(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestList(t *testing.T) {
	tests := map[string]struct {
		s3      *fakeS3
		want    []string
		wantErr string
		ioErr   bool
	}{
		"pages":                 {s3: &fakeS3{pages: [][]string{{"a", "b"}, {"c"}}}, want: []string{"a", "b", "c"}},
		"truncated no token":    {s3: &fakeS3{pages: [][]string{{"a", "b"}, {"c"}}, noToken: true}, wantErr: "list objects: listing is truncated but gives no new continuation token after 2 keys"},
		"denied is the user's":  {s3: &fakeS3{listErr: &smithy.GenericAPIError{Code: "AccessDenied"}}, wantErr: "list objects: api error AccessDenied: "},
		"network is an IOError": {s3: &fakeS3{listErr: errors.New("dial tcp: no route")}, wantErr: "list objects: dial tcp: no route", ioErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := List(context.Background(), tc.s3, "b", "p/")
			if tc.wantErr != "" {
				var ie *objstore.IOError
				if err == nil || err.Error() != tc.wantErr || errors.As(err, &ie) != tc.ioErr {
					t.Fatalf("err = %v (IOError %v), want %q (IOError %v)", err, errors.As(err, &ie), tc.wantErr, tc.ioErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRead(t *testing.T) {
	c := &fakeS3{objects: map[string][]byte{"k.gz": gzipOf(t, "from s3"), "k": []byte("raw"), "big.gz": gzipOf(t, strings.Repeat("z", 10000))}}
	ctx := context.Background()
	tests := map[string]struct {
		key, want, wantErr string
		max                int64
	}{
		"gzip":      {key: "k.gz", want: "from s3"},
		"plain":     {key: "k", want: "raw"},
		"missing":   {key: "nope", wantErr: "s3://b/nope: get object: api error NoSuchKey: nope"},
		"too large": {key: "big.gz", max: 200, wantErr: "(decompressed): larger than"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Read(ctx, c, "b", tc.key, tc.max)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	_ = io.EOF
}

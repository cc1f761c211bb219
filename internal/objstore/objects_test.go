package objstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"states/**/*.tfstate", "states/a.tfstate", true},
		{"states/**/*.tfstate", "states/x/y/a.tfstate", true},
		{"states/**/*.tfstate", "other/a.tfstate", false},
		{"states/*.tfstate", "states/x/a.tfstate", false},
		{"./s/*.tfstate", "s/a.tfstate", true},
		{"**", "a/b", true},
	}
	for _, tc := range tests {
		if got := MatchGlob(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

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
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestListS3(t *testing.T) {
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
			got, err := ListS3(context.Background(), tc.s3, "b", "p/")
			if tc.wantErr != "" {
				var ie *IOError
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

func TestReadGzipTransparent(t *testing.T) {
	dir := t.TempDir()
	plain, zipped := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json.gz")
	os.WriteFile(plain, []byte("plain"), 0o644)
	os.WriteFile(zipped, gzipOf(t, "zipped"), 0o644)
	bomb := filepath.Join(dir, "c.json.gz")
	os.WriteFile(bomb, gzipOf(t, strings.Repeat("z", 10000)), 0o644)
	c := &fakeS3{objects: map[string][]byte{"k.gz": gzipOf(t, "from s3"), "k": []byte("raw")}}
	ctx := context.Background()
	tests := map[string]struct {
		read    func() ([]byte, error)
		want    string
		wantErr string
	}{
		"local plain":  {read: func() ([]byte, error) { return ReadLocal(ctx, plain, 0) }, want: "plain"},
		"local gzip":   {read: func() ([]byte, error) { return ReadLocal(ctx, zipped, 0) }, want: "zipped"},
		"s3 gzip":      {read: func() ([]byte, error) { return ReadS3(ctx, c, "b", "k.gz", 0) }, want: "from s3"},
		"s3 plain":     {read: func() ([]byte, error) { return ReadS3(ctx, c, "b", "k", 0) }, want: "raw"},
		"s3 missing":   {read: func() ([]byte, error) { return ReadS3(ctx, c, "b", "nope", 0) }, wantErr: "s3://b/nope: get object: api error NoSuchKey: nope"},
		"gzip too big": {read: func() ([]byte, error) { return ReadLocal(ctx, bomb, 200) }, wantErr: "(decompressed): larger than"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tc.read()
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
	br, gzipped, err := Decompress(bytes.NewReader(gzipOf(t, "stream")), "s")
	if err != nil || !gzipped {
		t.Fatalf("Decompress: gzipped %v, %v", gzipped, err)
	}
	if b, _ := io.ReadAll(br); string(b) != "stream" {
		t.Errorf("Decompress read %q", b)
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a/x.csv", "a/b/y.csv.gz", "a/b/z.txt"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	rel := func(ps []string) []string {
		for i, p := range ps {
			ps[i], _ = filepath.Rel(dir, p)
			ps[i] = filepath.ToSlash(ps[i])
		}
		return ps
	}
	tests := map[string]struct {
		spec, dirPattern string
		want             []string
		wantErr          string
	}{
		"file":     {spec: "a/x.csv", want: []string{"a/x.csv"}},
		"folder":   {spec: "a", dirPattern: "*.csv*", want: []string{"a/b/y.csv.gz", "a/x.csv"}},
		"glob":     {spec: "a/**/*.gz", want: []string{"a/b/y.csv.gz"}},
		"no match": {spec: "a/**/*.parquet", wantErr: "no files match"},
		"no such":  {spec: "nope", wantErr: "no such file"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Expand(filepath.Join(dir, tc.spec), tc.dirPattern)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rel(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzMatchGlob holds MatchGlob to a plain recursive reading of the rule
// on short inputs, and to finishing at once on long ones.
func FuzzMatchGlob(f *testing.F) {
	f.Add("states/**/*.tfstate", "states/x/y/a.tfstate")
	f.Add("**/**/**/**/**/**/**/**/**/**/x", strings.Repeat("a/", 40)+"b")
	f.Add("a/[", "a/b")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := MatchGlob(pattern, name)
		if strings.Count(pattern, "/")+strings.Count(name, "/") > 24 {
			return // the reference below is exponential
		}
		if want := slowMatch(strings.Split(strings.TrimPrefix(pattern, "./"), "/"), strings.Split(strings.TrimPrefix(name, "./"), "/")); got != want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", pattern, name, got, want)
		}
	})
}

func slowMatch(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if slowMatch(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

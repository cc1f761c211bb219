package cost

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/steward-sre/steward/internal/cost/bill"
)

// fakeS3 serves objects of one bucket the way S3 does: listings in pages
// of pageSize keys in key order, continued by an opaque token.
type fakeS3 struct {
	bucket   string
	objects  map[string][]byte
	pageSize int
	// getErr fails GetObject for a key; cutAt makes a key's body fail
	// after that many bytes; listErr fails every listing.
	getErr  map[string]error
	cutAt   map[string]int
	listErr error
	// dropToken leaves NextContinuationToken out of truncated listings.
	dropToken bool

	mu     sync.Mutex
	tokens []string // continuation token of each listing ("" for the first)
	gets   []string
}

var errBodyCut = errors.New("connection reset by peer")

func (f *fakeS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	f.mu.Lock()
	f.tokens = append(f.tokens, aws.ToString(in.ContinuationToken))
	f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	if aws.ToString(in.Bucket) != f.bucket {
		return nil, &smithy.GenericAPIError{Code: "NoSuchBucket", Message: aws.ToString(in.Bucket)}
	}
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	start := 0
	if tok := aws.ToString(in.ContinuationToken); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if err != nil {
			return nil, fmt.Errorf("InvalidArgument: continuation token %q", tok)
		}
		start = n
	}
	end := min(start+f.pageSize, len(keys))
	out := &s3.ListObjectsV2Output{KeyCount: aws.Int32(int32(end - start)), IsTruncated: aws.Bool(end < len(keys))}
	for _, k := range keys[start:end] {
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k), Size: aws.Int64(int64(len(f.objects[k])))})
	}
	if end < len(keys) && !f.dropToken {
		out.NextContinuationToken = aws.String("page-" + strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeS3) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	key := aws.ToString(in.Key)
	f.mu.Lock()
	f.gets = append(f.gets, key)
	f.mu.Unlock()
	if err := f.getErr[key]; err != nil {
		return nil, err
	}
	body, ok := f.objects[key]
	if aws.ToString(in.Bucket) != f.bucket || !ok {
		return nil, fmt.Errorf("NoSuchKey: %s", key)
	}
	var r io.Reader = bytes.NewReader(body)
	if n, ok := f.cutAt[key]; ok && n < len(body) {
		r = io.MultiReader(bytes.NewReader(body[:n]), errReader{errBodyCut})
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(r), ContentLength: aws.Int64(int64(len(body)))}, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTestdata(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// billObjects is an export prefix as S3 holds it: CSV, gzipped CSV and
// Parquet bills next to files that are not bills (manifests, markers).
func billObjects(t testing.TB) map[string][]byte {
	t.Helper()
	var pq, big bytes.Buffer
	if err := bill.WriteSyntheticFOCUSParquet(&pq, 3_000); err != nil {
		t.Fatal(err)
	}
	if err := bill.WriteSyntheticCUR(&big, 2_000); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"exports/cur/2024-09/cur-legacy.csv":          readTestdata(t, "bill/testdata/bills/cur-legacy.csv"),
		"exports/cur/2024-09/cur-Manifest.json":       []byte(`{"reportKeys":[]}`),
		"exports/cur/2024-10/cur2-00001.csv.gz":       gzipped(t, readTestdata(t, "bill/testdata/bills/cur2.csv")),
		"exports/cur/2025-01/synthetic-00001.csv":     big.Bytes(),
		"exports/focus/2025-01/part-00000.parquet":    pq.Bytes(),
		"exports/focus/2025-01/part-00001.parquet.gz": gzipped(t, pq.Bytes()),
		"exports/focus/_SUCCESS":                      nil,
		"other/ignored.csv":                           readTestdata(t, "bill/testdata/bills/not-a-bill.csv"),
		"big.csv.gz":                                  gzipped(t, big.Bytes()),
	}
}

// TestIngestS3 reads a prefix through several listing pages and checks
// that what is stored is exactly what the same files give from disk.
func TestIngestS3(t *testing.T) {
	objects := billObjects(t)
	dir := t.TempDir()
	for k, b := range objects {
		if !strings.HasPrefix(k, "exports/") {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	local := NewMemStore()
	wantRes, err := Ingest(context.Background(), local, IngestOptions{Paths: []string{filepath.Join(dir, "exports")}, Now: testNow, AcceptSkipped: true})
	if err != nil {
		t.Fatal(err)
	}
	want := summarize(t, local, wantRes)
	for i, b := range want.BadRows {
		want.BadRows[i] = strings.Replace(b, dir, "s3://bills", 1)
	}

	for _, pageSize := range []int{1, 2, 3, 1000} {
		t.Run("page size "+strconv.Itoa(pageSize), func(t *testing.T) {
			fake := &fakeS3{bucket: "bills", objects: objects, pageSize: pageSize}
			st := NewMemStore()
			res, err := Ingest(context.Background(), st, IngestOptions{Paths: []string{"s3://bills/exports/"}, Now: testNow, S3: fake, AcceptSkipped: true})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, summarize(t, st, res)); d != "" {
				t.Errorf("S3 ingest differs from the same files on disk (-disk +s3):\n%s", d)
			}
			var files []string
			for _, f := range res.Stats.Files {
				files = append(files, fmt.Sprintf("%s %s %d %s", f.Name, f.Format, f.Lines, f.Billed))
			}
			wantFiles := []string{
				"s3://bills/exports/cur/2024-09/cur-legacy.csv CUR (legacy) 7 1.5272",
				"s3://bills/exports/cur/2024-10/cur2-00001.csv.gz CUR 2.0 3 -4.896",
				"s3://bills/exports/cur/2025-01/synthetic-00001.csv CUR (legacy) 2000 " + bill.SynthTotal(2_000).String(),
				"s3://bills/exports/focus/2025-01/part-00000.parquet FOCUS 1.2 3000 " + bill.SynthTotal(3_000).String(),
				"s3://bills/exports/focus/2025-01/part-00001.parquet.gz FOCUS 1.2 3000 " + bill.SynthTotal(3_000).String(),
			}
			if d := cmp.Diff(wantFiles, files); d != "" {
				t.Errorf("files read (-want +got):\n%s", d)
			}
			// 7 objects under the prefix: one listing per page.
			var wantTokens []string
			for start := 0; start < 7; start += pageSize {
				tok := ""
				if start > 0 {
					tok = "page-" + strconv.Itoa(start)
				}
				wantTokens = append(wantTokens, tok)
			}
			if d := cmp.Diff(wantTokens, fake.tokens); d != "" {
				t.Errorf("continuation tokens sent (-want +got):\n%s", d)
			}
			if len(fake.gets) != len(wantFiles) {
				t.Errorf("fetched %v, want only the %d bill files", fake.gets, len(wantFiles))
			}
		})
	}
}

func TestIngestS3Errors(t *testing.T) {
	objects := billObjects(t)
	denied := &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform s3:ListBucket"}
	unreachable := errors.New("dial tcp: lookup s3.amazonaws.com: no such host")
	tests := map[string]struct {
		path string
		fake *fakeS3
		want string
		is   error
		// io: the failure is the network's (exit 4), not the input's.
		io bool
	}{
		"S3 unreachable": {
			path: "s3://bills/exports/",
			fake: &fakeS3{listErr: unreachable},
			want: "s3://bills/exports/: list objects: " + unreachable.Error(),
			is:   unreachable,
			io:   true,
		},
		"no bill files under the prefix": {
			path: "s3://bills/exports/focus/_",
			want: "s3://bills/exports/focus/_: no .csv, .csv.gz or .parquet objects under that prefix",
		},
		"empty prefix": {
			path: "s3://bills/nothing-here/",
			want: "s3://bills/nothing-here/: no .csv, .csv.gz or .parquet objects under that prefix",
		},
		"listing denied": {
			path: "s3://bills/exports/",
			fake: &fakeS3{listErr: denied},
			want: "s3://bills/exports/: list objects: " + denied.Error(),
			is:   denied,
		},
		"truncated listing without a token": {
			path: "s3://bills/exports/",
			fake: &fakeS3{dropToken: true},
			want: "s3://bills/exports/: list objects: listing is truncated but gives no new continuation token after 2 keys",
		},
		"object cannot be fetched": {
			path: "s3://bills/exports/cur/",
			fake: &fakeS3{getErr: map[string]error{"exports/cur/2024-10/cur2-00001.csv.gz": denied}},
			want: "ingest: s3://bills/exports/cur/2024-10/cur2-00001.csv.gz: get object: " + denied.Error(),
			is:   denied,
		},
		"CSV body cut in the header": {
			path: "s3://bills/exports/cur/2024-09/",
			fake: &fakeS3{cutAt: map[string]int{"exports/cur/2024-09/cur-legacy.csv": 10}},
			want: "ingest: s3://bills/exports/cur/2024-09/cur-legacy.csv: read header: " + errBodyCut.Error(),
			is:   errBodyCut,
			io:   true,
		},
		"CSV body cut after some lines": {
			path: "s3://bills/exports/cur/2025-01/",
			fake: &fakeS3{cutAt: map[string]int{"exports/cur/2025-01/synthetic-00001.csv": 100_000}},
			want: "ingest: s3://bills/exports/cur/2025-01/synthetic-00001.csv: " + errBodyCut.Error(),
			is:   errBodyCut,
			io:   true,
		},
		"gzip body cut in the header": {
			path: "s3://bills/exports/cur/2024-10/",
			fake: &fakeS3{cutAt: map[string]int{"exports/cur/2024-10/cur2-00001.csv.gz": 40}},
			want: "ingest: s3://bills/exports/cur/2024-10/cur2-00001.csv.gz: read header: " + errBodyCut.Error(),
			is:   errBodyCut,
			io:   true,
		},
		"gzip body cut after some lines": {
			path: "s3://bills/big.csv.gz",
			fake: &fakeS3{cutAt: map[string]int{"big.csv.gz": 9_000}},
			want: "ingest: s3://bills/big.csv.gz: " + errBodyCut.Error(),
			is:   errBodyCut,
			io:   true,
		},
		"Parquet body cut": {
			path: "s3://bills/exports/focus/",
			fake: &fakeS3{cutAt: map[string]int{"exports/focus/2025-01/part-00001.parquet.gz": 1000}},
			want: "ingest: s3://bills/exports/focus/2025-01/part-00001.parquet.gz: spool parquet: " + errBodyCut.Error(),
			is:   errBodyCut,
			io:   true,
		},
		"Parquet body truncated without an error": {
			path: "s3://bills/exports/focus/2025-01/part-00000",
			fake: &fakeS3{objects: map[string][]byte{"exports/focus/2025-01/part-00000.parquet": objects["exports/focus/2025-01/part-00000.parquet"][:5000]}},
			want: "ingest: s3://bills/exports/focus/2025-01/part-00000.parquet: not a readable Parquet file: ",
		},
		"wrong bucket": {
			path: "s3://other-bucket/exports/",
			want: "s3://other-bucket/exports/: list objects: api error NoSuchBucket: other-bucket",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake := tc.fake
			if fake == nil {
				fake = &fakeS3{}
			}
			fake.bucket, fake.pageSize = "bills", 2
			if fake.objects == nil {
				fake.objects = objects
			}
			st := NewMemStore()
			_, err := Ingest(context.Background(), st, IngestOptions{Paths: []string{tc.path}, Now: testNow, S3: fake})
			if err == nil {
				t.Fatal("want an error")
			}
			if got := err.Error(); !strings.HasPrefix(got, tc.want) || !strings.HasSuffix(tc.want, " ") && got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
			var ie *IOError
			if errors.As(err, &ie) != tc.io {
				t.Errorf("error %v: an I/O failure is %v, want %v", err, !tc.io, tc.io)
			}
			ps, _ := st.Periods(context.Background())
			if len(ps) != 0 {
				t.Errorf("stored %v after a failed ingest", ps)
			}
		})
	}
}

// TestIngestS3ThroughSDK reads a prefix with the real S3 client against a
// server speaking S3's REST-XML, so listing pages, signing and bodies go
// through the SDK as they do against AWS.
func TestIngestS3ThroughSDK(t *testing.T) {
	objects := map[string][]byte{
		"cur/a.csv":    readTestdata(t, "bill/testdata/bills/cur-legacy.csv"),
		"cur/b.csv.gz": gzipped(t, readTestdata(t, "bill/testdata/bills/cur2.csv")),
		"cur/c.json":   []byte(`{}`),
	}
	var mu sync.Mutex
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		requests = append(requests, r.Method+" "+r.URL.Path+" "+r.URL.Query().Get("continuation-token"))
		mu.Unlock()
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<Error><Code>AccessDenied</Code><Message>unsigned</Message></Error>`)
			return
		}
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if bucket != "bills" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<Error><Code>NoSuchBucket</Code><Message>no bucket</Message></Error>`)
			return
		}
		if key != "" {
			b, ok := objects[key]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `<Error><Code>NoSuchKey</Code><Message>no key</Message></Error>`)
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
			return
		}
		// One key per page: the first page names a continuation token.
		q := r.URL.Query()
		if q.Get("list-type") != "2" || q.Get("prefix") != "cur/" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<Error><Code>InvalidArgument</Code><Message>query %s</Message></Error>`, r.URL.RawQuery)
			return
		}
		keys := []string{"cur/a.csv", "cur/b.csv.gz", "cur/c.json"}
		i := 0
		if tok := q.Get("continuation-token"); tok != "" {
			i, _ = strconv.Atoi(tok)
		}
		w.Header().Set("Content-Type", "application/xml")
		next := ""
		if i+1 < len(keys) {
			next = "<NextContinuationToken>" + strconv.Itoa(i+1) + "</NextContinuationToken>"
		}
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bills</Name><Prefix>cur/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>%t</IsTruncated>%s<Contents><Key>%s</Key><Size>%d</Size></Contents></ListBucketResult>`,
			i+1 < len(keys), next, keys[i], len(objects[keys[i]]))
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		Region:       "ap-northeast-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:   srv.Client(),
	})
	st := NewMemStore()
	res, err := Ingest(context.Background(), st, IngestOptions{Paths: []string{"s3://bills/cur/"}, Now: testNow, S3: client, AcceptSkipped: true})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{res.Stats.Billed.String(), strconv.FormatInt(res.Stats.Lines, 10)}
	for _, f := range res.Stats.Files {
		got = append(got, f.Name)
	}
	want := []string{"-3.3688", "10", "s3://bills/cur/a.csv", "s3://bills/cur/b.csv.gz"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ingest (-want +got):\n%s", d)
	}
	wantReq := []string{"GET /bills ", "GET /bills 1", "GET /bills 2", "GET /bills/cur/a.csv ", "GET /bills/cur/b.csv.gz "}
	if d := cmp.Diff(wantReq, requests); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	_, err = Ingest(context.Background(), NewMemStore(), IngestOptions{Paths: []string{"s3://nope/cur/"}, Now: testNow, S3: client})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchBucket" {
		t.Errorf("missing bucket: got %v, want a NoSuchBucket API error", err)
	}
	if ie := (*IOError)(nil); errors.As(err, &ie) {
		t.Errorf("missing bucket: %v is the user's to fix, not an I/O failure", err)
	}
}

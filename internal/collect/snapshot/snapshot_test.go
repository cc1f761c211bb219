package snapshot

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/steward-sre/steward/internal/golden"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func fixture() (*inventory.Scan, []inventory.Resource) {
	started := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	scan := &inventory.Scan{
		ID: "20250106-0900", Source: "aws", Started: started, Finished: started.Add(90 * time.Second),
		Coverage: []inventory.Coverage{
			{Account: "111111111111", Region: "ap-northeast-1", Service: "ec2", OK: true, Resources: 2},
			{Account: "111111111111", Region: "us-east-1", Service: "ec2", ErrorKind: "access-denied", Error: "AccessDenied: <html> & co"},
			{Account: "111111111111", Region: "", Service: "s3", OK: true, Resources: 1},
		},
		APICalls: map[string]int{"ec2": 14, "s3": 3},
	}
	rs := []inventory.Resource{
		{
			ARN: "arn:aws:s3:::shop-logs", Account: "111111111111", Type: "AWS::S3::Bucket", ID: "shop-logs",
			Tags:  inventory.TagsOf(map[string]string{"system": "shop", "用途": "ログ"}),
			Attrs: inventory.AttrsOf(map[string]any{"encryption": "AES256", "public_access_block": true, "size_bytes": 1.5e12}),
		},
		{
			ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-1", Account: "111111111111", Region: "ap-northeast-1",
			Type: "AWS::EC2::Volume", ID: "vol-1", State: "in-use",
			Created:   time.Date(2024, 2, 29, 23, 59, 59, 999000000, time.UTC),
			Attrs:     inventory.AttrsOf(map[string]any{"size_gb": 100.0, "volume_type": "gp2", "encrypted": false}),
			Relations: []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1"}},
		},
		{
			ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1", Account: "111111111111", Region: "ap-northeast-1",
			Type: "AWS::EC2::Instance", ID: "i-1", Name: "web-1", State: "running",
			Tags:  inventory.TagsOf(map[string]string{"Name": "web-1", "env": "prod"}),
			Attrs: inventory.AttrsOf(map[string]any{"instance_type": "t3.micro", "ingress": []any{map[string]any{"from_port": 443.0, "cidr": "0.0.0.0/0"}}}),
			Origin: &inventory.Origin{
				ManagedBy: inventory.ManagedBy{Kind: "terraform", Ref: "aws_instance.web", Source: "s3://state/shop.tfstate"},
				Creator:   &inventory.Creator{Principal: "arn:aws:iam::111111111111:user/alice", Via: "console", At: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("JST", 9*3600))},
			},
			MonthlyCost: 7.59,
		},
	}
	return scan, rs
}

func encode(t testing.TB, scan *inventory.Scan, rs []inventory.Resource) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, scan, rs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteGolden(t *testing.T) {
	scan, rs := fixture()
	got := encode(t, scan, rs)
	golden.Check(t, filepath.Join("testdata", "scan.jsonl"), got)
}

func TestRoundTrip(t *testing.T) {
	scan, rs := fixture()
	want := *scan
	want.Resources = len(rs)
	byARN := map[string]inventory.Resource{}
	for _, r := range rs {
		byARN[r.ARN] = r
	}
	wantRs := []inventory.Resource{
		byARN["arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1"],
		byARN["arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-1"],
		byARN["arn:aws:s3:::shop-logs"],
	}
	dir := t.TempDir()
	for _, name := range []string{"scan.jsonl", "scan.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := WriteFile(path, scan, rs); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if gz := bytes.HasPrefix(raw, []byte{0x1f, 0x8b}); gz != strings.HasSuffix(name, ".gz") {
				t.Errorf("%s: gzipped = %v", name, gz)
			}
			gotScan, gotRs, err := ReadFile(context.Background(), path, 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, gotScan, timeEqual); diff != "" {
				t.Errorf("scan (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantRs, gotRs, timeEqual); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			for i := range gotRs {
				if gotRs[i].Hash() != wantRs[i].Hash() {
					t.Errorf("%s: content hash changed through the file", wantRs[i].ARN)
				}
			}
			// The volume's target is the instance's ARN, not a copy.
			if unsafe.StringData(gotRs[1].Relations[0].Target) != unsafe.StringData(gotRs[0].ARN) {
				t.Error("a relation target naming a resource of the file does not share its ARN")
			}

			src := NewSource(path, 0)
			if src.Name() != "file:"+path {
				t.Errorf("Name() = %q", src.Name())
			}
			col, err := src.Collect(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			wantCol := &inventory.Collection{Resources: wantRs, Coverage: scan.Coverage}
			if diff := cmp.Diff(wantCol, col, timeEqual); diff != "" {
				t.Errorf("Collect (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteRejects(t *testing.T) {
	scan, rs := fixture()
	bad := rs[0]
	bad.Type = "AWS::Nope::Thing"
	tests := map[string]struct {
		scan *inventory.Scan
		rs   []inventory.Resource
		want string
	}{
		"nil scan":     {nil, rs, "write scan file: scan is nil"},
		"no id":        {&inventory.Scan{}, rs, "write scan file: scan id is empty"},
		"no start":     {&inventory.Scan{ID: "x"}, rs, "write scan file: scan x: started time is zero"},
		"duplicate":    {scan, []inventory.Resource{rs[0], rs[0]}, "write scan file: resource arn:aws:s3:::shop-logs appears twice"},
		"unknown type": {scan, []inventory.Resource{bad}, `write scan file: resources[0]: arn:aws:s3:::shop-logs: unknown resource type "AWS::Nope::Thing"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tc.scan, tc.rs)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to start with %q", err, tc.want)
			}
		})
	}
}

const (
	hdr  = `{"steward_scan": 1, "scan": {"id": "s1", "source": "aws", "started": "2025-01-06T09:00:00Z", "coverage": [], "resources": 1}}`
	res1 = `{"resource": {"arn": "arn:aws:s3:::a", "account": "1", "type": "AWS::S3::Bucket", "id": "a"}}`
	end1 = `{"end": {"resources": 1}}`
	hdr0 = `{"steward_scan": 1, "scan": {"id": "s1", "source": "aws", "started": "2025-01-06T09:00:00Z", "coverage": [], "resources": 0}}`
	end0 = `{"end": {"resources": 0}}`
)

func file(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestReadErrors(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
	}{
		"empty":           {"", `f.jsonl: empty file (want a first line {"steward_scan": 1, "scan": {...}})`},
		"blank lines":     {"\n\n  \n", `f.jsonl: empty file (want a first line {"steward_scan": 1, "scan": {...}})`},
		"not json":        {"hello\n", `f.jsonl:1: not a steward scan file: the first line must be {"steward_scan": 1, "scan": {...}}: invalid character 'h' looking for beginning of value`},
		"no version":      {file(`{"scan": {"id": "x"}}`, end0), `f.jsonl:1: not a steward scan file: "steward_scan" is missing from the first line (want {"steward_scan": 1, "scan": {...}})`},
		"newer version":   {file(`{"steward_scan": 2, "scan": {"id": "x", "new_field": 1}}`, end0), "f.jsonl:1: format version 2 is newer than this steward reads (1): upgrade steward"},
		"zero version":    {file(`{"steward_scan": 0, "scan": {"id": "x"}}`, end0), `f.jsonl:1: "steward_scan" is 0, want 1`},
		"string version":  {file(`{"steward_scan": "1", "scan": {"id": "x"}}`, end0), `f.jsonl:1: "steward_scan" must be a whole number (the format version), got "1"`},
		"no scan":         {file(`{"steward_scan": 1}`, end0), `f.jsonl:1: "scan" is missing from the first line`},
		"no scan id":      {file(`{"steward_scan": 1, "scan": {"source": "aws"}}`, end0), "f.jsonl:1: scan.id is empty"},
		"no start":        {file(`{"steward_scan": 1, "scan": {"id": "x"}}`, end0), `f.jsonl:1: scan.started is missing (want an RFC 3339 time, like "2025-01-06T09:00:00Z")`},
		"unknown field":   {file(`{"steward_scan": 1, "scan": {"id": "x", "started": "2025-01-06T09:00:00Z", "colour": 1}}`, end0), `f.jsonl:1: invalid JSON: json: unknown field "colour"`},
		"bad json line":   {file(hdr, `{"resource": {"arn": `, end1), "f.jsonl:2: invalid JSON: unexpected EOF"},
		"two values":      {file(hdr, res1+" {}", end1), "f.jsonl:2: invalid JSON: more than one value on the line"},
		"unknown type":    {file(hdr, strings.Replace(res1, "AWS::S3::Bucket", "AWS::S3::Buckit", 1), end1), `f.jsonl:2: resource: arn:aws:s3:::a: unknown resource type "AWS::S3::Buckit" (known: `},
		"no arn":          {file(hdr, `{"resource": {"type": "AWS::S3::Bucket"}}`, end1), "f.jsonl:2: resource: arn is empty"},
		"duplicate arn":   {file(strings.Replace(hdr, `"resources": 1`, `"resources": 2`, 1), res1, "", res1, `{"end": {"resources": 2}}`), "f.jsonl:4: duplicate ARN arn:aws:s3:::a (first on line 2)"},
		"neither":         {file(hdr, `{}`, end1), `f.jsonl:2: expected {"resource": {...}} or {"end": {...}}`},
		"null line":       {file(hdr, `null`, end1), `f.jsonl:2: expected {"resource": {...}} or {"end": {...}}`},
		"both":            {file(hdr, `{"resource": {"arn": "arn:aws:s3:::a", "account": "1", "type": "AWS::S3::Bucket"}, "end": {"resources": 1}}`), `f.jsonl:2: a line holds either "resource" or "end", not both`},
		"truncated":       {file(hdr), "f.jsonl: file is truncated: expected 1 resources, found 0, and no end line"},
		"truncated after": {file(hdr, res1), "f.jsonl: file is truncated: expected 1 resources, found 1, and no end line"},
		"end count":       {file(hdr, res1, `{"end": {"resources": 2}}`), "f.jsonl:3: end line says 2 resources, found 1: the file is damaged"},
		"end no count":    {file(hdr, res1, `{"end": {}}`), `f.jsonl:3: end line: "resources" is missing (want {"end": {"resources": N}})`},
		"after end":       {file(hdr, res1, end1, res1), "f.jsonl:4: data after the end line (line 3)"},
		"header count":    {file(hdr0, res1, end1), "f.jsonl:1: scan.resources says 0, the file has 1"},
		// The count sizes the reader's first allocation: a lie is
		// caught, never trusted.
		"header lies":    {file(strings.Replace(hdr0, `"resources": 0`, `"resources": 9000000000`, 1), res1, end1), "f.jsonl:1: scan.resources says 9000000000, the file has 1"},
		"negative count": {file(strings.Replace(hdr, `"resources": 1`, `"resources": -1`, 1), end0), "f.jsonl:1: scan.resources is -1, want 0 or more"},
		"too long":       {hdr + "\n" + `{"resource": {"arn": "` + strings.Repeat("a", MaxLine) + `"}}` + "\n", "f.jsonl:2: line longer than 16 MiB"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			scan, rs, err := Read(strings.NewReader(tc.in), "f.jsonl")
			if err == nil {
				t.Fatalf("Read accepted it: %d resources", len(rs))
			}
			if scan != nil || rs != nil {
				t.Errorf("Read returned a partial result with its error: scan %v, %d resources", scan, len(rs))
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Errorf("err is %T, want *snapshot.Error", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err =\n  %v\nwant it to start with\n  %s", err, tc.want)
			}
		})
	}
}

func TestReadAccepts(t *testing.T) {
	tests := map[string]struct {
		in    string
		count int
	}{
		"empty estate":     {file(hdr0, end0), 0},
		"one":              {file(hdr, res1, end1), 1},
		"no final newline": {hdr + "\n" + res1 + "\n" + end1, 1},
		"crlf":             {hdr + "\r\n" + res1 + "\r\n" + end1 + "\r\n", 1},
		"blank lines":      {"\n" + hdr + "\n\n" + res1 + "\n\n" + end1 + "\n\n", 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			scan, rs, err := Read(strings.NewReader(tc.in), "f.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			if scan.ID != "s1" || len(rs) != tc.count {
				t.Errorf("scan %q with %d resources, want s1 with %d", scan.ID, len(rs), tc.count)
			}
		})
	}
}

// TestTruncatedAnywhere cuts a valid file at every byte: every cut but the
// final newline must be an error, never a smaller estate.
func TestTruncatedAnywhere(t *testing.T) {
	scan, rs := fixture()
	full := encode(t, scan, rs)
	whole := len(bytes.TrimRight(full, "\n"))
	for n := 0; n < whole; n++ {
		if _, got, err := Read(bytes.NewReader(full[:n]), "cut.jsonl"); err == nil {
			t.Fatalf("a file cut after %d of %d bytes read as %d resources", n, len(full), len(got))
		}
	}
}

func TestGzipErrors(t *testing.T) {
	scan, rs := fixture()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(encode(t, scan, rs))
	zw.Close()
	dir := t.TempDir()
	tests := map[string]struct {
		data []byte
		want string
	}{
		"plain text named .gz": {encode(t, scan, rs), "not a gzip file (the name ends in .gz)"},
		"cut gzip stream":      {gz.Bytes()[:gz.Len()/2], "file is truncated: the compressed stream ends early"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".jsonl.gz")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := ReadFile(context.Background(), path, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), path) {
				t.Fatalf("err = %v, want %s: ...%s...", err, path, tc.want)
			}
			if _, err := NewSource(path, 0).Collect(context.Background(), nil); err == nil {
				t.Error("Collect accepted it")
			}
		})
	}
	if _, err := NewSource(filepath.Join(dir, "missing.jsonl"), 0).Collect(context.Background(), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want not exist", err)
	}
}

func TestReadCanceled(t *testing.T) {
	scan := &inventory.Scan{ID: "big", Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	var rs []inventory.Resource
	for i := range 10000 {
		rs = append(rs, inventory.Resource{ARN: fmt.Sprintf("arn:aws:s3:::bucket-%d", i), Account: "1", Type: "AWS::S3::Bucket"})
	}
	path := filepath.Join(t.TempDir(), "big.jsonl")
	if err := WriteFile(path, scan, rs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := ReadFile(ctx, path, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, _, err := ReadFile(context.Background(), path, 0); err != nil {
		t.Errorf("the same file without cancel: %v", err)
	}
}

// TestReadManyBatches: lines are decoded in batches on several workers,
// but resources keep the file's order and the error reported is the first
// bad line, whichever batch or worker holds a later one.
func TestReadManyBatches(t *testing.T) {
	const n = 5*batchLines + 17
	line := func(i int) string {
		return fmt.Sprintf(`{"resource": {"arn": "arn:aws:s3:::bucket-%05d", "account": "1", "type": "AWS::S3::Bucket"}}`, i)
	}
	build := func(edit func(lines []string)) string {
		lines := []string{strings.Replace(hdr, `"resources": 1`, fmt.Sprintf(`"resources": %d`, n), 1)}
		for i := range n {
			lines = append(lines, line(i))
		}
		lines = append(lines, fmt.Sprintf(`{"end": {"resources": %d}}`, n))
		edit(lines)
		return strings.Join(lines, "\n") + "\n"
	}
	_, rs, err := Read(strings.NewReader(build(func([]string) {})), "f.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != n {
		t.Fatalf("%d resources, want %d", len(rs), n)
	}
	for i, r := range rs {
		if want := fmt.Sprintf("arn:aws:s3:::bucket-%05d", i); r.ARN != want {
			t.Fatalf("resource %d is %s, want %s: the file's order is lost", i, r.ARN, want)
		}
	}

	tests := map[string]struct {
		edit func(lines []string)
		want string
	}{
		// l[k+1], line k+2, holds resource k. The bad JSON two batches later is
		// decoded too, maybe first: the duplicate comes first in the file.
		"duplicate before bad JSON": {func(l []string) {
			l[3*batchLines+1] = line(10)
			l[5*batchLines] = `{"resource": `
		}, fmt.Sprintf("f.jsonl:%d: duplicate ARN arn:aws:s3:::bucket-00010 (first on line 12)", 3*batchLines+2)},
		"bad JSON before a bad attr": {func(l []string) {
			l[2*batchLines+5] = `{"resource": {"arn": 1}}`
			l[4*batchLines] = `{"resource": {"arn": "x", "account": "1", "type": "AWS::RDS::DBInstance", "attrs": {"multi_az": "yes"}}}`
		}, fmt.Sprintf("f.jsonl:%d: invalid JSON", 2*batchLines+6)},
		"invalid resource in the last batch": {func(l []string) {
			l[n-1] = `{"resource": {"arn": "arn:aws:s3:::x", "account": "1"}}`
		}, fmt.Sprintf("f.jsonl:%d: resource: ", n)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, rs, err := Read(strings.NewReader(build(tc.edit)), "f.jsonl")
			if err == nil {
				t.Fatalf("Read accepted it: %d resources", len(rs))
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err =\n  %v\nwant it to start with\n  %s", err, tc.want)
			}
		})
	}
}

// BenchmarkRead reads a saved estate on one decoding worker (the reader
// before decoding was spread) and on GOMAXPROCS. The file is
// STEWARD_BENCH_SNAPSHOT (bench/scan/gen writes one), or 50k buckets.
func BenchmarkRead(b *testing.B) {
	path := os.Getenv("STEWARD_BENCH_SNAPSHOT")
	if path == "" {
		scan := &inventory.Scan{ID: "bench", Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		rs := make([]inventory.Resource, 50000)
		for i := range rs {
			rs[i] = inventory.Resource{ARN: fmt.Sprintf("arn:aws:s3:::bucket-%d", i), Account: "1", Type: "AWS::S3::Bucket",
				Name: fmt.Sprintf("bucket-%d", i), Tags: inventory.TagsOf(map[string]string{"env": "prod", "system": "shop"})}
		}
		path = filepath.Join(b.TempDir(), "bench.jsonl")
		if err := WriteFile(path, scan, rs); err != nil {
			b.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := read(context.Background(), bytes.NewReader(data), path, workers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package snapshot

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/objstore"
)

// TestAttrKinds: a saved scan whose attrs do not have the kinds of the
// type table is refused at the line and attr, since a policy would quietly
// not match ("yes" is not true): a demo scan edited so lost three critical
// findings and exited 0.
func TestAttrKinds(t *testing.T) {
	db := func(attrs string) string {
		return `{"resource": {"arn": "arn:aws:rds:ap-northeast-1:1:db:a", "account": "1", "type": "AWS::RDS::DBInstance", "attrs": ` + attrs + `}}`
	}
	tg := func(attrs string) string {
		return `{"resource": {"arn": "arn:tg", "account": "1", "type": "AWS::ElasticLoadBalancingV2::TargetGroup", "attrs": ` + attrs + `}}`
	}
	tests := map[string]struct {
		res  string
		want string // "" when the file is good
	}{
		"bool as string":    {res: db(`{"publicly_accessible": "yes"}`), want: `fuzz.jsonl:2: resource arn:aws:rds:ap-northeast-1:1:db:a: attrs.publicly_accessible is "yes" (a string), want true or false (see the attribute table of AWS::RDS::DBInstance)`},
		"number as string":  {res: db(`{"allocated_gb": "100"}`), want: `attrs.allocated_gb is "100" (a string), want a number`},
		"null":              {res: db(`{"multi_az": null}`), want: `attrs.multi_az is null, want true or false`},
		"bad time":          {res: db(`{"stopped_at": "yesterday"}`), want: `attrs.stopped_at is "yesterday" (a string), want an RFC 3339 time`},
		"field of a list":   {res: tg(`{"targets": [{"id": "i-1", "port": 80}, {"id": "i-2", "port": "80"}]}`), want: `attrs.targets[1].port is "80" (a string), want a number`},
		"list of objects":   {res: tg(`{"targets": "i-1"}`), want: `attrs.targets is "i-1" (a string), want a list of objects`},
		"kinds right":       {res: db(`{"publicly_accessible": true, "allocated_gb": 100, "stopped_at": "2025-01-06T09:00:00Z", "engine": "mysql"}`)},
		"undocumented attr": {res: db(`{"colour": 3}`)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, rs, err := Read(strings.NewReader(file(hdr, tc.res, end1)), "fuzz.jsonl")
			if tc.want == "" {
				if err != nil || len(rs) != 1 {
					t.Fatalf("Read = %d resources, %v; want the resource", len(rs), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "fuzz.jsonl:2: ") {
				t.Fatalf("err = %v\nwant fuzz.jsonl:2: ...%s", err, tc.want)
			}
		})
	}
}

// TestMaxBytes: the limit decides, counted after decompression, and a
// scan over it is refused rather than read in part.
func TestMaxBytes(t *testing.T) {
	scan, rs := fixture()
	data := encode(t, scan, rs)
	dir := t.TempDir()
	plain := filepath.Join(dir, "scan.jsonl")
	zipped := filepath.Join(dir, "scan.jsonl.gz")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(plain, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zipped, z.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	size := int64(len(data))
	for _, path := range []string{plain, zipped} {
		for max, ok := range map[int64]bool{size: true, 0: true, size - 1: false, 64: false} {
			_, got, err := ReadFile(context.Background(), path, max)
			if ok && (err != nil || len(got) != len(rs)) {
				t.Errorf("%s with limit %d: %d resources, %v", filepath.Base(path), max, len(got), err)
			}
			var tl *objstore.TooLargeError
			if !ok && (!errors.As(err, &tl) || got != nil) {
				t.Errorf("%s with limit %d: err = %v, want it refused as too large", filepath.Base(path), max, err)
			}
		}
	}
}

// TestReadFIFOInterrupted: reading a FIFO nobody writes to stops when the
// context is cancelled (Ctrl-C), whether it waits in open or in read.
func TestReadFIFOInterrupted(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "scan.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, opened := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		if opened {
			// A writer that opens the FIFO and writes nothing.
			go func() {
				if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					<-ctx.Done()
					f.Close()
				}
			}()
		}
		done := make(chan error, 1)
		go func() {
			_, _, err := ReadFile(ctx, fifo, 0)
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("writer opened %v: err = %v, want context.Canceled", opened, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("writer opened %v: ReadFile did not return after cancel", opened)
		}
	}
}

// TestLongValuesQuotedShort: a bad value megabytes long is named by its
// start, not echoed whole.
func TestLongValuesQuotedShort(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	tests := map[string]string{
		"bad attr":     `{"resource": {"arn": "arn:` + long + `", "account": "1", "type": "AWS::RDS::DBInstance", "attrs": {"multi_az": "` + long + `"}}}`,
		"unknown type": `{"resource": {"arn": "arn:a", "account": "1", "type": "` + long + `"}}`,
		"no account":   `{"resource": {"arn": "arn:` + long + `", "type": "AWS::S3::Bucket"}}`,
	}
	for name, res := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := Read(strings.NewReader(file(hdr, res, end1)), "f.jsonl")
			if err == nil || len(err.Error()) > 2000 {
				t.Fatalf("error of %d bytes: %.300s", len(fmt.Sprint(err)), err)
			}
		})
	}
}

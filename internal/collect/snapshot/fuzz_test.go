package snapshot

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/inventory"
)

// FuzzRead feeds arbitrary bytes to the reader. It must never panic; an
// error is a *Error naming the file with no partial result; anything
// accepted is a valid, unique set of resources that writes and reads back
// the same.
//
//	go test -run '^$' -fuzz FuzzRead -fuzztime 3m ./internal/collect/snapshot/
func FuzzRead(f *testing.F) {
	scan, rs := fixture()
	full := encode(f, scan, rs)
	f.Add(full)
	f.Add(full[:len(full)/2])
	f.Add([]byte(file(hdr, res1, end1)))
	f.Add([]byte(file(hdr0, end0)))
	f.Add([]byte(file(hdr, res1, res1, end1)))
	f.Add([]byte(file(`{"steward_scan": 2, "scan": {}}`)))
	f.Add([]byte(file(hdr, `{"resource": {"arn": "a", "account": "1", "type": "AWS::RDS::DBInstance", "attrs": {"publicly_accessible": "yes"}}}`, end1)))
	f.Add([]byte(file(hdr, `{"resource": {"arn": "a", "account": "1", "type": "AWS::EC2::Instance", "created": "2024-01-01T00:00:00+23:59"}}`, end1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		scan, rs, err := Read(bytes.NewReader(data), "fuzz.jsonl")
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "fuzz.jsonl") {
				t.Fatalf("error %q (%T) does not name the file as a *snapshot.Error", err, err)
			}
			if scan != nil || rs != nil {
				t.Fatalf("partial result with error %v", err)
			}
			return
		}
		if scan == nil || scan.ID == "" || scan.Resources != len(rs) {
			t.Fatalf("accepted scan %+v with %d resources", scan, len(rs))
		}
		for i := range rs {
			if err := rs[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid resource: %v", err)
			}
			if err := inventory.CheckAttrs(&rs[i]); err != nil {
				t.Fatalf("accepted attrs of the wrong kind: %v", err)
			}
		}
		if err := inventory.CheckUnique(rs); err != nil {
			t.Fatalf("accepted duplicates: %v", err)
		}
		// Whatever is accepted must survive a write and a read unchanged.
		var buf bytes.Buffer
		if err := Write(&buf, scan, rs); err != nil {
			t.Fatalf("accepted input does not write back: %v", err)
		}
		scan2, rs2, err := Read(&buf, "again.jsonl")
		if err != nil {
			t.Fatalf("written file does not read back: %v\n%s", err, buf.String())
		}
		if diff := cmp.Diff(scan, scan2, timeEqual, cmp.Comparer(sameNumber)); diff != "" {
			t.Fatalf("scan changed through write and read (-first +second):\n%s", diff)
		}
		byARN := map[string]inventory.Resource{}
		for _, r := range rs {
			byARN[r.ARN] = r
		}
		for _, r2 := range rs2 {
			r := byARN[r2.ARN]
			// An empty map and no map are the same content (omitempty):
			// equal up to that, and equal by content hash.
			if diff := cmp.Diff(r, r2, timeEqual, cmp.Comparer(sameNumber), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("resource changed through write and read (-first +second):\n%s", diff)
			}
			if r.Hash() != r2.Hash() {
				t.Fatalf("resource %s: content hash changed through write and read", r.ARN)
			}
		}
	})
}

// sameNumber treats NaN-free floats as equal when they are; JSON has no NaN.
func sameNumber(a, b float64) bool { return a == b }

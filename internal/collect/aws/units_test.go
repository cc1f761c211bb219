package aws

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/inventory"
)

// TestAssembleUnits reads a scan unit by unit, as replicas do, and puts
// it together: the same resources and coverage as one Collect. A unit
// without a record is a gap of its own, and nothing else is lost.
func TestAssembleUnits(t *testing.T) {
	estate := testEstate(testNow, testAccounts, testRegions, 5)
	fake := awsfake.New(estate, awsfake.Options{PageSize: 2, Now: testNow})
	defer fake.Close()
	awsEnv(t, testAccounts)
	ctx := context.Background()
	src, err := New(ctx, testOptions(fake.URL, testAccounts), nil)
	must(t, err)
	whole, err := src.Collect(ctx, nil)
	must(t, err)

	names := src.Units()
	if len(names) == 0 || len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Fatalf("units are empty or not unique: %v", names)
	}
	records := map[string][]byte{}
	for _, n := range names {
		rec, row, err := src.CollectUnit(ctx, n)
		must(t, err)
		if !row.OK || row.Account+"/"+row.Region+"/"+row.Service != n {
			t.Fatalf("unit %s: row %+v", n, row)
		}
		records[n] = rec
	}
	given := maps.Clone(records)
	got, err := src.Assemble(given, nil)
	must(t, err)
	if len(given) != 0 {
		t.Errorf("Assemble kept %d of the records it read; it drops each once read", len(given))
	}
	if diff := cmp.Diff(normalize(whole.Resources), normalize(got.Resources)); diff != "" {
		t.Errorf("assembled resources differ from one collect (-collect +assembled):\n%s", diff)
	}
	if diff := cmp.Diff(whole.Coverage, got.Coverage); diff != "" {
		t.Errorf("assembled coverage differs (-collect +assembled):\n%s", diff)
	}
	if got.APICalls["ec2"] != whole.APICalls["ec2"] {
		t.Errorf("ec2 calls: assembled %d, collect %d", got.APICalls["ec2"], whole.APICalls["ec2"])
	}

	// One ec2 unit given up: its row is a gap, its instances are missing,
	// every other unit's resources are there.
	var lost string
	for _, n := range names {
		if strings.HasSuffix(n, "/ec2") {
			lost = n
			break
		}
	}
	delete(records, lost)
	part, err := src.Assemble(records, map[string]string{lost: "past the scan's deadline"})
	must(t, err)
	gaps := 0
	for _, c := range part.Coverage {
		if !c.OK {
			gaps++
			if c.Account+"/"+c.Region+"/"+c.Service != lost || c.ErrorKind != KindTimeout || c.Error != "past the scan's deadline" {
				t.Errorf("gap %+v, want %s timed out", c, lost)
			}
		}
	}
	if gaps != 1 {
		t.Errorf("gaps = %d, want 1", gaps)
	}
	if len(part.Resources) >= len(got.Resources) {
		t.Errorf("resources with a unit lost = %d, all = %d", len(part.Resources), len(got.Resources))
	}

	if _, _, err := src.CollectUnit(ctx, "999999999999/us-east-1/ec2"); err == nil {
		t.Error("a unit of another account was read")
	}
	if _, err := src.Assemble(map[string][]byte{"999999999999/us-east-1/ec2": []byte("{}")}, nil); err == nil {
		t.Error("a record of another account's unit was assembled")
	}
}

// TestUnitThrottled: a unit whose calls AWS throttles (every call, or the
// calls over an account's rate) reads as a throttled row, which the
// server retries later rather than keeping as a gap at once.
func TestUnitThrottled(t *testing.T) {
	estate := testEstate(testNow, testAccounts, testRegions, 3)
	awsEnv(t, testAccounts)
	for name, opts := range map[string]awsfake.Options{
		"every call":     {ThrottleRate: 1},
		"over the quota": {RateLimit: 1},
	} {
		t.Run(name, func(t *testing.T) {
			opts.Now = testNow
			fake := awsfake.New(estate, opts)
			defer fake.Close()
			src, err := New(context.Background(), testOptions(fake.URL, testAccounts), nil)
			must(t, err)
			unit := testAccounts[0] + "/" + testRegions[0] + "/logs"
			// The quota's burst lets the first read through.
			var row inventory.Coverage
			for range 3 {
				_, row, err = src.CollectUnit(context.Background(), unit)
				must(t, err)
				if !row.OK {
					break
				}
			}
			if row.OK || row.ErrorKind != KindThrottled {
				t.Errorf("row = %+v, want throttled", row)
			}
			if fake.Throttled() == 0 {
				t.Error("the fake counted no throttled call")
			}
		})
	}
}

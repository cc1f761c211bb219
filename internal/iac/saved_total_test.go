package iac

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// TestTotalCounter: counting resources one at a time gives Tally's Total.
func TestTotalCounter(t *testing.T) {
	kinds := []inventory.ManagedBy{
		{Kind: "terraform", Ref: "aws_s3_bucket.a", Source: "s3://st"},
		{Kind: KindNone},
		{Kind: KindService, Ref: "arn:aws:ecs:parent"},
		{Kind: KindService, Ref: "default"},
		{},
		{Kind: "cloudformation", Ref: "stack"},
	}
	tests := map[string]int{"none": 0, "one": 1, "mixed": 23, "only unknown": -1}
	for name, n := range tests {
		t.Run(name, func(t *testing.T) {
			var rs []inventory.Resource
			for i := range max(n, 3) {
				mb := kinds[i%len(kinds)]
				if n < 0 {
					mb = inventory.ManagedBy{}
				}
				typ := "AWS::S3::Bucket"
				if i%7 == 6 {
					typ = "AWS::::Account"
				}
				rs = append(rs, inventory.Resource{ARN: fmt.Sprintf("arn:aws:s3:::b%d", i), Account: "111111111111", Type: typ, ID: fmt.Sprint(i), ManagedBy: mb})
			}
			if n == 0 {
				rs = nil
			}
			want, wantOK := Tally(rs, time.Now())
			var c TotalCounter
			for i := range rs {
				c.Add(&rs[i])
			}
			got, ok := c.Total()
			if ok != wantOK {
				t.Fatalf("Total ok = %v, Tally says %v", ok, wantOK)
			}
			if ok {
				if diff := cmp.Diff(want.Total, got); diff != "" {
					t.Errorf("Total (-Tally +counter):\n%s", diff)
				}
				if got.Managed+got.Unmanaged == 0 && n > 0 {
					t.Errorf("nothing counted of %d resources", n)
				}
			}
		})
	}
}

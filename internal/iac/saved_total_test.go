package iac

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// TestTallyGroups: coverage from counts of resources (what a store keeps
// of a saved scan) gives Tally's ratios and exclusions.
func TestTallyGroups(t *testing.T) {
	kinds := []inventory.ManagedBy{
		{Kind: "terraform", Ref: "aws_s3_bucket.a", Source: "s3://st"},
		{Kind: KindNone},
		{Kind: KindService, Ref: "arn:aws:ecs:parent"},
		{Kind: KindService, Ref: "default"},
		{},
		{Kind: "cloudformation", Ref: "stack"},
		{Kind: KindNone},
	}
	tests := map[string]int{"none": 0, "one": 1, "mixed": 57, "only unknown": -1}
	for name, n := range tests {
		t.Run(name, func(t *testing.T) {
			var rs []inventory.Resource
			for i := range max(n, 3) {
				mb := kinds[i%len(kinds)]
				if n < 0 {
					mb = inventory.ManagedBy{}
				}
				typ := []string{"AWS::S3::Bucket", "AWS::EC2::Instance", "AWS::RDS::DBInstance"}[i%3]
				if i%11 == 10 {
					typ = "AWS::::Account"
				}
				r := inventory.Resource{ARN: fmt.Sprintf("arn:aws:s3:::b%d", i), Account: []string{"111111111111", "222222222222"}[i%2], Type: typ, ID: fmt.Sprint(i), Origin: &inventory.Origin{ManagedBy: mb}}
				if s := []string{"shop", "", "search", "shop"}[i%4]; s != "" {
					r.Tags = inventory.NewTags("system", s)
				}
				rs = append(rs, r)
			}
			if n == 0 {
				rs = nil
			}
			want, wantOK := Tally(rs, time.Now())
			type key struct {
				account, system, typ, kind string
				dflt                       bool
			}
			counts := map[key]int{}
			for i := range rs {
				sys, _ := rs[i].Tag("system")
				counts[key{rs[i].Account, sys, rs[i].Type, rs[i].ManagedBy().Kind, rs[i].ManagedBy().Ref == "default"}]++
			}
			var gs []Group
			for k, c := range counts {
				g := Group{Account: k.account, System: k.system, Type: k.typ, ManagedBy: inventory.ManagedBy{Kind: k.kind}, Resources: c}
				if k.dflt {
					g.ManagedBy.Ref = "default"
				}
				gs = append(gs, g)
			}
			got, ok := TallyGroups(gs)
			if ok != wantOK {
				t.Fatalf("TallyGroups ok = %v, Tally says %v", ok, wantOK)
			}
			if !ok {
				return
			}
			ratios := func(r *Result) []any { return []any{r.Total, r.ByAccount, r.BySystem, r.ByType, r.Excluded} }
			if diff := cmp.Diff(ratios(want), ratios(got)); diff != "" {
				t.Errorf("(-Tally +TallyGroups):\n%s", diff)
			}
			if n > 3 && (got.Total.Managed == 0 || got.Total.Unmanaged == 0 || got.Excluded == 0 || len(got.BySystem) < 3) {
				t.Errorf("the estate does not exercise every way: %+v", ratios(got))
			}
		})
	}
}

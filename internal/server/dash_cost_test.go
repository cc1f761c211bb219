package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// TestAttributionOnly: spend attributed to resources kept with only what
// attribution reads is attributed as to the whole resources, by every
// breakdown the cost page offers, whichever way the owner is found (the
// resource's tags, its parent's, its creator, the naming rule).
func TestAttributionOnly(t *testing.T) {
	ctx := context.Background()
	acct := "111111111111"
	rs := []inventory.Resource{
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0001", ID: "i-0001", Account: acct, Region: "ap-northeast-1", Type: "AWS::EC2::Instance",
			Name: "web-1", Tags: inventory.TagsOf(map[string]string{"owner": "sato", "system": "shop", "env": "prod"}), Attrs: inventory.AttrsOf(map[string]any{"instance_type": "t3.micro"})},
		{ARN: "arn:aws:autoscaling:ap-northeast-1:111111111111:autoScalingGroup:x:autoScalingGroupName/api-prod-asg", ID: "api-prod-asg", Account: acct, Region: "ap-northeast-1",
			Type: "AWS::AutoScaling::AutoScalingGroup", Name: "api-prod-asg", Tags: inventory.TagsOf(map[string]string{"owner": "kato", "system": "api", "env": "prod"})},
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0002", ID: "i-0002", Account: acct, Region: "ap-northeast-1", Type: "AWS::EC2::Instance",
			Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "service", Ref: "arn:aws:autoscaling:ap-northeast-1:111111111111:autoScalingGroup:x:autoScalingGroupName/api-prod-asg"}},
			Attrs:  inventory.AttrsOf(map[string]any{"instance_type": "m5.large"})},
		{ARN: "arn:aws:s3:::search-stg-logs", ID: "search-stg-logs", Account: acct, Region: "ap-northeast-1", Type: "AWS::S3::Bucket", Name: "search-stg-logs"},
		{ARN: "arn:aws:rds:ap-northeast-1:111111111111:db:db-1", ID: "db-1", Account: acct, Region: "ap-northeast-1", Type: "AWS::RDS::DBInstance",
			Origin: &inventory.Origin{Creator: &inventory.Creator{Principal: "arn:aws:iam::111111111111:user/tanaka", Via: "console"}}},
	}
	bill := cost.NewMemStore()
	day := testNow.Truncate(24*time.Hour).AddDate(0, 0, -3)
	b := cost.Batch{Source: "test", Period: day.Format("2006-01")}
	for i, id := range []string{rs[0].ARN, "i-0002", "search-stg-logs", "db-1", "i-9999"} {
		b.Rollups = append(b.Rollups, cost.Rollup{Day: day, Source: "test", Period: b.Period, Account: acct, Service: "AmazonEC2",
			UsageType: "Usage", Resource: id, Kind: cost.KindUsage, Currency: "USD",
			Billed: cost.MustMoney(fmt.Sprint(10 + i)), Effective: cost.MustMoney(fmt.Sprint(10 + i)), Lines: 1})
	}
	if err := bill.ReplacePeriods(ctx, testNow, []cost.Batch{b}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("steward.yaml", []byte("naming:\n  template: \"{system}-{env}-{role}\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	common := func(rs []inventory.Resource) cost.Common {
		return cost.Common{Store: bill, Cost: cfg.Cost, Keys: cost.Keys{System: "system", Env: "env", Owner: "owner"},
			Naming: cfg.NamingRule(), Currency: "USD", Rate: 1, Resources: rs, Now: testNow}
	}
	slim := make([]inventory.Resource, len(rs))
	for i := range rs {
		slim[i] = attributionOnly(&rs[i])
	}
	for _, by := range costBys {
		t.Run(by, func(t *testing.T) {
			want, err := cost.Show(ctx, cost.ShowOptions{Common: common(rs), By: by})
			if err != nil {
				t.Fatal(err)
			}
			got, err := cost.Show(ctx, cost.ShowOptions{Common: common(slim), By: by})
			if err != nil {
				t.Fatal(err)
			}
			// Amounts are exact rationals: compare what the page writes.
			wj, _ := json.MarshalIndent(want, "", " ")
			gj, _ := json.MarshalIndent(got, "", " ")
			if d := cmp.Diff(string(wj), string(gj)); d != "" {
				t.Errorf("(-whole resources +attribution only)\n%s", d)
			}
			if by == "owner" && len(want.Groups) < 4 {
				t.Logf("%s", wj)
				t.Errorf("the estate does not exercise the owner's sources: %+v", want.Groups)
			}
		})
	}
}

// TestBilledResources: the cost page keeps only the resources the bill
// can look up (by ARN, native id or the id's last segment, and the
// parents of service-managed ones), and spend attributed over them is
// attributed as over the whole scan, by every breakdown.
func TestBilledResources(t *testing.T) {
	ctx := context.Background()
	acct := "111111111111"
	asg := "arn:aws:autoscaling:ap-northeast-1:111111111111:autoScalingGroup:x:autoScalingGroupName/api-prod-asg"
	tagged := inventory.TagsOf(map[string]string{"owner": "ito", "system": "pay", "env": "prod"})
	rs := []inventory.Resource{
		// Named by the bill's ARN.
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0001", ID: "i-0001", Account: acct, Type: "AWS::EC2::Instance",
			Name: "web-1", Tags: inventory.TagsOf(map[string]string{"owner": "sato", "system": "shop", "env": "prod"})},
		// The parent of i-0002: no rollup names it.
		{ARN: asg, ID: "api-prod-asg", Account: acct, Type: "AWS::AutoScaling::AutoScalingGroup", Name: "api-prod-asg",
			Tags: inventory.TagsOf(map[string]string{"owner": "kato", "system": "api", "env": "prod"})},
		// Named by its native id, owned through its parent.
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0002", ID: "i-0002", Account: acct, Type: "AWS::EC2::Instance",
			Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "service", Ref: asg}}},
		// Named by the last segment of an id the inventory does not hold.
		{ARN: "arn:aws:elasticloadbalancing:ap-northeast-1:111111111111:loadbalancer/app/lb/abc123", ID: "abc123", Account: acct,
			Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Tags: inventory.TagsOf(map[string]string{"owner": "mori"})},
		// Two resources with one native id: the first in ARN order is the
		// one the bill's id finds.
		{ARN: "arn:aws:lambda:ap-northeast-1:111111111111:function:dup", ID: "dup", Account: acct, Type: "AWS::Lambda::Function",
			Tags: inventory.TagsOf(map[string]string{"owner": "abe", "system": "batch", "env": "dev"})},
		{ARN: "arn:aws:s3:::dup", ID: "dup", Account: acct, Type: "AWS::S3::Bucket",
			Tags: inventory.TagsOf(map[string]string{"owner": "ota", "system": "logs", "env": "stg"})},
		// Named only by a rollup whose bill tags place it whole.
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0003", ID: "i-0003", Account: acct, Type: "AWS::EC2::Instance",
			Tags: inventory.TagsOf(map[string]string{"owner": "ueda"})},
		// Named, with a parent referred to by its native id, not its ARN.
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0005", ID: "i-0005", Account: acct, Type: "AWS::EC2::Instance",
			Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "service", Ref: "batch-asg"}}},
		{ARN: "arn:aws:autoscaling:ap-northeast-1:111111111111:autoScalingGroup:y:autoScalingGroupName/batch-asg", ID: "batch-asg", Account: acct,
			Type: "AWS::AutoScaling::AutoScalingGroup", Tags: inventory.TagsOf(map[string]string{"owner": "kudo", "system": "batch", "env": "prod"})},
		// Never named.
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0004", ID: "i-0004", Account: acct, Type: "AWS::EC2::Instance",
			Tags: inventory.TagsOf(map[string]string{"owner": "noda"})},
	}
	bill := cost.NewMemStore()
	day := testNow.Truncate(24*time.Hour).AddDate(0, 0, -3)
	b := cost.Batch{Source: "test", Period: day.Format("2006-01")}
	named := []struct {
		id   string
		tags inventory.Tags
	}{
		{id: rs[0].ARN}, {id: "i-0002"}, {id: "arn:aws:elasticloadbalancing:ap-northeast-1:111111111111:loadbalancer/app/other/abc123"},
		{id: "dup"}, {id: "i-0003", tags: tagged}, {id: "i-0005"}, {id: "i-9999"}, {id: ""},
	}
	for i, n := range named {
		b.Rollups = append(b.Rollups, cost.Rollup{Day: day, Source: "test", Period: b.Period, Account: acct, Service: "AmazonEC2",
			UsageType: "Usage", Resource: n.id, Tags: cost.MakeTags(n.tags.Map()), Kind: cost.KindUsage, Currency: "USD",
			Billed: cost.MustMoney(fmt.Sprint(10 + i)), Effective: cost.MustMoney(fmt.Sprint(10 + i)), Lines: 1})
	}
	if err := bill.ReplacePeriods(ctx, testNow, []cost.Batch{b}); err != nil {
		t.Fatal(err)
	}
	common := func(rs []inventory.Resource) cost.Common {
		return cost.Common{Store: bill, Keys: cost.Keys{System: "system", Env: "env", Owner: "owner"},
			Currency: "USD", Rate: 1, Resources: rs, Now: testNow}
	}
	reads := 0
	var byARN []string
	got, err := billedResources(ctx, common(nil), func(fn func(*inventory.Resource) error) error {
		reads++
		for i := range rs {
			if err := fn(&rs[i]); err != nil {
				return err
			}
		}
		return nil
	}, func(arn string) (*inventory.Resource, error) {
		byARN = append(byARN, arn)
		for i := range rs {
			if rs[i].ARN == arn {
				return &rs[i], nil
			}
		}
		return nil, store.ErrNotFound
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{asg, "batch-asg"}, byARN); d != "" {
		t.Errorf("parents read by ARN (-want +got)\n%s", d)
	}
	var kept []string
	for _, r := range got {
		kept = append(kept, r.ARN)
	}
	// The parent read by ARN is kept, and in the scan's order once the
	// scan is read again for the parent referred to by its id.
	want := []string{rs[0].ARN, rs[1].ARN, rs[2].ARN, rs[3].ARN, rs[4].ARN, rs[5].ARN, rs[7].ARN, rs[8].ARN}
	if d := cmp.Diff(want, kept); d != "" {
		t.Errorf("kept resources (-want +got)\n%s", d)
	}
	if reads != 2 {
		t.Errorf("the scan was read %d times, want 2 (once more for the parent referred to by its id)", reads)
	}
	for _, by := range costBys {
		t.Run(by, func(t *testing.T) {
			whole, err := cost.Show(ctx, cost.ShowOptions{Common: common(rs), By: by})
			if err != nil {
				t.Fatal(err)
			}
			billed, err := cost.Show(ctx, cost.ShowOptions{Common: common(got), By: by})
			if err != nil {
				t.Fatal(err)
			}
			wj, _ := json.MarshalIndent(whole, "", " ")
			gj, _ := json.MarshalIndent(billed, "", " ")
			if d := cmp.Diff(string(wj), string(gj)); d != "" {
				t.Errorf("(-whole scan +billed resources)\n%s", d)
			}
		})
	}
}

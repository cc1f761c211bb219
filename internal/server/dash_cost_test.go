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
			ManagedBy: inventory.ManagedBy{Kind: "service", Ref: "arn:aws:autoscaling:ap-northeast-1:111111111111:autoScalingGroup:x:autoScalingGroupName/api-prod-asg"},
			Attrs:     inventory.AttrsOf(map[string]any{"instance_type": "m5.large"})},
		{ARN: "arn:aws:s3:::search-stg-logs", ID: "search-stg-logs", Account: acct, Region: "ap-northeast-1", Type: "AWS::S3::Bucket", Name: "search-stg-logs"},
		{ARN: "arn:aws:rds:ap-northeast-1:111111111111:db:db-1", ID: "db-1", Account: acct, Region: "ap-northeast-1", Type: "AWS::RDS::DBInstance",
			Creator: &inventory.Creator{Principal: "arn:aws:iam::111111111111:user/tanaka", Via: "console"}},
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

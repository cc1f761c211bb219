package policy

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/inventory"
)

// demoPolicies maps each problem key of the demo estate to the built-in
// policy that must find it. Several keys may share a policy.
var demoPolicies = map[string]string{
	"name-breaks-rule":          "naming-rule",
	"name-tag-missing":          "naming-no-name-tag",
	"tag-missing-required":      "tagging-missing",
	"tag-env-invalid":           "tagging-invalid-value",
	"alb-no-targets":            "lb-no-targets",
	"alb-targets-stopped":       "lb-targets-down",
	"alb-targets-unhealthy":     "lb-targets-down",
	"ebs-unattached":            "ebs-unattached",
	"eip-unassociated":          "eip-unassociated",
	"ec2-stopped-long":          "ec2-stopped-long",
	"rds-idle":                  "rds-idle",
	"rds-stopped-long":          "rds-stopped-long",
	"ebs-snapshot-old":          "snapshot-old",
	"rds-snapshot-old":          "snapshot-old",
	"logs-no-retention":         "logs-no-retention",
	"logs-huge":                 "logs-large",
	"nat-idle":                  "nat-idle",
	"ebs-gp2":                   "ebs-gp2",
	"ec2-previous-generation":   "ec2-previous-generation",
	"s3-no-public-access-block": "s3-public-access-block",
	"s3-public-policy":          "s3-public-policy",
	"s3-public-acl":             "s3-public-acl",
	"s3-no-encryption":          "s3-no-encryption",
	"rds-unencrypted":           "rds-unencrypted",
	"rds-public":                "rds-public",
	"db-in-public-subnet":       "db-public-subnet",
	"sg-open-ssh":               "sg-open-admin",
	"sg-open-rdp":               "sg-open-admin",
	"sg-open-db":                "sg-open-database",
	"guardduty-disabled":        "guardduty-disabled",
	"securityhub-disabled":      "securityhub-disabled",
	"inspector-disabled":        "inspector-disabled",
	"cloudtrail-disabled":       "cloudtrail-disabled",
	"config-disabled":           "config-disabled",
	"lb-no-access-logs":         "lb-no-access-logs",
	"iam-user-console-no-mfa":   "iam-user-no-mfa",
	"iam-access-key-old":        "iam-access-key-old",
	"root-no-mfa":               "root-no-mfa",
	"cloudfront-no-waf":         "cloudfront-no-waf",
}

// demoExtras are findings of a policy on demo resources that no problem
// key lists, each checked by hand to be right.
var demoExtras = map[string][]string{
	// The security baseline's FSBP controls judge what the demo estate
	// holds for other reasons: its web servers have public addresses, its
	// dev and stg databases run in one zone, two buckets and a
	// distribution log nothing.
	"ec2-public-ip": {
		"arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0697419226cc17ffa",
		"arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0dc4d736d5499dd17",
	},
	"rds-single-az": {
		"arn:aws:rds:ap-northeast-1:111111111111:db:api-dev-db",
		"arn:aws:rds:ap-northeast-1:111111111111:db:api-qa2-db",
		"arn:aws:rds:ap-northeast-1:111111111111:db:auth-dev-db",
		"arn:aws:rds:ap-northeast-1:111111111111:db:shop-dev-reporting",
		"arn:aws:rds:ap-northeast-1:222222222222:db:api-stg-db",
		"arn:aws:rds:ap-northeast-1:222222222222:db:auth-stg-db",
		"arn:aws:rds:ap-northeast-1:222222222222:db:auth-stg-db-old",
	},
	"s3-no-access-logging":  {"arn:aws:s3:::marketing-campaign-2023", "arn:aws:s3:::shop-prod-static-old"},
	"s3-no-lifecycle":       {"arn:aws:s3:::marketing-campaign-2023", "arn:aws:s3:::shop-prod-static-old"},
	"cloudfront-no-logging": {"arn:aws:cloudfront::222222222222:distribution/E787FE59D2A083"},
	// The bucket whose ACL is public grants through an ACL as well.
	"s3-acl-in-use": {"arn:aws:s3:::marketing-campaign-2023"},
	// dev hears no RDS events; prod and stg hear them all.
	"rds-no-cluster-event-subscription":         {devHome},
	"rds-no-instance-event-subscription":        {devHome},
	"rds-no-parameter-group-event-subscription": {devHome},
	"rds-no-security-group-event-subscription":  {devHome},
	// Buckets without Block Public Access do not refuse plain HTTP either;
	// the unlogged ones notify nobody.
	"s3-no-tls-policy":          {"arn:aws:s3:::marketing-campaign-2023", "arn:aws:s3:::shop-prod-static-old", "arn:aws:s3:::shop-stg-assets-222222222222"},
	"s3-no-event-notifications": {"arn:aws:s3:::marketing-campaign-2023", "arn:aws:s3:::shop-prod-static-old"},
	// dev's VPCs keep no flow logs.
	"vpc-no-flow-logs": {
		"arn:aws:ec2:ap-northeast-1:111111111111:vpc/vpc-0fe54267d618628c5",
		"arn:aws:ec2:us-east-1:111111111111:vpc/vpc-037639a8e4296dcce",
	},
	// Regions without Security Hub never got the EBS default either.
	"ebs-default-encryption-off": {
		"arn:aws:steward:ap-northeast-1:222222222222:account-region/ap-northeast-1",
		"arn:aws:steward:us-east-1:111111111111:account-region/us-east-1",
		"arn:aws:steward:us-east-1:222222222222:account-region/us-east-1",
	},
	// Only prod has a password policy and a hardware key on its root user.
	"iam-weak-password-policy": {devRoot, stgRoot},
	"iam-password-short":       {devRoot, stgRoot},
	"iam-password-reuse":       {devRoot, stgRoot},
	"root-no-hardware-mfa":     {devRoot, stgRoot},
	// kobayashi last signed in 200 days ago.
	"iam-credentials-unused":    {"arn:aws:iam::111111111111:user/kobayashi"},
	"iam-credentials-unused-45": {"arn:aws:iam::111111111111:user/kobayashi"},
	// The deploy user of each account holds its permissions directly.
	"iam-user-direct-policies": {
		"arn:aws:iam::111111111111:user/ci-deploy",
		"arn:aws:iam::222222222222:user/ci-deploy",
		"arn:aws:iam::333333333333:user/ci-deploy",
	},
}

const (
	devHome = "arn:aws:steward:ap-northeast-1:111111111111:account-region/ap-northeast-1"
	devRoot = "arn:aws:iam::111111111111:root"
	stgRoot = "arn:aws:iam::222222222222:root"
)

// TestDemoEstate evaluates the built-in packs over the demo estate with the
// demo's configuration: each policy must find exactly the ARNs its problem
// keys list, plus the extras checked above.
func TestDemoEstate(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	col, err := demo.New(now).Collect(context.Background(), inventory.NoProgress{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(ps, Options{
		Now: now, Naming: cfg.NamingRule(), Required: cfg.Tags.Required, Pricer: ListPrices{},
	})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(context.Background(), col.Resources)
	if err != nil {
		t.Fatal(err)
	}
	byARN := map[string]*inventory.Resource{}
	for i := range col.Resources {
		byARN[col.Resources[i].ARN] = &col.Resources[i]
	}
	got := map[string][]string{}
	for _, f := range fs {
		got[f.Policy] = append(got[f.Policy], f.ARN)
		if f.Category == "waste" || f.Category == "idle" {
			// Where the price table knows the resource, its waste is priced.
			if usd, ok := (ListPrices{}).Estimate(byARN[f.ARN]); ok && usd > 0 && f.MonthlyWaste <= 0 && f.Policy != "ec2-stopped-long" {
				t.Errorf("%s on %s: no waste estimate though it costs %.2f USD/month", f.Policy, f.ARN, usd)
			}
		}
	}
	want := map[string][]string{}
	for key, arns := range demo.Problems {
		id, ok := demoPolicies[key]
		if !ok {
			t.Errorf("demo problem %q has no policy", key)
			continue
		}
		want[id] = append(want[id], arns...)
	}
	for id, extra := range demoExtras {
		want[id] = append(want[id], extra...)
	}
	for id := range want {
		slices.Sort(want[id])
		want[id] = slices.Compact(want[id])
	}
	for id := range got {
		slices.Sort(got[id])
	}
	for _, p := range e.Policies() {
		if diff := cmp.Diff(want[p.ID], got[p.ID]); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", p.ID, diff)
		}
	}
}

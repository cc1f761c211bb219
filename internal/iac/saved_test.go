package iac

import (
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

func TestTally(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	res := func(arn, account, kind, ref string) inventory.Resource {
		return inventory.Resource{ARN: arn, Account: account, Type: "AWS::S3::Bucket", Tags: inventory.TagsOf(map[string]string{"system": "shop"}),
			Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: kind, Ref: ref, Source: "s3://states/a.tfstate"}}, Created: now.AddDate(0, 0, -10)}
	}
	rs := []inventory.Resource{
		res("a", "111", KindTerraform, "aws_s3_bucket.a"),
		res("b", "111", KindCloudFormation, "stack/b"),
		res("c", "222", KindNone, ""),
		res("d", "222", KindService, "a"),       // counts as its parent
		res("e", "222", KindService, "default"), // the default VPC and its kin
		{ARN: "f", Account: "222", Type: "AWS::::Account", Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: KindNone}}},
	}
	got, ok := Tally(rs, now)
	if !ok {
		t.Fatal("Tally reports no coverage for a scan whose resources carry managed-by")
	}
	if got.Total.Managed != 2 || got.Total.Unmanaged != 1 || got.Total.Percent != 66.7 {
		t.Errorf("total = %+v, want 2 managed, 1 unmanaged, 66.7%%", got.Total)
	}
	if len(got.ByAccount) != 2 || got.ByAccount[0].Key != "111" || got.ByAccount[0].Percent != 100 || got.ByAccount[1].Percent != 0 {
		t.Errorf("by account = %+v", got.ByAccount)
	}
	if len(got.Attributed) != 1 || got.Excluded != 1 {
		t.Errorf("attributed %d, excluded %d; want 1 and 1", len(got.Attributed), got.Excluded)
	}
	if len(got.Unmanaged) != 1 || got.Unmanaged[0].ARN != "c" || got.Unmanaged[0].AgeDays != 10 || got.Unmanaged[0].System != "shop" {
		t.Errorf("unmanaged = %+v", got.Unmanaged)
	}
	if got.Managed[0].Address != "aws_s3_bucket.a" {
		t.Errorf("managed address = %q", got.Managed[0].Address)
	}

	if _, ok := Tally([]inventory.Resource{{ARN: "x", Type: "AWS::S3::Bucket"}}, now); ok {
		t.Error("Tally reports coverage for a scan that read no IaC source")
	}
}

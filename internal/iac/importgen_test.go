package iac

import (
	"regexp"
	"strings"
	"testing"
)

// Imports are grouped by account; each block goes through the provider
// of its account and region, whose block is shown once above its first use.
func TestWriteImportsByAccount(t *testing.T) {
	es := []Entry{
		{ARN: "arn:aws:ec2:us-east-1:222222222222:volume/vol-b", Type: "AWS::EC2::Volume", Account: "222222222222", Region: "us-east-1", ID: "vol-b"},
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-a", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1", ID: "vol-a"},
		{ARN: "arn:aws:ec2:us-east-1:111111111111:volume/vol-c", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "us-east-1", ID: "vol-c"},
		{ARN: "arn:aws:ec2:us-east-1:111111111111:volume/vol-d", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "us-east-1", ID: "vol-d"},
		{ARN: "arn:aws:x:us-east-1:222222222222:thing/t", Type: "AWS::X::Thing", Account: "222222222222", Region: "us-east-1"},
	}
	var b strings.Builder
	n, err := WriteImports(&b, es, ImportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n != 4 {
		t.Errorf("wrote %d blocks, want 4", n)
	}
	if !strings.HasPrefix(out, "# Import blocks for resources") || !strings.Contains(out, "terraform plan -generate-config-out=generated.tf") {
		t.Errorf("no usage comment at the top:\n%s", out)
	}
	a1, a2 := strings.Index(out, "# ---- account 111111111111 ----"), strings.Index(out, "# ---- account 222222222222 ----")
	if a1 < 0 || a2 < a1 || strings.Count(out, "# ---- account") != 2 {
		t.Errorf("want one section per account, 111111111111 first:\n%s", out)
	}
	declared := regexp.MustCompile(`#   alias  = "([^"]+)"`).FindAllStringSubmatch(out, -1)
	if len(declared) != 3 {
		t.Errorf("%d provider blocks, want 3 (one per account and region):\n%s", len(declared), out)
	}
	for _, use := range regexp.MustCompile(`provider = aws\.(\S+)`).FindAllStringSubmatchIndex(out, -1) {
		alias := out[use[2]:use[3]]
		if i := strings.Index(out, `alias  = "`+alias+`"`); i < 0 || i > use[0] {
			t.Errorf("provider %s used before (or without) its block", alias)
		}
	}
	if !strings.Contains(out, "provider = aws.a111111111111_us_east_1\n  to       = aws_ebs_volume.vol_d") {
		t.Errorf("vol-d not imported through its account and region's provider:\n%s", out)
	}
	if !strings.Contains(out, "arn:aws:x:us-east-1:222222222222:thing/t (AWS::X::Thing): no Terraform type known") {
		t.Errorf("unknown type dropped:\n%s", out)
	}
}

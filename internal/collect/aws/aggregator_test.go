package aws

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

func TestConfigAggregatorOption(t *testing.T) {
	tests := map[string]struct {
		name string
		want string // error substring; empty: valid
	}{
		"name":         {"org-all_1", ""},
		"unset":        {"", ""},
		"arn":          {"arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-abc", `config aggregator "arn:aws:config`},
		"space":        {"org all", "give the aggregator's name"},
		"quote breaks": {"x') OR ('1", "give the aggregator's name"},
		"too long":     {strings.Repeat("a", 257), "at most 256"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := (&Options{ConfigAggregator: tc.name}).Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want ok", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestSelectExpression(t *testing.T) {
	got := selectExpression([]string{"AWS::EC2::VPC", "AWS::EC2::Subnet"}, []string{"111111111111", "222222222222"})
	want := "SELECT *, configuration, supplementaryConfiguration, relationships, tags WHERE resourceType IN ('AWS::EC2::VPC', 'AWS::EC2::Subnet') AND accountId IN ('111111111111', '222222222222')"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("expression (-want +got):\n%s", diff)
	}
}

func TestKeepAndNameFromConfig(t *testing.T) {
	tests := map[string]struct {
		in       inventory.Resource
		keep     bool
		wantName string
	}{
		"automated db snapshot": {in: inventory.Resource{Type: "AWS::RDS::DBSnapshot", ID: "rds:a", Attrs: inventory.AttrsOf(map[string]any{"snapshot_type": "automated"})}, keep: false, wantName: "rds:a"},
		"manual db snapshot":    {in: inventory.Resource{Type: "AWS::RDS::DBSnapshot", ID: "m", Name: "x", Attrs: inventory.AttrsOf(map[string]any{"snapshot_type": "manual"})}, keep: true, wantName: "m"},
		"terminated instance":   {in: inventory.Resource{Type: "AWS::EC2::Instance", State: "terminated"}, keep: false},
		"deleted nat":           {in: inventory.Resource{Type: "AWS::EC2::NatGateway", State: "deleted"}, keep: false},
		"group named by tag":    {in: inventory.Resource{Type: "AWS::EC2::SecurityGroup", Name: "web", Tags: inventory.TagsOf(map[string]string{"Name": "web-prod"}), Attrs: inventory.AttrsOf(map[string]any{"group_name": "web"})}, keep: true, wantName: "web-prod"},
		"group without tag":     {in: inventory.Resource{Type: "AWS::EC2::SecurityGroup", Name: "", Attrs: inventory.AttrsOf(map[string]any{"group_name": "web"})}, keep: true, wantName: "web"},
		"vpc named only by tag": {in: inventory.Resource{Type: "AWS::EC2::VPC", Name: "vpc-1", ID: "vpc-1"}, keep: true, wantName: ""},
		"db by identifier":      {in: inventory.Resource{Type: "AWS::RDS::DBInstance", ID: "api-db", Name: "Api", Tags: inventory.TagsOf(map[string]string{"Name": "Api"})}, keep: true, wantName: "api-db"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := keepFromConfig(tc.in); got != tc.keep {
				t.Errorf("keepFromConfig = %t, want %t", got, tc.keep)
			}
			r := tc.in
			nameAsAPI(&r)
			if r.Name != tc.wantName {
				t.Errorf("name = %q, want %q", r.Name, tc.wantName)
			}
		})
	}
}

package awsconfig

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// selectResult is an advanced-query result as AWS Config returns it: the
// envelope in lower camel case, tags as a list of key and value.
const selectInstance = `{
  "resourceId": "i-0abc", "resourceType": "AWS::EC2::Instance", "accountId": "111111111111",
  "awsRegion": "ap-northeast-1", "arn": "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0abc",
  "resourceCreationTime": "2025-01-02T03:04:05.000Z", "configurationItemStatus": "OK",
  "tags": [{"key": "Name", "value": "api-1"}, {"key": "env", "value": "prod"}],
  "relationships": [{"resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-1", "relationshipName": "Is associated with SecurityGroup"}],
  "configuration": {"instanceType": "t3.micro", "launchTime": "2025-01-02T03:04:05.000Z", "state": {"name": "running"},
    "subnetId": "subnet-1", "vpcId": "vpc-1", "securityGroups": [{"groupId": "sg-1"}]}
}`

const selectSubnet = `{"resourceId": "subnet-1", "resourceType": "AWS::EC2::Subnet", "accountId": "111111111111",
  "awsRegion": "ap-northeast-1", "arn": "arn:aws:ec2:ap-northeast-1:111111111111:subnet/subnet-1",
  "configuration": {"subnetId": "subnet-1", "vpcId": "vpc-1", "cidrBlock": "10.0.0.0/24", "availabilityZone": "ap-northeast-1a", "defaultForAz": false, "state": "available"}}`

const selectRouteTable = `{"resourceId": "rtb-1", "resourceType": "AWS::EC2::RouteTable", "accountId": "111111111111",
  "awsRegion": "ap-northeast-1", "arn": "arn:aws:ec2:ap-northeast-1:111111111111:route-table/rtb-1",
  "configuration": {"vpcId": "vpc-1", "routes": [{"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-1", "state": "active"}],
    "associations": [{"main": false, "subnetId": "subnet-1"}]}}`

func TestMapItems(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := map[string]struct {
		items []string
		want  []inventory.Resource
	}{
		"instance from a select result": {
			items: []string{selectInstance},
			want: []inventory.Resource{{
				ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0abc", Account: "111111111111", Region: "ap-northeast-1",
				Type: "AWS::EC2::Instance", ID: "i-0abc", Name: "api-1", State: "running", Created: created,
				Tags: inventory.TagsOf(map[string]string{"Name": "api-1", "env": "prod"}),
				Attrs: inventory.AttrsOf(map[string]any{"instance_type": "t3.micro", "launch_time": "2025-01-02T03:04:05Z", "public_ip": "",
					"platform": "linux", "vpc_id": "vpc-1", "subnet_id": "subnet-1"}),
				Relations: []inventory.Relation{
					{Kind: inventory.RelUsesSG, Target: "arn:aws:ec2:ap-northeast-1:111111111111:security-group/sg-1"},
					{Kind: inventory.RelInSubnet, Target: "arn:aws:ec2:ap-northeast-1:111111111111:subnet/subnet-1"},
				},
			}},
		},
		"route table makes its subnet public and is no resource itself": {
			items: []string{selectRouteTable, selectSubnet},
			want: []inventory.Resource{{
				ARN: "arn:aws:ec2:ap-northeast-1:111111111111:subnet/subnet-1", Account: "111111111111", Region: "ap-northeast-1",
				Type: "AWS::EC2::Subnet", ID: "subnet-1", State: "available",
				Attrs: inventory.AttrsOf(map[string]any{"vpc_id": "vpc-1", "cidr": "10.0.0.0/24", "availability_zone": "ap-northeast-1a",
					"default_for_az": false, "public": true}),
				Relations: []inventory.Relation{{Kind: inventory.RelInVPC, Target: "arn:aws:ec2:ap-northeast-1:111111111111:vpc/vpc-1"}},
			}},
		},
		"no results": {items: nil, want: nil},
		"unknown types are skipped": {
			items: []string{`{"resourceType": "AWS::SQS::Queue", "resourceId": "q", "accountId": "111111111111", "awsRegion": "us-east-1"}`},
			want:  nil,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw := make([]json.RawMessage, len(tc.items))
			for i, s := range tc.items {
				raw[i] = json.RawMessage(s)
			}
			got, err := MapItems(raw)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("MapItems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapItemsErrors(t *testing.T) {
	tests := map[string]struct {
		items []string
		want  string
	}{
		"invalid JSON":     {[]string{selectSubnet, `{"resourceType": `}, "config query results: results[1]: invalid JSON"},
		"trailing data":    {[]string{`{"resourceType": "AWS::EC2::VPC"} {}`}, "results[0]: unexpected data after the JSON object"},
		"not an object":    {[]string{`[1]`}, "configurationItems[0]: expected an object, got a list"},
		"no resource type": {[]string{`{"resourceId": "x"}`}, "configurationItems[0].resourceType: required"},
		"wrong field kind": {[]string{`{"resourceType": "AWS::EC2::VPC", "accountId": "1", "arn": "arn:aws:ec2:us-east-1:1:vpc/v", "configuration": {"cidrBlock": 10}}`},
			"configurationItems[0].configuration.cidrBlock: expected a string, got a number"},
		"no account": {[]string{`{"resourceType": "AWS::EC2::VPC", "resourceId": "vpc-1", "awsRegion": "us-east-1"}`},
			"configurationItems[0].awsAccountId: required for AWS::EC2::VPC"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw := make([]json.RawMessage, len(tc.items))
			for i, s := range tc.items {
				raw[i] = json.RawMessage(s)
			}
			got, err := MapItems(raw)
			if err == nil {
				t.Fatalf("MapItems = %d resources, want an error containing %q", len(got), tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// FuzzMapItems feeds arbitrary JSON as select results: MapItems must fail
// cleanly or return resources that keep the inventory contract.
func FuzzMapItems(f *testing.F) {
	for _, s := range []string{selectInstance, selectSubnet, selectRouteTable, `{}`, `null`, `{"resourceType": "AWS::S3::Bucket"}`} {
		f.Add(s, selectSubnet)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		rs, err := MapItems([]json.RawMessage{json.RawMessage(a), json.RawMessage(b)})
		if err != nil {
			return
		}
		if err := checkContract(rs); err != nil {
			t.Fatal(err)
		}
	})
}

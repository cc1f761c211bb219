package iac

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

func TestClassifyVia(t *testing.T) {
	tests := map[string]struct {
		rec  string
		want string
	}{
		"console session":             {`{"sessionCredentialFromConsole": "true", "userAgent": "Mozilla/5.0"}`, ViaConsole},
		"console user agent":          {`{"userAgent": "console.amazonaws.com"}`, ViaConsole},
		"signin user agent":           {`{"userAgent": "signin.amazonaws.com"}`, ViaConsole},
		"cloudformation":              {`{"userAgent": "cloudformation.amazonaws.com", "userIdentity": {"invokedBy": "cloudformation.amazonaws.com"}}`, ViaCloudFormation},
		"cloudformation from console": {`{"sessionCredentialFromConsole": "true", "userIdentity": {"invokedBy": "cloudformation.amazonaws.com"}}`, ViaCloudFormation},
		"terraform":                   {`{"userAgent": "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 aws-sdk-go-v2/1.25.2"}`, ViaTerraform},
		"terraform provider only":     {`{"userAgent": "aws-sdk-go/1.44 (go1.21; linux; amd64) terraform-provider-aws/4.67.0"}`, ViaTerraform},
		"opentofu":                    {`{"userAgent": "OpenTofu/1.6.2 terraform-provider-aws/5.31.0"}`, ViaTerraform},
		"cli":                         {`{"userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1"}`, ViaCLI},
		"sdk":                         {`{"userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0"}`, ViaSDK},
		"go sdk":                      {`{"userAgent": "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22"}`, ViaSDK},
		"service":                     {`{"userAgent": "autoscaling.amazonaws.com", "userIdentity": {"type": "AWSService", "invokedBy": "autoscaling.amazonaws.com"}}`, ViaService},
		"unknown":                     {`{"userAgent": "curl/8.0"}`, ViaUnknown},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var r record
			if err := json.Unmarshal([]byte(tc.rec), &r); err != nil {
				t.Fatal(err)
			}
			if got := classifyVia(&r); got != tc.want {
				t.Errorf("via = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTrailLogsSetCreators(t *testing.T) {
	events, errs := LoadTrailLogs(context.Background(), []string{"testdata/trail"}, nil, 0)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(events) != 4 { // the failed RunInstances and the DescribeInstances are left out
		t.Errorf("events = %d, want 4", len(events))
	}
	rs := testEstate()
	recent := inventory.Resource{ARN: ec2ARN("volume/vol-0new"), Account: acct, Region: region, Type: "AWS::EC2::Volume", ID: "vol-0new", Created: testNow.AddDate(0, 0, -10)}
	old := inventory.Resource{ARN: ec2ARN("volume/vol-0old"), Account: acct, Region: region, Type: "AWS::EC2::Volume", ID: "vol-0old", Created: testNow.AddDate(-1, 0, 0)}
	rs = append(rs, recent, old)
	for i := range rs {
		rs[i].SetCreator(nil)
	}
	if n := SetCreators(rs, events, testNow, LookupWindow); n != 4 {
		t.Errorf("creators from events = %d, want 4", n)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := map[string]*inventory.Creator{
		"arn:aws:s3:::hand-made-bucket":        {Principal: "arn:aws:iam::111111111111:user/alice", UserAgent: "[Mozilla/5.0 (Macintosh)]", Via: ViaConsole, At: at("2025-05-20T10:00:00Z")},
		ec2ARN("instance/i-0aaa000000000000a"): {Principal: "arn:aws:sts::111111111111:assumed-role/ci/gha", UserAgent: "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.2", Via: ViaTerraform, At: at("2025-05-21T10:00:00Z")},
		ec2ARN("instance/i-0bbb000000000000a"): {Principal: "arn:aws:iam::111111111111:user/bob", UserAgent: "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64", Via: ViaCLI, At: at("2025-05-25T09:00:00Z")},
		ec2ARN("instance/i-0ccc000000000000a"): {Principal: "autoscaling.amazonaws.com", UserAgent: "autoscaling.amazonaws.com", Via: ViaService, At: at("2025-05-25T09:05:00Z")},
		// The subnet a RunInstances names was not made by it; its age is
		// unknown, so its creator is too.
		ec2ARN("subnet/subnet-0aaa000000000001"): {Via: ViaUnknown},
		ec2ARN("volume/vol-0old"):                {Via: ViaUnknown},
	}
	for _, r := range rs {
		w, ok := want[r.ARN]
		switch {
		case ok:
			if diff := cmp.Diff(w, r.Creator()); diff != "" {
				t.Errorf("%s creator (-want +got):\n%s", r.ARN, diff)
			}
		case r.ARN == recent.ARN && r.Creator() != nil:
			t.Errorf("%s: created 10 days ago with no event, creator = %+v, want none", r.ARN, r.Creator())
		}
	}
}

func TestParseTrailLogErrors(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"not JSON":       {"{\n\"Records\": [,]}", "t.json: line 2, column 13: invalid JSON"},
		"no Records":     {`{"events": []}`, `t.json: no "Records" list`},
		"records object": {`{"Records": {}}`, "t.json: line 1, column 14: field Records"},
		"bad gzip":       {"\x1f\x8bxx", "t.json: gunzip"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseTrailLog("t.json", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// fakeTrail serves LookupEvents from pages per event name.
type fakeTrail struct {
	pages map[string][][]cttypes.Event
	calls []string
}

func (f *fakeTrail) LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	name := aws.ToString(in.LookupAttributes[0].AttributeValue)
	page := 0
	if in.NextToken != nil {
		page, _ = strconv.Atoi(*in.NextToken)
	}
	f.calls = append(f.calls, name+"#"+strconv.Itoa(page))
	pages := f.pages[name]
	out := &cloudtrail.LookupEventsOutput{}
	if page < len(pages) {
		out.Events = pages[page]
	}
	if page+1 < len(pages) {
		out.NextToken = aws.String(strconv.Itoa(page + 1))
	}
	return out, nil
}

func TestLookupCreations(t *testing.T) {
	ev := func(name, id, ua string, at time.Time) cttypes.Event {
		raw := `{"eventName": "` + name + `", "eventTime": "` + at.Format(time.RFC3339) + `", "userAgent": "` + ua + `", "userIdentity": {"arn": "arn:aws:iam::111111111111:user/alice"}}`
		return cttypes.Event{EventName: aws.String(name), EventTime: aws.Time(at), CloudTrailEvent: aws.String(raw),
			Resources: []cttypes.Resource{{ResourceName: aws.String(id)}}}
	}
	day := testNow.AddDate(0, 0, -5)
	f := &fakeTrail{pages: map[string][][]cttypes.Event{
		"CreateBucket": {
			{ev("CreateBucket", "b1", "aws-cli/2.0", day)},
			{ev("CreateBucket", "b2", "console.amazonaws.com", day)},
			{ev("CreateBucket", "b3", "Terraform/1.7.0", day)},
		},
		"CreateVpc": {{ev("CreateVpc", "vpc-1", "aws-cli/2.0", day)}},
	}}
	names := CreationEventNames([]string{"AWS::S3::Bucket", "AWS::EC2::VPC"})
	if diff := cmp.Diff([]string{"CreateBucket", "CreateVpc"}, names); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}
	events, err := LookupCreations(context.Background(), f, names, testNow.Add(-LookupWindow), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"CreateBucket#0", "CreateBucket#1", "CreateBucket#2", "CreateVpc#0"}, f.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Name+" "+strings.Join(e.IDs, ",")+" "+e.Via)
	}
	want := []string{"CreateBucket b1 cli", "CreateBucket b2 console", "CreateBucket b3 terraform", "CreateVpc vpc-1 cli"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestSetCreatorsSameAccount: names repeat across accounts (log groups,
// functions); an event of one account never makes the creator of
// another account's resource.
func TestSetCreatorsSameAccount(t *testing.T) {
	made := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	rs := []inventory.Resource{
		{ARN: "arn:aws:logs:ap-northeast-1:111111111111:log-group:/app", ID: "/app", Account: "111111111111", Type: "AWS::Logs::LogGroup", Created: made},
		{ARN: "arn:aws:logs:ap-northeast-1:222222222222:log-group:/app", ID: "/app", Account: "222222222222", Type: "AWS::Logs::LogGroup", Created: made},
	}
	events := []Event{{Name: "CreateLogGroup", Time: made, Principal: "arn:aws:iam::111111111111:user/a", Via: ViaCLI, Account: "111111111111", IDs: []string{"/app"}}}
	if n := SetCreators(rs, events, made.AddDate(0, 0, 10), LookupWindow); n != 1 {
		t.Errorf("creators set = %d, want 1", n)
	}
	if rs[0].Creator() == nil || rs[0].Creator().Principal != "arn:aws:iam::111111111111:user/a" {
		t.Errorf("account 1's log group: creator %+v", rs[0].Creator())
	}
	if rs[1].Creator() != nil {
		t.Errorf("account 2's log group took account 1's event: %+v", rs[1].Creator())
	}
}

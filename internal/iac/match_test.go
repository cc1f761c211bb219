package iac

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

const (
	acct   = "111111111111"
	region = "ap-northeast-1"
)

var testNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func ec2ARN(res string) string { return "arn:aws:ec2:" + region + ":" + acct + ":" + res }

// testEstate is the account the states in testdata/states describe, with
// known managed, unmanaged, attributed and default resources.
func testEstate() []inventory.Resource {
	app := map[string]string{"system": "app", "env": "prod", "owner": "team-app"}
	r := func(typ, arn, id string, tags map[string]string, attrs map[string]any, rels ...inventory.Relation) inventory.Resource {
		return inventory.Resource{ARN: arn, Account: acct, Region: region, Type: typ, ID: id, Name: id, Tags: inventory.TagsOf(tags), Attrs: inventory.AttrsOf(attrs), Relations: rels}
	}
	att := func(target string) inventory.Relation {
		return inventory.Relation{Kind: inventory.RelAttachedTo, Target: target}
	}
	hand := r("AWS::S3::Bucket", "arn:aws:s3:::hand-made-bucket", "hand-made-bucket", app, nil)
	hand.Created = testNow.AddDate(0, 0, -200)
	hand.MonthlyCost = 12.5
	hand.SetCreator(&inventory.Creator{Principal: "arn:aws:iam::111111111111:user/alice", Via: "console"})
	return []inventory.Resource{
		{ARN: "arn:aws:iam::" + acct + ":root", Account: acct, Region: "global", Type: "AWS::::Account", ID: acct},
		r("AWS::EC2::Instance", ec2ARN("instance/i-0aaa000000000000a"), "i-0aaa000000000000a", app, nil),
		r("AWS::EC2::Instance", ec2ARN("instance/i-0aaa000000000000b"), "i-0aaa000000000000b", app, nil),
		r("AWS::EC2::Volume", ec2ARN("volume/vol-0aaa00000000000a1"), "vol-0aaa00000000000a1", nil, nil, att(ec2ARN("instance/i-0aaa000000000000a"))),
		r("AWS::EC2::Volume", ec2ARN("volume/vol-0aaa00000000000b1"), "vol-0aaa00000000000b1", nil, nil, att(ec2ARN("instance/i-0aaa000000000000b"))),
		r("AWS::RDS::DBInstance", "arn:aws:rds:"+region+":"+acct+":db:app-prod-db", "app-prod-db", nil, nil),
		r("AWS::EC2::SecurityGroup", ec2ARN("security-group/sg-0aaa0000000000001"), "sg-0aaa0000000000001", nil, map[string]any{"is_default": false}),
		r("AWS::EC2::NatGateway", ec2ARN("natgateway/nat-0aaa0000000000001"), "nat-0aaa0000000000001", nil, nil),
		r("AWS::S3::Bucket", "arn:aws:s3:::app-prod-logs", "app-prod-logs", nil, nil),
		r("AWS::ElasticLoadBalancingV2::LoadBalancer", "arn:aws:elasticloadbalancing:"+region+":"+acct+":loadbalancer/app/app-prod/0123456789abcdef", "app-prod", nil, nil),
		r("AWS::EC2::VPC", ec2ARN("vpc/vpc-0aaa0000000000001"), "vpc-0aaa0000000000001", nil, map[string]any{"is_default": false}),
		r("AWS::EC2::Subnet", ec2ARN("subnet/subnet-0aaa000000000001"), "subnet-0aaa000000000001", nil, map[string]any{"default_for_az": false}),
		r("AWS::EC2::Subnet", ec2ARN("subnet/subnet-0aaa000000000002"), "subnet-0aaa000000000002", nil, map[string]any{"default_for_az": false}),
		r("AWS::ECS::Cluster", "arn:aws:ecs:"+region+":"+acct+":cluster/app-prod", "app-prod", nil, nil),
		r("AWS::ECS::Service", "arn:aws:ecs:"+region+":"+acct+":service/app-prod/api-blue", "api-blue", nil, nil),
		hand,
		r("AWS::EC2::Instance", ec2ARN("instance/i-0bbb000000000000a"), "i-0bbb000000000000a", app, nil),
		r("AWS::EC2::VPC", ec2ARN("vpc/vpc-0def000000000001"), "vpc-0def000000000001", nil, map[string]any{"is_default": true}),
		r("AWS::EC2::SecurityGroup", ec2ARN("security-group/sg-0def000000000001"), "sg-0def000000000001", nil, map[string]any{"is_default": true}),
		r("AWS::EC2::Instance", ec2ARN("instance/i-0ccc000000000000a"), "i-0ccc000000000000a", nil, map[string]any{"asg_name": "app-asg"}),
		r("AWS::EC2::Volume", ec2ARN("volume/vol-0ccc00000000000a1"), "vol-0ccc00000000000a1", nil, nil, att(ec2ARN("instance/i-0ccc000000000000a"))),
	}
}

func testCoverage(failEC2 bool) []inventory.Coverage {
	var rows []inventory.Coverage
	for _, svc := range []string{"ec2", "rds", "s3", "elasticloadbalancingv2", "ecs"} {
		rows = append(rows, inventory.Coverage{Account: acct, Region: region, Service: svc, OK: !(failEC2 && svc == "ec2")})
	}
	return rows
}

func readStates(t testing.TB, files ...string) []*State {
	t.Helper()
	var out []*State
	for _, f := range files {
		p := filepath.Join("testdata", "states", f)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st, err := ParseState(f, data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

// summary is a Result reduced to what a person checks by hand.
type summary struct {
	Total                 Ratio
	BySystem              []Ratio
	Managed               map[string]string // ARN -> state address
	Unmanaged, Attributed []string
	Missing               map[string]string
	Duplicates            map[string][]Place
	Unchecked, Untracked  map[string]int
	Excluded, Ignored     int
}

func summarize(res *Result) summary {
	s := summary{Total: res.Total, BySystem: res.BySystem, Managed: map[string]string{}, Missing: map[string]string{},
		Duplicates: map[string][]Place{}, Unchecked: res.Unchecked, Untracked: res.Untracked, Excluded: res.Excluded, Ignored: res.Ignored}
	for _, e := range res.Managed {
		s.Managed[e.ARN] = e.StateFile + " " + e.Address
	}
	for _, e := range res.Unmanaged {
		s.Unmanaged = append(s.Unmanaged, e.ARN)
	}
	for _, e := range res.Attributed {
		s.Attributed = append(s.Attributed, e.ARN+" <- "+e.ManagedBy.Ref)
	}
	for _, e := range res.Missing {
		s.Missing[e.ARN] = e.StateFile + " " + e.Address
	}
	for _, d := range res.Duplicates {
		s.Duplicates[d.ARN] = d.Places
	}
	return s
}

func TestAttribute(t *testing.T) {
	allStates := []string{"app.tfstate", "sub/shared.tfstate", "legacy.tfstate", "show.json"}
	managed := map[string]string{
		ec2ARN("instance/i-0aaa000000000000a"):                   "app.tfstate aws_instance.web[0]",
		ec2ARN("instance/i-0aaa000000000000b"):                   "app.tfstate aws_instance.web[1]",
		ec2ARN("volume/vol-0aaa00000000000a1"):                   "app.tfstate aws_instance.web[0]",
		ec2ARN("volume/vol-0aaa00000000000b1"):                   "app.tfstate aws_instance.web[1]",
		"arn:aws:rds:" + region + ":" + acct + ":db:app-prod-db": "app.tfstate module.db.aws_db_instance.main",
		ec2ARN("security-group/sg-0aaa0000000000001"):            "app.tfstate aws_security_group.web",
		ec2ARN("natgateway/nat-0aaa0000000000001"):               "app.tfstate aws_nat_gateway.main",
		"arn:aws:s3:::app-prod-logs":                             `app.tfstate aws_s3_bucket.assets["logs"]`,
		"arn:aws:elasticloadbalancing:" + region + ":" + acct + ":loadbalancer/app/app-prod/0123456789abcdef": "app.tfstate aws_alb.public",
		ec2ARN("vpc/vpc-0aaa0000000000001"):                                 "sub/shared.tfstate aws_vpc.main",
		ec2ARN("subnet/subnet-0aaa000000000001"):                            "legacy.tfstate module.net.aws_subnet.private[0]",
		ec2ARN("subnet/subnet-0aaa000000000002"):                            "legacy.tfstate module.net.aws_subnet.private[1]",
		"arn:aws:ecs:" + region + ":" + acct + ":cluster/app-prod":          "show.json aws_ecs_cluster.main",
		"arn:aws:ecs:" + region + ":" + acct + ":service/app-prod/api-blue": `show.json module.svc.aws_ecs_service.api["blue"]`,
	}
	unmanaged := []string{ec2ARN("instance/i-0bbb000000000000a"), "arn:aws:s3:::hand-made-bucket"}
	attributed := []string{
		ec2ARN("instance/i-0ccc000000000000a") + " <- autoscaling:app-asg",
		ec2ARN("volume/vol-0ccc00000000000a1") + " <- " + ec2ARN("instance/i-0ccc000000000000a"),
	}
	missing := map[string]string{ec2ARN("instance/i-0dead00000000000d"): "app.tfstate aws_instance.gone"}
	dups := map[string][]Place{ec2ARN("security-group/sg-0aaa0000000000001"): {
		{"app.tfstate", "aws_security_group.web"}, {"sub/shared.tfstate", "aws_security_group.web_legacy"},
	}}
	unchecked := map[string]int{"aws_sqs_queue": 1, "aws_vpc": 1}
	untracked := map[string]int{"aws_launch_template": 1}
	ig, err := ParseIgnore(".driftignore", []byte("aws_s3_bucket.hand-*\n"))
	if err != nil {
		t.Fatal(err)
	}
	without := func(m map[string]string, k string) map[string]string {
		out := map[string]string{}
		for a, b := range m {
			if a != k {
				out[a] = b
			}
		}
		return out
	}
	tests := map[string]struct {
		states  []string
		opts    Options
		failEC2 bool
		want    summary
	}{
		"all states": {
			states: allStates,
			want: summary{
				// 14 managed / (14 + 2 unmanaged + 1 missing) = 82.35%
				Total: Ratio{Key: "total", Managed: 14, Unmanaged: 2, Missing: 1, Percent: 82.4},
				BySystem: []Ratio{
					{Key: "(none)", Managed: 12, Percent: 100},
					{Key: "app", Managed: 2, Unmanaged: 2, Missing: 1, Percent: 40},
				},
				Managed: managed, Unmanaged: unmanaged, Attributed: attributed, Missing: missing, Duplicates: dups,
				Unchecked: unchecked, Untracked: untracked, Excluded: 2,
			},
		},
		"ignore file and defaults counted": {
			states: allStates,
			opts:   Options{Ignore: ig, IncludeDefaults: true},
			want: summary{
				Total: Ratio{Key: "total", Managed: 14, Unmanaged: 3, Missing: 1, Percent: 77.8},
				BySystem: []Ratio{
					{Key: "(none)", Managed: 12, Unmanaged: 2, Percent: 85.7},
					{Key: "app", Managed: 2, Unmanaged: 1, Missing: 1, Percent: 50},
				},
				Managed:    managed,
				Unmanaged:  []string{ec2ARN("instance/i-0bbb000000000000a"), ec2ARN("security-group/sg-0def000000000001"), ec2ARN("vpc/vpc-0def000000000001")},
				Attributed: attributed, Missing: missing, Duplicates: dups,
				Unchecked: unchecked, Untracked: untracked, Ignored: 1,
			},
		},
		"ec2 not read: nothing of ec2 is called missing": {
			states:  allStates,
			failEC2: true,
			want: summary{
				Total: Ratio{Key: "total", Managed: 14, Unmanaged: 2, Percent: 87.5},
				BySystem: []Ratio{
					{Key: "(none)", Managed: 12, Percent: 100},
					{Key: "app", Managed: 2, Unmanaged: 2, Percent: 50},
				},
				Managed: managed, Unmanaged: unmanaged, Attributed: attributed, Missing: map[string]string{}, Duplicates: dups,
				Unchecked: map[string]int{"aws_sqs_queue": 1, "aws_vpc": 1, "aws_instance": 1}, Untracked: untracked, Excluded: 2,
			},
		},
		"one state: the security group is not a duplicate, the vpc is unmanaged": {
			states: []string{"app.tfstate"},
			want: summary{
				Total: Ratio{Key: "total", Managed: 9, Unmanaged: 7, Missing: 1, Percent: 52.9},
				BySystem: []Ratio{
					{Key: "(none)", Managed: 7, Unmanaged: 5, Percent: 58.3},
					{Key: "app", Managed: 2, Unmanaged: 2, Missing: 1, Percent: 40},
				},
				Managed: without(without(without(without(without(managed,
					ec2ARN("vpc/vpc-0aaa0000000000001")),
					ec2ARN("subnet/subnet-0aaa000000000001")),
					ec2ARN("subnet/subnet-0aaa000000000002")),
					"arn:aws:ecs:"+region+":"+acct+":cluster/app-prod"),
					"arn:aws:ecs:"+region+":"+acct+":service/app-prod/api-blue"),
				Unmanaged: []string{
					ec2ARN("instance/i-0bbb000000000000a"), ec2ARN("subnet/subnet-0aaa000000000001"), ec2ARN("subnet/subnet-0aaa000000000002"),
					ec2ARN("vpc/vpc-0aaa0000000000001"),
					"arn:aws:ecs:" + region + ":" + acct + ":cluster/app-prod", "arn:aws:ecs:" + region + ":" + acct + ":service/app-prod/api-blue",
					"arn:aws:s3:::hand-made-bucket",
				},
				Attributed: attributed, Missing: missing, Duplicates: map[string][]Place{},
				Unchecked: map[string]int{"aws_sqs_queue": 1}, Untracked: untracked, Excluded: 2,
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rs := testEstate()
			tc.opts.Now = testNow
			res := Attribute(Inputs{Resources: rs, Coverage: testCoverage(tc.failEC2), States: readStates(t, tc.states...)}, tc.opts)
			if diff := cmp.Diff(tc.want, summarize(res)); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			// ManagedBy is set on the resources themselves.
			for _, r := range rs {
				want, ok := tc.want.Managed[r.ARN]
				switch {
				case r.Type == "AWS::::Account":
					if r.ManagedBy() != (inventory.ManagedBy{}) {
						t.Errorf("%s: managed by %+v, want nothing", r.ARN, r.ManagedBy())
					}
				case ok:
					if got := r.ManagedBy().Source + " " + r.ManagedBy().Ref; got != want && got != want+".root_block_device" {
						t.Errorf("%s: managed by %q, want %q", r.ARN, got, want)
					}
				case r.ManagedBy().Kind == "":
					t.Errorf("%s: ManagedBy not set", r.ARN)
				}
			}
		})
	}
}

func TestAttributeStacks(t *testing.T) {
	rs := []inventory.Resource{
		{ARN: "arn:aws:s3:::cdk-assets", Account: acct, Region: region, Type: "AWS::S3::Bucket", ID: "cdk-assets"},
		{ARN: "arn:aws:sqs:" + region + ":" + acct + ":jobs", Account: acct, Region: region, Type: "AWS::SQS::Queue", ID: "jobs"},
		{ARN: ec2ARN("instance/i-0eb0000000000001"), Account: acct, Region: region, Type: "AWS::EC2::Instance", ID: "i-0eb0000000000001",
			Tags: inventory.TagsOf(map[string]string{tagStackName: "awseb-e-abc-stack", tagStackID: "arn:aws:cloudformation:ap-northeast-1:111111111111:stack/awseb-e-abc-stack/1", tagEBEnv: "web-prod"})},
		{ARN: ec2ARN("instance/i-0sam000000000001"), Account: acct, Region: region, Type: "AWS::EC2::Instance", ID: "i-0sam000000000001",
			Tags: inventory.TagsOf(map[string]string{tagStackName: "sam-app"})},
	}
	stacks := []Stack{{Name: "CdkStack", ID: "arn:aws:cloudformation:ap-northeast-1:111111111111:stack/CdkStack/1", Resources: []StackResource{
		{LogicalID: "Assets", PhysicalID: "cdk-assets", Type: "AWS::S3::Bucket"},
		{LogicalID: "Jobs", PhysicalID: "https://sqs.ap-northeast-1.amazonaws.com/111111111111/jobs", Type: "AWS::SQS::Queue"},
		{LogicalID: "Gone", PhysicalID: "gone-bucket", Type: "AWS::S3::Bucket"},
	}}}
	res := Attribute(Inputs{Resources: rs, Stacks: stacks}, Options{Now: testNow})
	want := []inventory.ManagedBy{
		{Kind: KindCloudFormation, Ref: "CdkStack", Source: stacks[0].ID},
		{Kind: KindCloudFormation, Ref: "CdkStack", Source: stacks[0].ID},
		{Kind: KindCloudFormation, Ref: "elasticbeanstalk:web-prod", Source: "arn:aws:cloudformation:ap-northeast-1:111111111111:stack/awseb-e-abc-stack/1"},
		{Kind: KindCloudFormation, Ref: "sam-app"},
	}
	var got []inventory.ManagedBy
	for _, r := range rs {
		got = append(got, r.ManagedBy())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("managed by (-want +got):\n%s", diff)
	}
	if res.Total.Percent != 100 || res.Total.Managed != 4 {
		t.Errorf("total = %+v, want 4 managed, 100%%", res.Total)
	}
}

func TestFindings(t *testing.T) {
	res := Attribute(Inputs{Resources: testEstate(), Coverage: testCoverage(false), States: readStates(t, "app.tfstate", "sub/shared.tfstate")}, Options{Now: testNow})
	type short struct {
		Policy, ARN string
		Severity    finding.Severity
		Category    finding.Category
	}
	var got []short
	for _, f := range Findings(res, i18n.EN) {
		got = append(got, short{f.Policy, f.ARN, f.Severity, f.Category})
	}
	var want []short
	for _, e := range res.Unmanaged {
		want = append(want, short{PolicyUnmanaged, e.ARN, finding.Low, finding.IaC})
	}
	want = append(want,
		short{PolicyDuplicate, ec2ARN("security-group/sg-0aaa0000000000001"), finding.High, finding.IaC},
		short{PolicyMissing, ec2ARN("instance/i-0dead00000000000d"), finding.Medium, finding.IaC},
	)
	if len(res.Unmanaged) != 6 {
		t.Fatalf("unmanaged = %d, want 6 (the hand-made bucket and instance, two legacy subnets, the ECS cluster and service)", len(res.Unmanaged))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	// With an unread state, unmanaged findings would be guesses: none.
	res.Gaps = []Gap{{Source: "s3://tf/prod.tfstate", Error: "access denied"}}
	for _, f := range Findings(res, i18n.EN) {
		if f.Policy == PolicyUnmanaged {
			t.Errorf("unmanaged finding %s with a state not read", f.ARN)
		}
	}
}

// An unmanaged finding names its creator when CloudTrail told who it was,
// even without the tool it was made with.
func TestFindingsNameCreator(t *testing.T) {
	tests := map[string]struct {
		creator *inventory.Creator
		want    string
	}{
		"both":          {&inventory.Creator{Principal: "alice", Via: "console"}, "(created by alice via console)"},
		"principal":     {&inventory.Creator{Principal: "ci-deployer"}, "(created by ci-deployer)"},
		"via":           {&inventory.Creator{Via: "console"}, "(created via console)"},
		"none":          {nil, "(creator unknown)"},
		"empty creator": {&inventory.Creator{}, "(creator unknown)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := &Result{Unmanaged: []Entry{{ARN: "arn:aws:s3:::b", Type: "AWS::S3::Bucket", Creator: tc.creator}}}
			fs := Findings(res, i18n.EN)
			if len(fs) != 1 || !strings.HasSuffix(fs[0].Message, tc.want) {
				t.Fatalf("findings = %+v, want a message ending %q", fs, tc.want)
			}
			if !strings.Contains(fs[0].Remediation, "`steward iac --import`") {
				t.Errorf("remediation names a command steward lacks: %s", fs[0].Remediation)
			}
		})
	}
}

// TestAttributeNotesDesiredCount: an ECS service gets the desired_count
// its state sets, which a schedule's stop warns about.
func TestAttributeNotesDesiredCount(t *testing.T) {
	rs := testEstate()
	Attribute(Inputs{Resources: rs, Coverage: testCoverage(false), States: readStates(t, "show.json")}, Options{Now: testNow})
	found := false
	for _, r := range rs {
		if r.Type != "AWS::ECS::Service" {
			continue
		}
		got, ok := r.Attrs.Get("iac_desired_count")
		if r.Name == "api-blue" || r.ID == "api-blue" {
			found = true
			if got != float64(2) {
				t.Errorf("%s: iac_desired_count = %v, want 2", r.ARN, got)
			}
		} else if ok {
			t.Errorf("%s is in no state but has iac_desired_count %v", r.ARN, got)
		}
	}
	if !found {
		t.Fatal("the test estate has no api-blue service")
	}
}

package aws

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/inventory"
)

func TestEventUnit(t *testing.T) {
	tests := map[string]struct {
		account, arn string
		unit         string
		ok           bool
	}{
		"instance":              {"111111111111", "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1", "111111111111/ap-northeast-1/ec2", true},
		"the ARN's account":     {"111111111111", "arn:aws:rds:us-east-1:222222222222:db:shop", "222222222222/us-east-1/rds", true},
		"ecs service":           {"111111111111", "arn:aws:ecs:ap-northeast-1:111111111111:service/prod/api", "111111111111/ap-northeast-1/ecs", true},
		"a region with a slash": {"111111111111", "arn:aws:ecs:a/b:111111111111:service/c/s", "", false},
		"no account":            {"", "arn:aws:rds:us-east-1::db:x", "", false},
		"a bucket is global":    {"111111111111", "arn:aws:s3:::shop-logs", "111111111111/global/s3", true},
		"lambda waits":          {"111111111111", "arn:aws:lambda:ap-northeast-1:111111111111:function:f", "", false},
		"not an ARN":            {"111111111111", "i-1", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			unit, ok, why := EventUnit(tc.account, tc.arn)
			if unit != tc.unit || ok != tc.ok {
				t.Errorf("EventUnit = %q, %v, want %q, %v", unit, ok, tc.unit, tc.ok)
			}
			if !ok && why == "" {
				t.Error("no reason given")
			}
		})
	}
}

func record(t *testing.T, rec unitRecord) []byte {
	t.Helper()
	b, err := json.Marshal(rec)
	must(t, err)
	return b
}

func TestRefresh(t *testing.T) {
	const acct, tokyo = "111111111111", "ap-northeast-1"
	arn := func(region, svc, res string) string { return "arn:aws:" + svc + ":" + region + ":" + acct + ":" + res }
	tg := inventory.Relation{Kind: inventory.RelTargetOf, Target: arn(tokyo, "elasticloadbalancing", "targetgroup/web/1")}
	sg := inventory.Relation{Kind: inventory.RelUsesSG, Target: arn(tokyo, "ec2", "security-group/sg-old")}
	res := func(region, typ, a string, state string, rels ...inventory.Relation) inventory.Resource {
		return inventory.Resource{ARN: a, Account: acct, Region: region, Type: typ, ID: a[strings.LastIndex(a, "/")+1:], State: state, Relations: rels}
	}
	i1 := arn(tokyo, "ec2", "instance/i-1")
	base := &inventory.Collection{
		Resources: []inventory.Resource{
			res(tokyo, "AWS::EC2::Instance", i1, "running", tg, sg),
			res(tokyo, "AWS::EC2::Volume", arn(tokyo, "ec2", "volume/vol-1"), "available"),
			res("us-east-1", "AWS::EC2::Instance", arn("us-east-1", "ec2", "instance/i-9"), "running"),
			res(tokyo, "AWS::RDS::DBInstance", arn(tokyo, "rds", "db:shop"), "available"),
			res("eu-west-1", "AWS::S3::Bucket", "arn:aws:s3:::logs/x", ""),
			{ARN: accountRegionARN("aws", acct, tokyo), Account: acct, Region: tokyo, Type: "Steward::Account::Region", ID: acct + "/" + tokyo, Attrs: inventory.AttrsOf(map[string]any{"guardduty": true, "ebs_default_encryption": false})},
		},
		Coverage: []inventory.Coverage{
			{Account: acct, Region: tokyo, Service: "ec2", OK: false, ErrorKind: "throttled"},
			{Account: acct, Region: tokyo, Service: "rds", OK: true, Resources: 1},
			{Account: acct, Region: "us-east-1", Service: "ec2", OK: true, Resources: 1},
			{Account: acct, Region: tokyo, Service: "cloudwatch", OK: false, ErrorKind: "error", Error: "bucket metrics"},
		},
	}
	newSG := inventory.Relation{Kind: inventory.RelUsesSG, Target: arn(tokyo, "ec2", "security-group/sg-new")}
	records := map[string][]byte{
		acct + "/" + tokyo + "/ec2": record(t, unitRecord{
			Coverage: inventory.Coverage{Account: acct, Region: tokyo, Service: "ec2", OK: true, Resources: 2},
			Resources: []inventory.Resource{
				res(tokyo, "AWS::EC2::Instance", i1, "stopped", newSG),
				res(tokyo, "AWS::EC2::Instance", arn(tokyo, "ec2", "instance/i-2"), "pending"),
			},
			Side:        []inventory.Coverage{{Account: acct, Region: tokyo, Service: "cloudwatch", OK: true}},
			RegionAttrs: map[string]any{"ebs_default_encryption": true},
			APICalls:    map[string]int{"ec2": 3},
		}),
	}
	got, err := (&Source{}).Refresh(base, records)
	must(t, err)
	byARN := map[string]inventory.Resource{}
	var arns []string
	for _, r := range got.Resources {
		byARN[r.ARN] = r
		arns = append(arns, r.ARN)
	}
	want := []string{"arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1", "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-2",
		"arn:aws:ec2:us-east-1:111111111111:instance/i-9", "arn:aws:rds:ap-northeast-1:111111111111:db:shop", "arn:aws:s3:::logs/x",
		accountRegionARN("aws", acct, tokyo)}
	if diff := cmp.Diff(want, arns); diff != "" {
		t.Errorf("resources (-want +got); vol-1, deleted since, must be gone:\n%s", diff)
	}
	if got := byARN[i1]; got.State != "stopped" || !cmp.Equal(got.Relations, []inventory.Relation{newSG, tg}) {
		t.Errorf("i-1 = %s %v, want stopped, its new security group and the target group the ELB unit said", got.State, got.Relations)
	}
	if a := byARN[accountRegionARN("aws", acct, tokyo)].Attrs; a.Value("ebs_default_encryption") != true || a.Value("guardduty") != true {
		t.Errorf("region attrs = %v: want the unit's replaced and the others kept", a)
	}
	if base.Resources[5].Attrs.Value("ebs_default_encryption") != false {
		t.Error("the base scan's resources were changed in place")
	}
	wantCov := []inventory.Coverage{
		{Account: acct, Region: tokyo, Service: "ec2", OK: true, Resources: 2},
		{Account: acct, Region: tokyo, Service: "rds", OK: true, Resources: 1},
		{Account: acct, Region: "us-east-1", Service: "ec2", OK: true, Resources: 1},
		// The S3 unit's metrics failed in the scan and were not read again.
		{Account: acct, Region: tokyo, Service: "cloudwatch", OK: false, ErrorKind: "error", Error: "bucket metrics"},
	}
	if diff := cmp.Diff(wantCov, got.Coverage); diff != "" {
		t.Errorf("coverage (-want +got):\n%s", diff)
	}
	if got.APICalls["ec2"] != 3 {
		t.Errorf("api calls = %v, want the refresh's own", got.APICalls)
	}

	// A bucket is read by the global unit, wherever it is.
	got, err = (&Source{}).Refresh(base, map[string][]byte{acct + "/global/s3": record(t, unitRecord{
		Coverage: inventory.Coverage{Account: acct, Region: "global", Service: "s3", OK: true}})})
	must(t, err)
	for _, r := range got.Resources {
		if r.Type == "AWS::S3::Bucket" {
			t.Errorf("bucket %s kept after a read of s3 that no longer has it", r.ARN)
		}
	}
	if n := len(got.Coverage); n != 5 {
		t.Errorf("coverage has %d rows, want base's 4 and the s3 row", n)
	}
}

func TestRefreshRefuses(t *testing.T) {
	base := &inventory.Collection{}
	tests := map[string]struct {
		records map[string][]byte
		want    string
	}{
		"a failed read": {map[string][]byte{"111111111111/ap-northeast-1/ec2": record(t, unitRecord{
			Coverage: inventory.Coverage{Service: "ec2", OK: false, Error: "access denied"}})}, "was not read (access denied)"},
		"a service not refreshed": {map[string][]byte{"111111111111/ap-northeast-1/lambda": record(t, unitRecord{})}, "reads only"},
		"a bad record":            {map[string][]byte{"111111111111/ap-northeast-1/ec2": []byte("{")}, "decode its record"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := (&Source{}).Refresh(base, tc.records)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestRefreshUnchangedEstate: reading any unit of a service read again on
// events, with nothing changed since the scan, and putting it into the
// scan gives the scan back: the unit owns exactly the resources it
// replaces, and the tags, names, edges and region attributes other units
// add are kept.
func TestRefreshUnchangedEstate(t *testing.T) {
	estate := testEstate(testNow, testAccounts, testRegions, 5)
	// A target group whose target is an instance: the ELB unit adds the
	// edge to the instance, which an EC2 unit read again must keep.
	i := slices.IndexFunc(estate, func(r inventory.Resource) bool { return r.Type == "AWS::EC2::Instance" })
	inst := estate[i]
	estate = append(estate, inventory.Resource{ARN: "arn:aws:elasticloadbalancing:" + inst.Region + ":" + inst.Account + ":targetgroup/web/1",
		Account: inst.Account, Region: inst.Region, Type: "AWS::ElasticLoadBalancingV2::TargetGroup", ID: "web", Name: "web",
		Attrs: inventory.AttrsOf(map[string]any{"target_type": "instance", "targets": []any{map[string]any{"id": inst.ID, "port": 80.0, "health": "healthy"}}})})
	fake := awsfake.New(estate, awsfake.Options{PageSize: 2, Now: testNow})
	defer fake.Close()
	awsEnv(t, testAccounts)
	ctx := context.Background()
	opts := testOptions(fake.URL, testAccounts)
	// The services read again, and those that add edges to their
	// resources.
	opts.Services = append(slices.Clone(opts.Services), "ecs", "rds", "elasticloadbalancingv2", "elasticloadbalancing", "autoscaling")
	src, err := New(ctx, opts, nil)
	must(t, err)
	whole, err := src.Collect(ctx, nil)
	must(t, err)
	edges := 0
	for _, r := range whole.Resources {
		for _, rel := range r.Relations {
			if r.Type == "AWS::EC2::Instance" && (rel.Kind == inventory.RelTargetOf || rel.Kind == inventory.RelMemberOf) {
				edges++
			}
		}
	}
	if edges == 0 {
		t.Error("the test estate has no instance a load balancer or group names: the edges carried over are not tested")
	}
	tried := map[string]int{}
	for _, name := range src.Units() {
		service := name[strings.LastIndex(name, "/")+1:]
		if !slices.Contains(refreshed, service) {
			continue
		}
		if !src.HasUnit(name) {
			t.Fatalf("HasUnit(%s) = false for a unit of the scan", name)
		}
		rec, row, err := src.CollectUnit(ctx, name)
		must(t, err)
		if !row.OK {
			t.Fatalf("unit %s: %+v", name, row)
		}
		got, err := src.Refresh(whole, map[string][]byte{name: rec})
		must(t, err)
		if diff := cmp.Diff(normalize(whole.Resources), normalize(got.Resources)); diff != "" {
			t.Errorf("unit %s read again, nothing changed: resources differ (-scan +refreshed):\n%s", name, diff)
		}
		if diff := cmp.Diff(whole.Coverage, got.Coverage); diff != "" {
			t.Errorf("unit %s read again, nothing changed: coverage differs (-scan +refreshed):\n%s", name, diff)
		}
		tried[service]++
	}
	for _, s := range refreshed {
		if tried[s] == 0 {
			t.Errorf("the test estate has no %s unit to read again", s)
		}
	}
	if unit, ok, _ := EventUnit(testAccounts[0], "arn:aws:ec2:mars-1:"+testAccounts[0]+":instance/i-1"); !ok || src.HasUnit(unit) {
		t.Errorf("a region not scanned: unit %q, HasUnit true", unit)
	}
}

package env

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/schedule"
)

var keys = Keys{Env: "env", System: "system"}

func res(arn, typ, name, envName, state string, attrs map[string]any) inventory.Resource {
	return inventory.Resource{ARN: arn, Account: "111111111111", Type: typ, Name: name, State: state, Attrs: inventory.AttrsOf(attrs),
		Tags: inventory.TagsOf(map[string]string{"env": envName, "system": "shop"}), Created: t0.Add(-30 * 24 * time.Hour)}
}

func TestBoard(t *testing.T) {
	rs := []inventory.Resource{
		res("i-1", "AWS::EC2::Instance", "shop-qa1-web-1", "qa1", "running", nil),
		res("svc-1", "AWS::ECS::Service", "api-qa1-app", "qa1", "active", map[string]any{"desired_count": 1.0}),
		res("i-2", "AWS::EC2::Instance", "shop-qa2-web-1", "qa2", "running", nil),
		res("db-2", "AWS::RDS::DBInstance", "api-qa2-db", "qa2", "stopped", nil),
		res("i-3", "AWS::EC2::Instance", "shop-qa3-web-1", "qa3", "stopped", nil),
		res("b-3", "AWS::S3::Bucket", "shop-qa3-assets", "qa3", "", nil),
		res("b-4", "AWS::S3::Bucket", "shop-qa4-assets", "qa4", "", nil),
		res("m-1", "AWS::RDS::DBInstance", "shop-qa1-db-1", "qa1", "available", map[string]any{"cluster_id": "shop-qa1-db"}),
	}
	live := map[string]Lease{"qa2": {ID: "qa2@x", Environment: "qa2", Holder: "alice", Start: t0.Add(-time.Hour), Until: t0.Add(3 * time.Hour), Purpose: "PR #7", Via: ViaClaim}}
	deps := []delivery.Deployment{
		{ID: "d1", Service: "api", Environment: "qa1", Finished: t0.Add(-2 * time.Hour), Result: delivery.Success, CommitSHA: "abc1234"},
		{ID: "d2", Service: "shop", Environment: "qa1", Finished: t0.Add(-time.Hour), Result: delivery.Failure, CommitSHA: "def5678"},
	}
	defs := Definitions(nil, []string{"qa1", "qa2", "qa3", "qa4", "qa5"}, rs, keys)
	rows := Board(BoardInput{Definitions: defs, Resources: rs, Keys: keys, Live: live, Deployments: deps, Policy: DefaultPolicy(), Now: t0})
	type brief struct {
		Name, State     string
		Resources, On   int
		Holder, LastDep string
	}
	var got []brief
	for _, r := range rows {
		b := brief{Name: r.Name, State: r.State, Resources: r.Resources, On: r.Running}
		if r.Lease != nil {
			b.Holder = r.Lease.Holder
		}
		if r.LastDeploy != nil {
			b.LastDep = r.LastDeploy.ID
		}
		got = append(got, b)
	}
	want := []brief{
		{"qa1", Running, 3, 2, "", "d2"}, // the Aurora member counts as a resource, not as power: its cluster does
		{"qa2", Partly, 2, 1, "alice", ""},
		{"qa3", Stopped, 2, 0, "", ""},
		{"qa4", Static, 1, 0, "", ""},
		{"qa5", Empty, 0, 0, "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("board (-want +got):\n%s", diff)
	}
}

func TestDefinitions(t *testing.T) {
	rs := []inventory.Resource{res("a", "AWS::S3::Bucket", "x", "qa10", "", nil), res("b", "AWS::S3::Bucket", "y", "qa2", "", nil), res("c", "AWS::S3::Bucket", "z", "prod", "", nil)}
	var names []string
	for _, d := range Definitions([]Definition{{Name: "shop-stg", Tags: map[string]string{"env": "stg"}}}, nil, rs, keys) {
		names = append(names, d.Name)
	}
	if diff := cmp.Diff([]string{"prod", "qa2", "qa10", "shop-stg"}, names); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	d := Definition{Name: "legacy", Tags: map[string]string{"env": "stg"}, Systems: []string{"shop"}, Resources: []string{"z"}}
	var members []string
	for _, r := range d.Members(append(rs, res("s", "AWS::S3::Bucket", "s", "stg", "", nil)), keys) {
		members = append(members, r.ARN)
	}
	if diff := cmp.Diff([]string{"c", "s"}, members); diff != "" {
		t.Errorf("members by name and by tags (-want +got):\n%s", diff)
	}
}

// TestHolds: a lease holds an environment on; an unleased environment
// with idle_stop_after is stopped once idle that long since its last
// lease or deploy, and not before.
func TestHolds(t *testing.T) {
	rs := []inventory.Resource{
		res("i-1", "AWS::EC2::Instance", "shop-qa1-web-1", "qa1", "running", nil),
		res("i-2", "AWS::EC2::Instance", "shop-qa2-web-1", "qa2", "running", nil),
		res("b-2", "AWS::S3::Bucket", "shop-qa2-assets", "qa2", "", nil),
		res("i-3", "AWS::EC2::Instance", "shop-qa3-web-1", "qa3", "running", nil),
	}
	defs := []Definition{{Name: "qa1", IdleStopAfter: 2 * time.Hour}, {Name: "qa2", IdleStopAfter: 2 * time.Hour}, {Name: "qa3", IdleStopAfter: 2 * time.Hour}}
	live := map[string]Lease{"qa1": {Environment: "qa1", Holder: "alice", Start: t0.Add(-5 * time.Hour), Until: t0.Add(time.Hour)}}
	history := []Lease{
		{Environment: "qa2", Holder: "bob", Start: t0.Add(-10 * time.Hour), Until: t0.Add(-4 * time.Hour), Ended: t0.Add(-3 * time.Hour), EndReason: EndReleased},
	}
	deps := []delivery.Deployment{{Environment: "qa3", Finished: t0.Add(-90 * time.Minute)}}
	h := Holds(BoardInput{Definitions: defs, Resources: rs, Keys: keys, Live: live, History: history, Deployments: deps, Now: t0})
	if got := h["i-1"]; got.Status.State != schedule.On || !got.Status.Since.Equal(t0.Add(-5*time.Hour)) || got.Unscheduled {
		t.Errorf("leased qa1 hold = %+v, want on since the lease began, schedules only", got)
	}
	if got := h["i-2"]; got.Status.State != schedule.Off || !got.Status.Since.Equal(t0.Add(-time.Hour)) || !got.Unscheduled {
		t.Errorf("idle qa2 hold = %+v, want off since an hour ago (released 3h ago + 2h)", got)
	}
	if _, ok := h["b-2"]; ok {
		t.Error("a bucket was held: only what runs is")
	}
	if _, ok := h["i-3"]; ok {
		t.Error("qa3 deployed 90 minutes ago was stopped as idle")
	}
}

func TestDiff(t *testing.T) {
	db := func(envName, version string, enc bool, class string) inventory.Resource {
		r := res("arn:db:shop-"+envName+"-db", "AWS::RDS::DBInstance", "shop-"+envName+"-db", envName, "available",
			map[string]any{"engine": "postgres", "engine_version": version, "storage_encrypted": enc, "instance_class": class, "connections_max": 3.0})
		return r
	}
	bucket := func(envName, account string, pab bool) inventory.Resource {
		r := res("arn:s3:"+envName, "AWS::S3::Bucket", "shop-"+envName+"-assets-"+account, envName, "", map[string]any{"public_access_block": pab})
		r.Account = account
		return r
	}
	rs := []inventory.Resource{
		db("stg", "16.4", false, "db.t4g.small"), db("prod", "16.4", true, "db.m6g.large"),
		bucket("stg", "222222222222", false), bucket("prod", "333333333333", true),
		res("arn:lg:stg", "AWS::Logs::LogGroup", "/shop/stg/web", "stg", "", map[string]any{"retention_days": 30.0}),
		res("arn:lg:prod", "AWS::Logs::LogGroup", "/shop/prod/web", "prod", "", map[string]any{"retention_days": 30.0}),
		res("arn:alarm:prod", "AWS::CloudWatch::Alarm", "shop-prod-5xx", "prod", "", nil),
		res("arn:asg:prod", "AWS::AutoScaling::AutoScalingGroup", "shop-prod-web", "prod", "", nil),
		res("arn:snap:stg", "AWS::RDS::DBSnapshot", "shop-stg-db-daily", "stg", "", nil),
	}
	// An instance matched by its Terraform address despite its name.
	tfA := res("arn:i:stg", "AWS::EC2::Instance", "stg-bastion", "stg", "running", map[string]any{"instance_type": "t3.small"})
	tfA.SetManagedBy(inventory.ManagedBy{Kind: "terraform", Ref: "module.stg.aws_instance.bastion"})
	tfB := res("arn:i:prod", "AWS::EC2::Instance", "bastion-production", "prod", "running", map[string]any{"instance_type": "t3.small"})
	tfB.SetManagedBy(inventory.ManagedBy{Kind: "terraform", Ref: "module.prod.aws_instance.bastion"})
	rs = append(rs, tfA, tfB)
	o := DefaultDiffOptions()
	o.Keys = keys
	o.Naming = naming.MustCompile("{system}-{env}-{role}", "", nil)
	d := Diff(Definition{Name: "stg"}, Definition{Name: "prod"}, rs, o)
	if d.Matched != 4 {
		t.Errorf("matched = %d, want 4 (db, bucket across accounts, log group, bastion by IaC)", d.Matched)
	}
	var diffs []string
	for _, p := range d.Pairs {
		for _, x := range p.Differences {
			diffs = append(diffs, p.A+" "+x.Kind+" "+x.Attr+" "+x.A+" -> "+x.B)
		}
	}
	want := []string{
		"shop-stg-db drift storage_encrypted false -> true",
		"shop-stg-db parameter instance_class db.t4g.small -> db.m6g.large",
		"shop-stg-assets-222222222222 drift public_access_block false -> true",
	}
	if diff := cmp.Diff(want, diffs, sortStrings); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
	var onlyB []string
	for _, u := range d.OnlyB {
		onlyB = append(onlyB, u.Name+" "+map[bool]string{true: "drift", false: "-"}[u.Drift])
	}
	if diff := cmp.Diff([]string{"shop-prod-web -", "shop-prod-5xx drift"}, onlyB, sortStrings); diff != "" {
		t.Errorf("only in prod (-want +got):\n%s", diff)
	}
	if len(d.OnlyA) != 0 {
		t.Errorf("only in stg = %+v, want none (snapshots are ignored)", d.OnlyA)
	}
	if d.Drift != 3 || d.Parameters != 1 {
		t.Errorf("counts: drift %d parameters %d, want 3 and 1", d.Drift, d.Parameters)
	}
	// Scoped to a system with nothing: no differences at all.
	o.System = "search"
	if e := Diff(Definition{Name: "stg"}, Definition{Name: "prod"}, rs, o); e.Drift+e.Parameters+len(e.OnlyA)+len(e.OnlyB) != 0 {
		t.Errorf("--system search: %+v", e)
	}
}

var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

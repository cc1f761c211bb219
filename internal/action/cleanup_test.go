package action

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// Day 0 of the mark-then-delete tests: Sunday 6 December 2026.
var day0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func day(n int) time.Time { return day0.AddDate(0, 0, n) }

const lbARN = "arn:aws:elasticloadbalancing:" + region + ":" + acct + ":loadbalancer/app/old-alb/50dc6c495c0c9188"

// leftoverEstate seeds one resource of every type mark-then-delete acts
// on, each flagged by a policy, and returns the inventory and matches.
func leftoverEstate(c *cloud) ([]inventory.Resource, []Match) {
	l := c.left
	l.volumes["vol-1"] = &ec2types.Volume{VolumeId: sdkaws.String("vol-1"), State: ec2types.VolumeStateAvailable, AvailabilityZone: sdkaws.String(region + "a")}
	l.addresses["eipalloc-1"] = &ec2types.Address{AllocationId: sdkaws.String("eipalloc-1"), PublicIp: sdkaws.String("203.0.113.10")}
	l.snaps["snap-old"] = &ec2types.Snapshot{SnapshotId: sdkaws.String("snap-old"), State: ec2types.SnapshotStateCompleted}
	l.dbSnaps["old-manual"] = &rdstypes.DBSnapshot{DBSnapshotIdentifier: sdkaws.String("old-manual"), Status: sdkaws.String("available"),
		SnapshotType: sdkaws.String("manual"), DBSnapshotArn: sdkaws.String(arnOf("rds", "snapshot:old-manual"))}
	l.lbs[lbARN] = &elbv2types.LoadBalancer{LoadBalancerArn: sdkaws.String(lbARN), State: &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnumActive}}
	l.listeners[lbARN] = []string{lbARN + "/listener-80", lbARN + "/listener-443"}
	c.dbs["legacy-db"] = &rdstypes.DBInstance{DBInstanceIdentifier: sdkaws.String("legacy-db"), DBInstanceStatus: sdkaws.String("stopped")}

	rs := []inventory.Resource{
		// No Name tag: plans show the id.
		{ARN: arnOf("ec2", "volume/vol-1"), Type: TypeVolume, ID: "vol-1"},
		{ARN: arnOf("ec2", "elastic-ip/eipalloc-1"), Type: TypeEIP, ID: "eipalloc-1"},
		{ARN: "arn:aws:ec2:" + region + "::snapshot/snap-old", Type: TypeEBSSnapshot, Name: "snap-old"},
		{ARN: arnOf("rds", "snapshot:old-manual"), Type: TypeDBSnapshot, Name: "old-manual"},
		{ARN: lbARN, Type: TypeLoadBalancer, Name: "old-alb"},
		{ARN: arnOf("rds", "db:legacy-db"), Type: TypeDBInstance, Name: "legacy-db"},
	}
	ms := []Match{
		{ARN: rs[0].ARN, Policy: "ebs-unattached", Snapshot: true},
		{ARN: rs[1].ARN, Policy: "eip-unassociated"},
		{ARN: rs[2].ARN, Policy: "snapshot-old"},
		{ARN: rs[3].ARN, Policy: "snapshot-old"},
		{ARN: rs[4].ARN, Policy: "lb-no-targets"},
		{ARN: rs[5].ARN, Policy: "rds-stopped-long", Snapshot: true},
	}
	for i := range rs {
		rs[i].Account, rs[i].Region = acct, region
	}
	return rs, ms
}

func planCleanup(t *testing.T, e *Engine, rs []inventory.Resource, ms []Match, scanned, at time.Time) *Plan {
	t.Helper()
	p, err := e.PlanCleanup(context.Background(), CleanupInput{Resources: rs, Matches: ms, Scanned: scanned, At: at, Lang: i18n.EN})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writes are the mutating calls the fake saw, in order.
func writes(c *cloud) []string {
	var out []string
	for _, op := range c.calls {
		if !strings.Contains(op, ":Describe") {
			out = append(out, op)
		}
	}
	return out
}

// TestCleanupMarkGraceDelete: a flagged resource is marked, left alone
// through the grace days, not deleted on a scan older than its day, then
// deleted (snapshot first where the policy asks) in dependency order; the
// plans never mutate anything.
func TestCleanupMarkGraceDelete(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, st := newEngine(t, c)
	e.MaxChanges = 20

	c.readOnly = true
	marks := planCleanup(t, e, rs, ms, day0, day0)
	// Marks in ARN order.
	want := []string{"mark eipalloc-1", "mark vol-1", "mark snap-old", "mark old-alb", "mark legacy-db", "mark old-manual"}
	if d := cmp.Diff(want, summary(marks)); d != "" {
		t.Fatalf("first plan (-want +got):\n%s", d)
	}
	if len(c.writes) > 0 {
		t.Fatalf("planning made mutating calls: %v", c.writes)
	}
	if got := marks.Changes[1].After; got[MarkTag] != "delete@2026-12-13" || got[MarkedByTag] != "ebs-unattached" {
		t.Errorf("mark of vol-1: %v", got)
	}
	c.readOnly = false
	if _, err := e.Apply(ctx, marks); err != nil {
		t.Fatal(err)
	}
	if tags := ec2TagMap(c.left.volumes["vol-1"].Tags); tags[MarkTag] != "delete@2026-12-13" || tags[MarkedByTag] != "ebs-unattached" {
		t.Errorf("vol-1 tags after mark: %v", tags)
	}
	if c.left.lbTags[lbARN][MarkTag] != "delete@2026-12-13" {
		t.Errorf("load balancer tags after mark: %v", c.left.lbTags[lbARN])
	}

	c.calls, c.readOnly = nil, true
	// Within the grace days: nothing planned, every resource says when.
	wait := planCleanup(t, e, rs, ms, day(3), day(3))
	if len(wait.Changes) != 0 || !strings.Contains(skipped(wait)["vol-1"], "may be deleted from 2026-12-13 (4 day(s) left)") {
		t.Errorf("in the grace days: %v, vol-1 %q", summary(wait), skipped(wait)["vol-1"])
	}
	// Past the day, but the latest scan is from before it: it may no
	// longer match, so nothing is deleted.
	stale := planCleanup(t, e, rs, ms, day(5), day(8))
	if len(stale.Changes) != 0 || !strings.Contains(skipped(stale)["vol-1"], "scan again") {
		t.Errorf("on a stale scan: %v, vol-1 %q", summary(stale), skipped(stale)["vol-1"])
	}
	del := planCleanup(t, e, rs, ms, day(8), day(8))
	want = []string{"delete old-alb", "snapshot-then-delete legacy-db", "snapshot-then-delete vol-1", "delete eipalloc-1", "delete snap-old", "delete old-manual"}
	if d := cmp.Diff(want, summary(del)); d != "" {
		t.Fatalf("plan after the grace days (-want +got):\n%s", d)
	}
	if len(c.writes) > 0 || len(c.calls) == 0 {
		t.Fatalf("planning made mutating calls: %v (of %d calls)", c.writes, len(c.calls))
	}
	dbSnap := del.Changes[1].After["snapshot"]
	if !strings.HasPrefix(dbSnap, "steward-legacy-db-p") || strings.Contains(dbSnap, "--") {
		t.Errorf("the database's snapshot name %q", dbSnap)
	}

	// The snapshots take three looks to complete: the deletes wait.
	c.readOnly, c.calls, c.left.snapLag = false, nil, 3
	if _, err := e.Apply(ctx, del); err != nil {
		t.Fatal(err)
	}
	wantWrites := []string{
		"elasticloadbalancing:DeleteListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:DeleteLoadBalancer",
		"rds:CreateDBSnapshot", "rds:DeleteDBInstance",
		"ec2:CreateSnapshot", "ec2:DeleteVolume",
		"ec2:ReleaseAddress", "ec2:DeleteSnapshot", "rds:DeleteDBSnapshot",
	}
	if d := cmp.Diff(wantWrites, writes(c)); d != "" {
		t.Errorf("calls of the deletes (-want +got):\n%s", d)
	}
	// Each delete after a snapshot came after the describe that found it complete.
	for _, pair := range [][2]string{{"rds:DescribeDBSnapshots", "rds:DeleteDBInstance"}, {"ec2:DescribeSnapshots", "ec2:DeleteVolume"}} {
		n, del := 0, slices.Index(c.calls, pair[1])
		for _, op := range c.calls[:del] {
			if op == pair[0] {
				n++
			}
		}
		if n < 4 {
			t.Errorf("%s after %d looks at the snapshot, want 4 (3 pending, then complete)", pair[1], n)
		}
	}
	if len(c.left.volumes)+len(c.left.addresses)+len(c.left.lbs) != 0 || c.dbs["legacy-db"] != nil || c.left.snaps["snap-old"] != nil || c.left.dbSnaps["old-manual"] != nil {
		t.Errorf("left after the deletes: volumes %v, addresses %v, lbs %v", c.left.volumes, c.left.addresses, c.left.lbs)
	}
	var volSnap string
	for id, s := range c.left.snaps {
		if ec2TagMap(s.Tags)[SnapshotOfTag] == del.Changes[2].ID {
			volSnap = id
		}
	}
	if volSnap == "" || c.left.dbSnaps[dbSnap] == nil || *c.left.dbSnaps[dbSnap].Status != "available" {
		t.Fatalf("the snapshots taken before the deletes: volume's %q, database's %v", volSnap, c.left.dbSnaps[dbSnap])
	}

	// The journal keeps the snapshot; undo says a delete cannot be undone
	// and how to restore.
	en, err := st.JournalEntry(ctx, del.Changes[2].ID)
	if err != nil || en.Status != store.JournalDone || en.Previous["snapshot"] != volSnap {
		t.Fatalf("journal of the volume's delete: %+v, %v", en, err)
	}
	_, err = e.Undo(ctx, del.Changes[2].ID)
	if !errors.Is(err, ErrNotReversible) || !strings.Contains(err.Error(), "aws ec2 create-volume --snapshot-id "+volSnap+" --availability-zone "+region+"a") {
		t.Errorf("undo of the volume's delete: %v", err)
	}
	_, err = e.Undo(ctx, del.Changes[1].ID)
	if !errors.Is(err, ErrNotReversible) || !strings.Contains(err.Error(), "--db-snapshot-identifier "+dbSnap+" --db-instance-identifier legacy-db") {
		t.Errorf("undo of the database's delete: %v", err)
	}
	if _, err = e.Undo(ctx, del.Changes[3].ID); !errors.Is(err, ErrNotReversible) || !strings.Contains(err.Error(), "no snapshot was taken") {
		t.Errorf("undo of the address's release: %v", err)
	}
}

// TestCleanupJapanese: why a change is planned, and why a resource is
// left alone, read in the run's language.
func TestCleanupJapanese(t *testing.T) {
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, _ := newEngine(t, c)
	p, err := e.PlanCleanup(context.Background(), CleanupInput{Resources: rs, Matches: ms, Scanned: day0, At: day0, GraceDays: 14, Lang: i18n.JA})
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Changes[1].Why; w != "ebs-unattached に該当: 2026-12-20 に削除予定としてマーク（猶予 14日）" {
		t.Errorf("why in Japanese: %q", w)
	}
}

// TestCleanupUnmark: a marked resource the scan no longer flags loses its
// mark; undo puts it back.
func TestCleanupUnmark(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, _ := newEngine(t, c)
	if _, err := e.Apply(ctx, planCleanup(t, e, rs, ms, day0, day0)); err != nil {
		t.Fatal(err)
	}
	// The volume was attached again; the next scan has it tagged but flags it no more.
	rs[0].Tags = inventory.TagsOf(map[string]string{MarkTag: "delete@2026-12-13"})
	c.readOnly = true
	p := planCleanup(t, e, rs, ms[1:], day(2), day(2))
	c.readOnly = false
	if d := cmp.Diff([]string{"unmark vol-1"}, summary(p)); d != "" {
		t.Fatalf("plan (-want +got):\n%s", d)
	}
	if !strings.Contains(p.Changes[0].Why, "no longer flagged") || p.Changes[0].Before[MarkTag] != "delete@2026-12-13" {
		t.Errorf("unmark change: %+v", p.Changes[0])
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	if tags := ec2TagMap(c.left.volumes["vol-1"].Tags); len(tags) != 0 {
		t.Errorf("vol-1 tags after unmark: %v", tags)
	}
	// Put back although the volume is attached now: it is its tags.
	c.left.volumes["vol-1"].Attachments = []ec2types.VolumeAttachment{{InstanceId: sdkaws.String("i-9")}}
	if _, err := e.Undo(ctx, p.Changes[0].ID); err != nil {
		t.Fatal(err)
	}
	if tags := ec2TagMap(c.left.volumes["vol-1"].Tags); tags[MarkTag] != "delete@2026-12-13" || tags[MarkedByTag] != "ebs-unattached" {
		t.Errorf("vol-1 tags after undoing the unmark: %v", tags)
	}
}

// TestCleanupSnapshotFails: a snapshot that ends in error stops the
// delete; the journal says failed and names the snapshot.
func TestCleanupSnapshotFails(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, st := newEngine(t, c)
	if _, err := e.Apply(ctx, planCleanup(t, e, rs, ms, day0, day0)); err != nil {
		t.Fatal(err)
	}
	p := planCleanup(t, e, rs[:1], ms[:1], day(8), day(8))
	c.left.snapFail = true
	if _, err := e.Apply(ctx, p); err == nil {
		t.Fatal("apply with a failed snapshot: no error")
	}
	if c.left.volumes["vol-1"] == nil {
		t.Fatal("the volume was deleted although its snapshot failed")
	}
	en, err := st.JournalEntry(ctx, p.Changes[0].ID)
	if err != nil || en.Status != store.JournalFailed || en.Previous["snapshot"] == "" || !strings.Contains(en.Error, "the volume was not deleted") {
		t.Errorf("journal: %+v, %v", en, err)
	}
}

// TestCleanupGuards: exclusions and the cap hold for mark-then-delete as
// for schedules, in the plan and again at apply; so does a mark removed
// by hand between the plan and the apply.
func TestCleanupGuards(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, _ := newEngine(t, c)
	if _, err := e.Apply(ctx, planCleanup(t, e, rs, ms, day0, day0)); err != nil {
		t.Fatal(err)
	}
	made := planCleanup(t, e, rs, ms, day(8), day(8))

	e.Exclude = Exclusions{Patterns: []string{"tag:team=data*"}}
	c.left.addresses["eipalloc-1"].Tags = append(c.left.addresses["eipalloc-1"].Tags, ec2types.Tag{Key: sdkaws.String("team"), Value: sdkaws.String("database")})
	p := planCleanup(t, e, rs, ms, day(8), day(8))
	if slices.Contains(summary(p), "delete eipalloc-1") || !strings.HasPrefix(skipped(p)["eipalloc-1"], "excluded") {
		t.Errorf("excluded address: %v, %q", summary(p), skipped(p)["eipalloc-1"])
	}
	if _, err := e.Apply(ctx, made); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "excluded") {
		t.Errorf("apply of a plan made before the exclusion: %v", err)
	}
	e.Exclude = Exclusions{}

	// Someone removed the mark of the volume after the plan: refused.
	c.left.volumes["vol-1"].Tags = nil
	if _, err := e.Apply(ctx, made); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "tag:"+MarkTag+": delete@2026-12-13 -> (none)") {
		t.Errorf("apply after the mark was removed: %v", err)
	}
	e.MaxChanges = 3
	if _, err := e.Apply(ctx, planCleanup(t, e, rs, ms, day(8), day(8))); !errors.Is(err, ErrTooMany) {
		t.Errorf("over the cap: %v", err)
	}
	if c.left.volumes["vol-1"] == nil || c.left.addresses["eipalloc-1"] == nil || len(c.left.lbs) != 1 {
		t.Error("a refused plan deleted something")
	}
}

// TestCleanupSkips: what may not be marked or deleted is left alone with
// its reason.
func TestCleanupSkips(t *testing.T) {
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, _ := newEngine(t, c)
	c.left.volumes["vol-1"].Attachments = []ec2types.VolumeAttachment{{InstanceId: sdkaws.String("i-9")}}
	c.left.protected[lbARN] = true
	c.left.addresses["eipalloc-1"].Tags = []ec2types.Tag{{Key: sdkaws.String(MarkTag), Value: sdkaws.String("soon")}}
	rs = append(rs, inventory.Resource{ARN: arnOf("ec2", "natgateway/nat-1"), Type: "AWS::EC2::NatGateway", Name: "nat-1", Account: acct, Region: region})
	ms = append(ms, Match{ARN: arnOf("ec2", "natgateway/nat-1"), Policy: "nat-idle"}, Match{ARN: rs[1].ARN, Policy: "x", Snapshot: true})
	p := planCleanup(t, e, rs, ms, day0, day0)
	sk := skipped(p)
	for name, want := range map[string]string{
		"vol-1":      "attached to i-9",
		"old-alb":    "deletion protection is on",
		"eipalloc-1": `steward:marked-for="soon": want delete@YYYY-MM-DD: fix or remove the tag`,
		"nat-1":      "cannot mark or delete a AWS::EC2::NatGateway",
	} {
		if !strings.Contains(sk[name], want) {
			t.Errorf("%s skipped for %q, want %q", name, sk[name], want)
		}
	}
	if d := cmp.Diff([]string{"mark snap-old", "mark legacy-db", "mark old-manual"}, summary(p)); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	// A scan that could not read RDS in the account and region: its
	// findings there do not delete anything; EC2's still do.
	c.left.protected[lbARN] = false
	c.left.volumes["vol-1"].Attachments = nil
	c.left.addresses["eipalloc-1"].Tags = nil
	if _, err := e.Apply(context.Background(), planCleanup(t, e, rs[:6], ms[:6], day0, day0)); err != nil {
		t.Fatal(err)
	}
	cov := []inventory.Coverage{{Account: acct, Region: region, Service: "ec2", OK: true},
		{Account: acct, Region: region, Service: "rds", ErrorKind: "throttled", Error: "Throttling: rate exceeded"}}
	p, err := e.PlanCleanup(context.Background(), CleanupInput{Resources: rs[:6], Matches: ms[:6], Scanned: day(8), Coverage: cov, At: day(8), Lang: i18n.EN})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"delete old-alb", "snapshot-then-delete vol-1", "delete eipalloc-1", "delete snap-old"}, summary(p)); d != "" {
		t.Errorf("plan with RDS unread (-want +got):\n%s", d)
	}
	if s := skipped(p)["old-manual"]; !strings.Contains(s, "could not read rds in "+acct+" "+region+" (Throttling: rate exceeded)") {
		t.Errorf("old-manual: %q", s)
	}

	// A policy asking for a snapshot of a type steward cannot snapshot.
	c.left.addresses["eipalloc-1"].Tags = []ec2types.Tag{{Key: sdkaws.String(MarkTag), Value: sdkaws.String("delete@2026-12-07")}}
	p = planCleanup(t, e, rs, ms, day(2), day(2))
	if !strings.Contains(skipped(p)["eipalloc-1"], "asks for a snapshot first") {
		t.Errorf("eipalloc-1: %q", skipped(p)["eipalloc-1"])
	}
}

// TestCleanupPlanFile: cleanup changes survive the plan file, and a verb
// a type cannot take is refused.
func TestCleanupPlanFile(t *testing.T) {
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, _ := newEngine(t, c)
	p := planCleanup(t, e, rs, ms, day0, day0)
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlan(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if got.Changes[2].Type != TypeEBSSnapshot || got.Changes[2].Account() != acct {
		t.Errorf("the EBS snapshot's account: %q", got.Changes[2].Account())
	}
	got.Changes[0].Action = SnapshotDelete // the address
	if got.Changes[0].Type != TypeEIP {
		t.Fatalf("first change is a %s", got.Changes[0].Type)
	}
	if err := got.Validate(); err == nil || !strings.Contains(err.Error(), `action "snapshot-then-delete" is not one steward makes on AWS::EC2::EIP`) {
		t.Errorf("snapshot-then-delete of an address: %v", err)
	}
	got.Changes[0].Action = Stop
	if err := got.Validate(); err == nil || !strings.Contains(err.Error(), `action "stop" is not one steward makes on AWS::EC2::EIP`) {
		t.Errorf("stop of an address: %v", err)
	}
}

// TestIAMActionsCoverCleanup: every mutating call of a mark and a delete
// of every type is in iam-policy --actions.
func TestIAMActionsCoverCleanup(t *testing.T) {
	c := newCloud()
	rs, ms := leftoverEstate(c)
	e, _ := newEngine(t, c)
	ctx := context.Background()
	marks := planCleanup(t, e, rs, ms, day0, day0)
	if _, err := e.Apply(ctx, marks); err != nil {
		t.Fatal(err)
	}
	for _, ch := range marks.Changes { // unmarks
		if _, err := e.Undo(ctx, ch.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Apply(ctx, planCleanup(t, e, rs, ms, day0, day0)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(context.Background(), planCleanup(t, e, rs, ms, day(8), day(8))); err != nil {
		t.Fatal(err)
	}
	doc, err := IAMPolicy()
	if err != nil {
		t.Fatal(err)
	}
	ops := writes(c)
	for _, op := range ops {
		if !strings.Contains(string(doc), `"`+op+`"`) {
			t.Errorf("%s is called but not in iam-policy --actions", op)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ops)))) < 15 {
		t.Errorf("only %v seen: not every type was exercised", ops)
	}
}

func TestParseMark(t *testing.T) {
	for in, want := range map[string]string{
		"delete@2026-12-20":   "2026-12-20",
		" delete@2026-01-02 ": "2026-01-02",
		"delete@2026-13-01":   "error",
		"delete@":             "error",
		"stop@2026-12-20":     "error",
		"":                    "error",
	} {
		got, err := ParseMark(in)
		s := "error"
		if err == nil {
			s = got.Format(time.DateOnly)
		}
		if s != want {
			t.Errorf("ParseMark(%q) = %s, %v; want %s", in, s, err, want)
		}
	}
	if got := markValue(time.Date(2026, 12, 13, 23, 30, 0, 0, tokyo), 7); got != "delete@2026-12-20" {
		t.Errorf("markValue = %s (the UTC day of 23:30 in Tokyo is the 13th)", got)
	}
}

// TestAccountlessARN: an EBS snapshot's ARN has no account; it is reached
// through the one account configured for its region, and refused when
// there are several.
func TestAccountlessARN(t *testing.T) {
	a := &AWSTargets{}
	a.Add(acct, region, sdkaws.Config{})
	if _, err := a.Target("", region, TypeEBSSnapshot); err != nil {
		t.Errorf("one account: %v", err)
	}
	if _, err := a.Target("", "us-east-1", TypeEBSSnapshot); !errors.Is(err, ErrNoTarget) {
		t.Errorf("a region with no account: %v", err)
	}
	a.Add("222222222222", region, sdkaws.Config{})
	if _, err := a.Target("", region, TypeEBSSnapshot); !errors.Is(err, ErrNoTarget) {
		t.Errorf("two accounts: %v", err)
	}
}

// TestClassicLoadBalancer: a classic load balancer is marked, then its
// instances are detached and its listeners deleted before it is; the
// calls are all in iam-policy --actions.
func TestClassicLoadBalancer(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	arn := arnOf("elasticloadbalancing", "loadbalancer/legacy-clb")
	c.left.classic["legacy-clb"] = &elbtypes.LoadBalancerDescription{LoadBalancerName: sdkaws.String("legacy-clb"),
		Instances:            []elbtypes.Instance{{InstanceId: sdkaws.String("i-stopped")}},
		ListenerDescriptions: []elbtypes.ListenerDescription{{Listener: &elbtypes.Listener{LoadBalancerPort: 80}}, {Listener: &elbtypes.Listener{LoadBalancerPort: 443}}}}
	rs := []inventory.Resource{{ARN: arn, Type: TypeClassicLoadBalancer, Name: "legacy-clb", Account: acct, Region: region}}
	ms := []Match{{ARN: arn, Policy: "lb-targets-down"}}
	e, _ := newEngine(t, c)
	c.readOnly = true
	marks := planCleanup(t, e, rs, ms, day0, day0)
	c.readOnly = false
	if _, err := e.Apply(ctx, marks); err != nil {
		t.Fatal(err)
	}
	if c.left.classicTags["legacy-clb"][MarkTag] != "delete@2026-12-13" {
		t.Fatalf("tags after the mark: %v", c.left.classicTags["legacy-clb"])
	}
	c.readOnly = true
	del := planCleanup(t, e, rs, ms, day(7), day(7))
	c.readOnly = false
	if d := cmp.Diff([]string{"delete legacy-clb"}, summary(del)); d != "" || len(c.writes) > 0 {
		t.Fatalf("delete plan (-want +got):\n%s\nwrites while planning: %v", d, c.writes)
	}
	c.calls = nil
	if _, err := e.Apply(ctx, del); err != nil {
		t.Fatal(err)
	}
	want := []string{"elasticloadbalancing:DeregisterInstancesFromLoadBalancer", "elasticloadbalancing:DeleteLoadBalancerListeners", "elasticloadbalancing:DeleteLoadBalancer"}
	if d := cmp.Diff(want, writes(c)); d != "" || c.left.classic["legacy-clb"] != nil {
		t.Errorf("delete calls (-want +got):\n%s", d)
	}
	doc, err := IAMPolicy()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range append(want, "elasticloadbalancing:AddTags") {
		if !strings.Contains(string(doc), `"`+op+`"`) {
			t.Errorf("%s is called but not in iam-policy --actions", op)
		}
	}
}

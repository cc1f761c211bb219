package action

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

// Thursday 2026-11-19: 20:30 is after office hours; Friday 09:30 inside.
var (
	evening = time.Date(2026, 11, 19, 20, 30, 0, 0, tokyo)
	morning = time.Date(2026, 11, 20, 9, 30, 0, 0, tokyo)
)

const sched = "steward:schedule"

func arnOf(svc, res string) string { return "arn:aws:" + svc + ":" + region + ":" + acct + ":" + res }

// estate seeds one of every target type, all following office-hours,
// plus resources that must be skipped, and returns the inventory.
func estate(c *cloud) []inventory.Resource {
	on := map[string]string{sched: "office-hours"}
	var rs []inventory.Resource
	add := func(typ, arn, name string, tags map[string]string) {
		rs = append(rs, inventory.Resource{ARN: arn, Account: acct, Region: region, Type: typ, ID: name, Name: name, Tags: inventory.TagsOf(tags)})
	}
	add(TypeECSService, c.addService("dev", "web", 2, on), "web", on)
	c.scaling["service/dev/web"] = &aastypes.ScalableTarget{ResourceId: sdkaws.String("service/dev/web"), MinCapacity: sdkaws.Int32(1), MaxCapacity: sdkaws.Int32(4),
		SuspendedState: &aastypes.SuspendedState{DynamicScalingInSuspended: sdkaws.Bool(false), DynamicScalingOutSuspended: sdkaws.Bool(false), ScheduledScalingSuspended: sdkaws.Bool(false)}}
	deploying := c.addService("dev", "api", 1, on)
	c.services["dev/api"].Deployments = append(c.services["dev/api"].Deployments, c.services["dev/api"].Deployments[0])
	add(TypeECSService, deploying, "api", on)

	c.dbs["dev-db"] = &rdstypes.DBInstance{DBInstanceIdentifier: sdkaws.String("dev-db"), DBInstanceStatus: sdkaws.String("available")}
	add(TypeDBInstance, arnOf("rds", "db:dev-db"), "dev-db", on)
	c.dbs["dev-db-ro"] = &rdstypes.DBInstance{DBInstanceIdentifier: sdkaws.String("dev-db-ro"), DBInstanceStatus: sdkaws.String("available"), ReadReplicaSourceDBInstanceIdentifier: sdkaws.String("dev-db")}
	add(TypeDBInstance, arnOf("rds", "db:dev-db-ro"), "dev-db-ro", on)
	c.clusters["dev-aurora"] = &rdstypes.DBCluster{DBClusterIdentifier: sdkaws.String("dev-aurora"), Status: sdkaws.String("available")}
	add(TypeDBCluster, arnOf("rds", "cluster:dev-aurora"), "dev-aurora", on)

	c.vms["i-1"] = &ec2types.Instance{InstanceId: sdkaws.String("i-1"), State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning}}
	add(TypeInstance, arnOf("ec2", "instance/i-1"), "bastion", on)
	c.vms["i-2"] = &ec2types.Instance{InstanceId: sdkaws.String("i-2"), State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning},
		Tags: []ec2types.Tag{{Key: sdkaws.String(asgTag), Value: sdkaws.String("dev-asg")}}}
	add(TypeInstance, arnOf("ec2", "instance/i-2"), "worker-1", on)
	c.groups["dev-asg"] = &astypes.AutoScalingGroup{AutoScalingGroupName: sdkaws.String("dev-asg"), MinSize: sdkaws.Int32(1), DesiredCapacity: sdkaws.Int32(2), MaxSize: sdkaws.Int32(3)}
	add(TypeASG, arnOf("autoscaling", "autoScalingGroup:0f-1:autoScalingGroupName/dev-asg"), "dev-asg", on)
	add(TypeEventsRule, c.addRule("dev-nightly", on), "dev-nightly", on)
	return rs
}

func resolver(t *testing.T) *schedule.Resolver {
	t.Helper()
	s, err := schedule.Compile(schedule.Spec{Name: "office-hours", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "Asia/Tokyo", Holidays: "jp"})
	if err != nil {
		t.Fatal(err)
	}
	return &schedule.Resolver{Named: []*schedule.Schedule{s}}
}

func newEngine(t *testing.T, c *cloud) (*Engine, store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.EmptySQLite(t, t.TempDir(), "s.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := time.Date(2026, 11, 19, 11, 30, 0, 0, time.UTC)
	return &Engine{Targets: c, Journal: st, Now: func() time.Time { clock = clock.Add(time.Second); return clock }, Actor: "test"}, st
}

func plan(t *testing.T, e *Engine, rs []inventory.Resource, at time.Time) *Plan {
	t.Helper()
	p, err := e.PlanSchedules(context.Background(), ScheduleInput{Resources: rs, Resolver: resolver(t), EnvKey: "env", SystemKey: "system", At: at})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func summary(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Name)
	}
	return out
}

func skipped(p *Plan) map[string]string {
	out := map[string]string{}
	for _, s := range p.Skipped {
		out[s.Name] = s.Reason
	}
	return out
}

// TestPlanNeverMutates is the dry-run proof: planning every target type,
// stop and start, against a cloud that fails on any call but a read.
func TestPlanNeverMutates(t *testing.T) {
	c := newCloud()
	rs := estate(c)
	e, _ := newEngine(t, c)
	c.readOnly = true
	stop := plan(t, e, rs, evening)
	if d := cmp.Diff([]string{"stop web", "stop dev-asg", "stop bastion", "stop dev-nightly", "stop dev-db", "stop dev-aurora"}, summary(stop)); d != "" {
		t.Errorf("evening plan (-want +got):\n%s", d)
	}
	// Every type is planned to start too, from a stopped estate.
	c.readOnly = false
	if _, err := e.Apply(context.Background(), stop); err != nil {
		t.Fatal(err)
	}
	if got := c.rules["dev-nightly"].State; got != ebtypes.RuleStateDisabled {
		t.Errorf("the scheduled task's rule is %s after the stop, want DISABLED", got)
	}
	c.calls, c.readOnly = nil, true
	start := plan(t, e, rs, morning)
	if d := cmp.Diff([]string{"start dev-aurora", "start dev-db", "start dev-nightly", "start bastion", "start dev-asg", "start web"}, summary(start)); d != "" {
		t.Errorf("morning plan (-want +got):\n%s", d)
	}
	if len(c.writes) > 0 || hasWrite(c.calls) {
		t.Errorf("planning made mutating calls: %v", c.writes)
	}
	if len(c.calls) == 0 {
		t.Error("planning made no calls at all: the proof proves nothing")
	}
	sk := skipped(stop)
	for name, want := range map[string]string{"dev-db-ro": "read replica", "worker-1": "Auto Scaling group dev-asg", "api": "deployment is in progress"} {
		if !strings.Contains(sk[name], want) {
			t.Errorf("%s skipped for %q, want %q", name, sk[name], want)
		}
	}
	if !strings.Contains(skipped(start)["api"], "already on") {
		t.Errorf("api skipped for %q in the morning, want already on", skipped(start)["api"])
	}
}

func TestECSStopStart(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	e, st := newEngine(t, c)
	p := plan(t, e, rs, evening)
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	svc := c.services["dev/web"]
	tg := c.scaling["service/dev/web"]
	saved, _ := c.serviceTag("dev", "web", SavedTag)
	if svc.DesiredCount != 0 || *tg.MinCapacity != 0 || !*tg.SuspendedState.DynamicScalingOutSuspended || saved != "desired=2 max=4 min=1 suspended=false/false/false" {
		t.Fatalf("after stop: desired %d, min %d, suspended %+v, saved %q", svc.DesiredCount, *tg.MinCapacity, *tg.SuspendedState, saved)
	}
	// The order of calls: save, neutralise autoscaling, then desired 0.
	var writes []string
	for _, op := range c.calls {
		if strings.HasPrefix(op, "ecs:") && !strings.Contains(op, "Describe") || strings.Contains(op, "Register") {
			writes = append(writes, op)
		}
	}
	if d := cmp.Diff([]string{"ecs:TagResource", "application-autoscaling:RegisterScalableTarget", "ecs:UpdateService"}, writes); d != "" {
		t.Errorf("stop call order (-want +got):\n%s", d)
	}

	// A second stop (a run 30 minutes later, or applied by hand) changes
	// nothing: desired stays 0 and the saved values are not overwritten.
	again := plan(t, e, rs, evening.Add(30*time.Minute))
	if len(again.Changes) != 0 {
		t.Errorf("second run plans %v", summary(again))
	}
	if _, err := (&ECSService{ECS: c, Scaling: c}).Apply(ctx, Ref{ARN: *svc.ServiceArn, Type: TypeECSService}, Stop); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.serviceTag("dev", "web", SavedTag); s != saved {
		t.Errorf("a second stop rewrote the saved values: %q, was %q", s, saved)
	}

	c.lag = 3 // tasks take three looks to start
	p = plan(t, e, rs, morning)
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	if svc.DesiredCount != 2 || svc.RunningCount != 2 || *tg.MinCapacity != 1 || *tg.MaxCapacity != 4 || *tg.SuspendedState.DynamicScalingOutSuspended {
		t.Errorf("after start: desired %d running %d min %d max %d suspended %+v", svc.DesiredCount, svc.RunningCount, *tg.MinCapacity, *tg.MaxCapacity, *tg.SuspendedState)
	}
	if _, ok := c.serviceTag("dev", "web", SavedTag); ok {
		t.Error("the saved tag is still there after a start")
	}
	es, err := st.JournalEntries(ctx, store.JournalFilter{ARN: *svc.ServiceArn})
	if err != nil || len(es) != 2 || es[0].Action != "start" || es[1].Previous["desired"] != "2" || es[0].Status != store.JournalDone {
		t.Errorf("journal of web: %+v, %v", es, err)
	}
}

func TestECSStartTimesOut(t *testing.T) {
	c := newCloud()
	estate(c)
	svc := c.services["dev/web"]
	if _, err := (&ECSService{ECS: c, Scaling: c}).Apply(context.Background(), Ref{ARN: *svc.ServiceArn, Type: TypeECSService}, Stop); err != nil {
		t.Fatal(err)
	}
	c.lag = 1000
	slept := 0
	tgt := &ECSService{ECS: c, Scaling: c, Wait: Wait{Interval: time.Second, Timeout: 5 * time.Second, Sleep: func(context.Context, time.Duration) error { slept++; return nil }}}
	_, err := tgt.Apply(context.Background(), Ref{ARN: *svc.ServiceArn, Type: TypeECSService}, Start)
	if err == nil || !strings.Contains(err.Error(), "running 0 of 2") || slept != 5 {
		t.Errorf("start that never settles: %v after %d waits", err, slept)
	}
}

func TestApplyRefusesChangedPlan(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	e, st := newEngine(t, c)
	p := plan(t, e, rs, evening)
	c.services["dev/web"].DesiredCount = 3 // someone scaled it after the plan
	_, err := e.Apply(ctx, p)
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "desired: 2 -> 3") {
		t.Fatalf("apply of a stale plan: %v", err)
	}
	if es, _ := st.JournalEntries(ctx, store.JournalFilter{}); len(es) != 0 || c.dbs["dev-db"].DBInstanceStatus == nil || *c.dbs["dev-db"].DBInstanceStatus != "available" {
		t.Errorf("a refused plan changed something: journal %v", es)
	}
}

// TestExclusions: a protected or excluded resource is left out of the
// plan, and a plan made before it was protected is refused.
func TestExclusions(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		exclude []string
		protect bool
	}{
		"tag":       {protect: true},
		"arn glob":  {exclude: []string{"arn:aws:rds:*:db:dev-*"}},
		"name glob": {exclude: []string{"dev-d?"}},
		"tag match": {exclude: []string{"tag:team=data*"}},
	} {
		t.Run(name, func(t *testing.T) {
			c := newCloud()
			rs := estate(c)
			e, _ := newEngine(t, c)
			c.dbs["dev-db"].TagList = []rdstypes.Tag{{Key: sdkaws.String("team"), Value: sdkaws.String("database")}}
			made := plan(t, e, rs, evening) // before the exclusion
			if tc.protect {
				c.dbs["dev-db"].TagList = append(c.dbs["dev-db"].TagList, rdstypes.Tag{Key: sdkaws.String(ProtectTag), Value: sdkaws.String("true")})
			}
			e.Exclude = Exclusions{Patterns: tc.exclude}
			p := plan(t, e, rs, evening)
			if slices.Contains(summary(p), "stop dev-db") || !strings.HasPrefix(skipped(p)["dev-db"], "excluded") {
				t.Errorf("plan: %v, skipped %q", summary(p), skipped(p)["dev-db"])
			}
			if _, err := e.Apply(ctx, made); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "excluded") {
				t.Errorf("apply of a plan touching an excluded resource: %v", err)
			}
			if *c.dbs["dev-db"].DBInstanceStatus != "available" {
				t.Error("the excluded database was stopped")
			}
		})
	}
}

func TestBlastRadius(t *testing.T) {
	c := newCloud()
	rs := estate(c)
	e, _ := newEngine(t, c)
	e.MaxChanges = 5
	p := plan(t, e, rs, evening) // 6 changes
	if _, err := e.Apply(context.Background(), p); !errors.Is(err, ErrTooMany) {
		t.Fatalf("6 changes with a cap of 5: %v", err)
	}
	if c.services["dev/web"].DesiredCount != 2 {
		t.Error("a plan over the cap changed something")
	}
	e.MaxChanges = 6
	if _, err := e.Apply(context.Background(), p); err != nil {
		t.Fatalf("6 changes with a cap of 6: %v", err)
	}
}

// TestCrashAfterIntent: a process that dies after journaling a change
// and before making it leaves the entry as intent.
func TestCrashAfterIntent(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	e, st := newEngine(t, c)
	p := plan(t, e, rs, evening)
	crash := errors.New("crash")
	e.afterIntent = func(Change) { panic(crash) }
	func() {
		defer func() {
			if r := recover(); r != crash {
				t.Fatalf("recovered %v", r)
			}
		}()
		_, _ = e.Apply(ctx, p)
	}()
	es, err := st.JournalEntries(ctx, store.JournalFilter{})
	if err != nil || len(es) != 1 || es[0].Status != store.JournalIntent || es[0].Name != "web" || StatusText(es[0].Status) != "may have happened" {
		t.Fatalf("journal after the crash: %+v, %v", es, err)
	}
	if c.services["dev/web"].DesiredCount != 2 {
		t.Error("the change was made although the process died first")
	}
	if _, err := e.Undo(ctx, es[0].ID); !errors.Is(err, ErrNotReversible) {
		t.Errorf("undo of a change that may have happened: %v", err)
	}
}

func TestUndo(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	e, st := newEngine(t, c)
	p := plan(t, e, rs, evening)
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	o, err := e.Undo(ctx, p.Changes[0].ID) // the stop of web
	if err != nil {
		t.Fatal(err)
	}
	if c.services["dev/web"].DesiredCount != 2 || *c.scaling["service/dev/web"].MinCapacity != 1 || o.Status != store.JournalDone {
		t.Errorf("undo did not restore web: %+v", o)
	}
	en, err := st.JournalEntry(ctx, o.Change.ID)
	if err != nil || en.UndoOf != p.Changes[0].ID || en.Action != "start" {
		t.Errorf("undo journal entry: %+v, %v", en, err)
	}
}

// TestManualChangeRespected: started by hand after steward stopped it, a
// resource stays on until the next transition.
func TestManualChangeRespected(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	e, _ := newEngine(t, c)
	if _, err := e.Apply(ctx, plan(t, e, rs, evening)); err != nil {
		t.Fatal(err)
	}
	c.dbs["dev-db"].DBInstanceStatus = sdkaws.String("available") // by hand
	p := plan(t, e, rs, evening.Add(time.Hour))
	if len(p.Changes) != 0 || !strings.Contains(skipped(p)["dev-db"], "by hand") {
		t.Errorf("plan after a manual start: %v, dev-db %q", summary(p), skipped(p)["dev-db"])
	}
}

func TestPlanFile(t *testing.T) {
	c := newCloud()
	rs := estate(c)
	e, _ := newEngine(t, c)
	p := plan(t, e, rs, evening)
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
	for name, edit := range map[string]func(string) string{
		"unknown field": func(s string) string { return strings.Replace(s, `"format"`, `"formt"`, 1) },
		"bad action":    func(s string) string { return strings.Replace(s, `"action": "stop"`, `"action": "delete"`, 1) },
		"truncated":     func(s string) string { return s[:len(s)/2] },
		"no recorded":   func(s string) string { return strings.Replace(s, `"recorded"`, `"recorded_"`, -1) },
	} {
		if _, err := ReadPlan(strings.NewReader(edit(b.String()))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestIAMActionsCoverCalls: every mutating call the targets made in a full
// stop and start is in the policy iam-policy --actions prints.
func TestIAMActionsCoverCalls(t *testing.T) {
	c := newCloud()
	rs := estate(c)
	e, _ := newEngine(t, c)
	for _, at := range []time.Time{evening, morning} {
		if _, err := e.Apply(context.Background(), plan(t, e, rs, at)); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := IAMPolicy()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, op := range c.calls {
		// Reads are in the scan's read-only policy, except these two the
		// scan does not make.
		if isRead(op) && op != "application-autoscaling:DescribeScalableTargets" && op != "events:DescribeRule" {
			continue
		}
		n++
		if !strings.Contains(string(doc), `"`+op+`"`) {
			t.Errorf("%s is called but not in iam-policy --actions", op)
		}
	}
	if n < 10 {
		t.Errorf("only %d write calls seen: the estate did not exercise every target", n)
	}
}

// TestRDSAutoStartStoppedAgain: AWS starts a database stopped for 7 days;
// that is not a change by hand, so a run in a long closed period stops it
// again, while a start by hand a day after the stop is respected.
func TestRDSAutoStartStoppedAgain(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	e, _ := newEngine(t, c)
	friday := time.Date(2026, 12, 25, 20, 30, 0, 0, tokyo)
	s, err := schedule.Compile(schedule.Spec{Name: "office-hours", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "Asia/Tokyo",
		Closed: []string{"12-28", "12-29", "12-30", "12-31", "01-01", "01-02", "01-03", "01-04", "01-05"}})
	if err != nil {
		t.Fatal(err)
	}
	res := &schedule.Resolver{Named: []*schedule.Schedule{s}}
	planAt := func(at time.Time) *Plan {
		p, err := e.PlanSchedules(ctx, ScheduleInput{Resources: rs, Resolver: res, At: at})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := e.Apply(ctx, planAt(friday)); err != nil {
		t.Fatal(err)
	}
	c.dbs["dev-db"].DBInstanceStatus = sdkaws.String("available")
	if p := planAt(friday.Add(24 * time.Hour)); slices.Contains(summary(p), "stop dev-db") {
		t.Errorf("a start by hand the next day was not respected: %v", summary(p))
	}
	if p := planAt(friday.Add(7*24*time.Hour + time.Hour)); !slices.Contains(summary(p), "stop dev-db") {
		t.Errorf("after AWS's automatic start at 7 days: %v, %q", summary(p), skipped(p)["dev-db"])
	}
}

package action

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
)

func planWith(t *testing.T, e *Engine, in ScheduleInput) *Plan {
	t.Helper()
	if in.Resolver == nil {
		in.Resolver = resolver(t)
	}
	in.EnvKey, in.SystemKey = "env", "system"
	p, err := e.PlanSchedules(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOverrideHoldsThenExpires: an override keeps the service on after
// hours with who and why in the plan, a second override of the env keeps
// a database off in office hours, and once they end by themselves the
// schedule takes over again.
func TestOverrideHoldsThenExpires(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	for i := range rs {
		if rs[i].Name == "dev-db" {
			rs[i].Tags = inventory.TagsOf(map[string]string{sched: "office-hours", "env": "dev3"})
		}
	}
	e, _ := newEngine(t, c)
	at := evening.Add(-time.Hour) // 19:30, in office hours
	keepOn := schedule.Override{ID: "o1", Target: "web", Kind: schedule.OverrideResource, State: schedule.On, Reason: "demo tonight",
		Actor: "alice", Created: at, Until: time.Date(2026, 11, 19, 22, 0, 0, 0, tokyo)}
	keepOff := schedule.Override{ID: "o2", Target: "DEV3", Kind: schedule.OverrideEnv, State: schedule.Off, Reason: "restore test",
		Actor: "bob", Created: at, Until: time.Date(2026, 11, 20, 12, 0, 0, 0, tokyo)}
	ovs := []schedule.Override{keepOn, keepOff}

	p := planWith(t, e, ScheduleInput{Resources: rs, At: at, Overrides: ovs})
	if d := cmp.Diff([]string{"stop dev-db"}, summary(p)); d != "" {
		t.Errorf("19:30 plan (-want +got):\n%s", d)
	}
	if why := p.Changes[0].Why; !strings.Contains(why, "override o2 by bob") || !strings.Contains(why, "restore test") {
		t.Errorf("the stop does not say whose override: %q", why)
	}
	if len(p.Overrides) != 2 {
		t.Errorf("plan shows %d overrides in force, want 2", len(p.Overrides))
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}

	// 20:30: the schedule wants everything off, web is held on.
	p = planWith(t, e, ScheduleInput{Resources: rs, At: evening, Overrides: ovs})
	if slices.Contains(summary(p), "stop web") {
		t.Errorf("web stopped despite the override: %v", summary(p))
	}
	if why := skipped(p)["web"]; !strings.Contains(why, "already on") || !strings.Contains(why, "override o1 by alice") {
		t.Errorf("web left alone for %q", why)
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	// 22:30: o1 ended by itself, so web follows office-hours again.
	p = planWith(t, e, ScheduleInput{Resources: rs, At: evening.Add(2 * time.Hour), Overrides: ovs})
	if d := cmp.Diff([]string{"stop web"}, summary(p)); d != "" {
		t.Errorf("22:30 plan (-want +got):\n%s", d)
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	// Next morning: everything starts except dev-db, held off until noon.
	p = planWith(t, e, ScheduleInput{Resources: rs, At: morning, Overrides: ovs})
	if slices.Contains(summary(p), "start dev-db") || !slices.Contains(summary(p), "start web") {
		t.Errorf("morning plan: %v", summary(p))
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	// 12:30: o2 ended; dev-db starts although steward stopped it in a
	// window (the override's stop is not a change by hand).
	p = planWith(t, e, ScheduleInput{Resources: rs, At: morning.Add(3 * time.Hour), Overrides: ovs})
	if d := cmp.Diff([]string{"start dev-db"}, summary(p)); d != "" {
		t.Errorf("12:30 plan (-want +got):\n%s", d)
	}
	// A cancelled override no longer holds.
	cancelled := keepOff
	cancelled.Cancelled = morning
	p = planWith(t, e, ScheduleInput{Resources: rs, At: morning.Add(time.Minute), Overrides: []schedule.Override{cancelled}})
	if !slices.Contains(summary(p), "start dev-db") || len(p.Overrides) != 0 {
		t.Errorf("after cancel: %v, overrides %v", summary(p), p.Overrides)
	}
}

// TestOverrideNeedsASchedule: an override of a resource that follows no
// schedule is shown and ignored, since nothing would undo it at its end.
func TestOverrideNeedsASchedule(t *testing.T) {
	c := newCloud()
	arn := c.addService("dev", "adhoc", 1, nil)
	rs := []inventory.Resource{{ARN: arn, Type: TypeECSService, Name: "adhoc", Account: acct, Region: region}}
	e, _ := newEngine(t, c)
	o := schedule.Override{ID: "o9", Target: arn, Kind: schedule.OverrideResource, State: schedule.Off, Reason: "r", Created: evening, Until: evening.Add(time.Hour)}
	p := planWith(t, e, ScheduleInput{Resources: rs, At: evening.Add(time.Minute), Overrides: []schedule.Override{o}})
	if len(p.Changes) != 0 || !strings.Contains(skipped(p)["adhoc"], "follows no schedule") {
		t.Errorf("changes %v, skipped %v", summary(p), skipped(p))
	}
}

// TestBastionLease: the bastion is started by its lease from 0 to the
// configured count (no saved count needed), stays up while the lease
// holds, and the first run after the lease ends brings it back to 0.
func TestBastionLease(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	arn := c.addService("ops", "bastion", 0, nil)
	bastion := Ref{ARN: arn, Type: TypeECSService, Name: "bastion", Cluster: "ops", Count: 1}
	e, _ := newEngine(t, c)
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) // a Saturday: the schedule wants nothing on
	lease := schedule.Override{ID: "b1", Target: arn, Kind: schedule.OverrideResource, State: schedule.On, Reason: "check orders table",
		Actor: "alice", Created: t0, Until: t0.Add(time.Hour)}
	in := ScheduleInput{Bastion: &bastion, Overrides: []schedule.Override{lease}}

	in.At = t0.Add(-time.Minute)
	if p := planWith(t, e, in); len(p.Changes) != 0 || !strings.Contains(skipped(p)["bastion"], "no lease") {
		t.Errorf("before the lease: %v %v", summary(p), skipped(p))
	}
	in.At = t0
	p := planWith(t, e, in)
	if d := cmp.Diff([]string{"start bastion"}, summary(p)); d != "" {
		t.Fatalf("lease plan (-want +got):\n%s", d)
	}
	if got := p.Changes[0].After["desired"]; got != "1" {
		t.Errorf("the plan shows desired %q after the start, want 1", got)
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	if s := c.services["ops/bastion"]; s.DesiredCount != 1 || s.RunningCount != 1 {
		t.Errorf("bastion desired %d running %d, want 1 and 1", s.DesiredCount, s.RunningCount)
	}
	in.At = t0.Add(30 * time.Minute)
	if p := planWith(t, e, in); len(p.Changes) != 0 {
		t.Errorf("within the lease: %v", summary(p))
	}
	in.At = t0.Add(61 * time.Minute)
	p = planWith(t, e, in)
	if d := cmp.Diff([]string{"stop bastion"}, summary(p)); d != "" {
		t.Fatalf("after the lease (-want +got):\n%s", d)
	}
	if !strings.Contains(p.Changes[0].Why, "lease b1 by alice ended") {
		t.Errorf("why: %q", p.Changes[0].Why)
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	if s := c.services["ops/bastion"]; s.DesiredCount != 0 {
		t.Errorf("bastion desired %d after the lease, want 0", s.DesiredCount)
	}
	in.At = t0.Add(2 * time.Hour)
	if p := planWith(t, e, in); len(p.Changes) != 0 {
		t.Errorf("a second run after the lease: %v", summary(p))
	}
}

// TestStopOrderWorkersAndWarnings: services behind a load balancer stop
// before workers, workers before instances and databases; a service whose
// Terraform state sets desired_count carries a warning.
func TestStopOrderWorkersAndWarnings(t *testing.T) {
	c := newCloud()
	on := map[string]string{sched: "office-hours"}
	rs := []inventory.Resource{
		{ARN: c.addService("dev", "queue", 1, on), Type: TypeECSService, Name: "queue", Tags: inventory.TagsOf(on), Attrs: inventory.AttrsOf(map[string]any{"load_balancers": float64(0)})},
		{ARN: c.addService("dev", "front", 1, on), Type: TypeECSService, Name: "front", Tags: inventory.TagsOf(on), Attrs: inventory.AttrsOf(map[string]any{"load_balancers": float64(1), "iac_desired_count": float64(3)}),
			Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "terraform", Ref: "aws_ecs_service.front"}}},
	}
	c.dbs["db"] = &rdsInstanceAvailable
	rs = append(rs, inventory.Resource{ARN: arnOf("rds", "db:db"), Type: TypeDBInstance, Name: "db", Tags: inventory.TagsOf(on)})
	e, _ := newEngine(t, c)
	p := planWith(t, e, ScheduleInput{Resources: rs, At: evening})
	if d := cmp.Diff([]string{"stop front", "stop queue", "stop db"}, summary(p)); d != "" {
		t.Errorf("stop order (-want +got):\n%s", d)
	}
	if w := p.Changes[0].Warnings; len(w) != 1 || !strings.Contains(w[0], "desired_count = 3") || !strings.Contains(w[0], "ignore_changes") {
		t.Errorf("front warnings %q", w)
	}
	if len(p.Changes[1].Warnings) != 0 {
		t.Errorf("queue is not managed by IaC, warnings %q", p.Changes[1].Warnings)
	}
}

package action

import (
	"context"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
)

// TestHoldsOverrideSchedules: a lease keeps a scheduled resource on past
// office hours; an idle hold stops a resource that follows no schedule;
// a lease hold does nothing to a resource no schedule manages.
func TestHoldsOverrideSchedules(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	rs := estate(c)
	c.vms["i-9"] = &ec2types.Instance{InstanceId: sdkaws.String("i-9"), State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning}}
	idle := inventory.Resource{ARN: arnOf("ec2", "instance/i-9"), Account: acct, Region: region, Type: TypeInstance, ID: "i-9", Name: "qa7-web"}
	c.vms["i-8"] = &ec2types.Instance{InstanceId: sdkaws.String("i-8"), State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameStopped}}
	unscheduled := inventory.Resource{ARN: arnOf("ec2", "instance/i-8"), Account: acct, Region: region, Type: TypeInstance, ID: "i-8", Name: "qa3-web"}
	rs = append(rs, idle, unscheduled)
	e, _ := newEngine(t, c)
	leased := schedule.Status{State: schedule.On, Since: evening.Add(-3 * time.Hour)}
	holds := map[string]Hold{
		arnOf("ec2", "instance/i-1"): {Status: leased, Why: "leased by alice until 23:00"},
		idle.ARN:                     {Status: schedule.Status{State: schedule.Off, Since: evening.Add(-time.Hour)}, Why: "unleased and idle", Unscheduled: true},
		unscheduled.ARN:              {Status: leased, Why: "leased by bob"},
	}
	p, err := e.PlanSchedules(ctx, ScheduleInput{Resources: rs, Resolver: resolver(t), EnvKey: "env", SystemKey: "system", At: evening, Holds: holds})
	if err != nil {
		t.Fatal(err)
	}
	got := summary(p)
	for _, want := range []string{"stop qa7-web", "stop dev-db"} {
		if !contains(got, want) {
			t.Errorf("plan %v lacks %q", got, want)
		}
	}
	for _, not := range []string{"stop bastion", "start qa3-web"} {
		if contains(got, not) {
			t.Errorf("plan %v has %q", got, not)
		}
	}
	if why := skipped(p)["bastion"]; !strings.Contains(why, "already on") || !strings.Contains(why, "leased by alice") {
		t.Errorf("bastion skipped as %q, want already on, by the lease", why)
	}
	for _, ch := range p.Changes {
		if ch.Name == "qa7-web" && !strings.Contains(ch.Why, "unleased and idle") {
			t.Errorf("qa7-web why = %q", ch.Why)
		}
	}
	// Without holds the evening plan stops the bastion.
	base := summary(plan(t, e, rs, evening))
	if !contains(base, "stop bastion") || contains(base, "stop qa7-web") {
		t.Errorf("plan without holds = %v", base)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

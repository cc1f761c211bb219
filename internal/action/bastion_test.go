package action

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

type fakeTasks struct{ tasks []ecstypes.Task }

func (f fakeTasks) ListTasks(_ context.Context, in *ecs.ListTasksInput, _ ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	if *in.ServiceName != "bastion" || in.DesiredStatus != ecstypes.DesiredStatusRunning {
		return nil, errors.New("fake: want service bastion, desired status RUNNING")
	}
	out := &ecs.ListTasksOutput{}
	for _, t := range f.tasks {
		out.TaskArns = append(out.TaskArns, *t.TaskArn)
	}
	return out, nil
}

func (f fakeTasks) DescribeTasks(_ context.Context, in *ecs.DescribeTasksInput, _ ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	return &ecs.DescribeTasksOutput{Tasks: f.tasks}, nil
}

func task(id, status string, started time.Time, runtime string) ecstypes.Task {
	return ecstypes.Task{TaskArn: sdkaws.String("arn:aws:ecs:ap-northeast-1:111111111111:task/ops/" + id), LastStatus: sdkaws.String(status),
		StartedAt: sdkaws.Time(started), EnableExecuteCommand: true,
		Containers: []ecstypes.Container{{Name: sdkaws.String("bastion"), RuntimeId: sdkaws.String(runtime),
			ManagedAgents: []ecstypes.ManagedAgent{{Name: ecstypes.ManagedAgentNameExecuteCommandAgent, LastStatus: sdkaws.String("RUNNING")}}}}}
}

func TestRunningTaskAndPortForward(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	api := fakeTasks{tasks: []ecstypes.Task{
		task("aaa", "RUNNING", t0, "aaa-111"),
		task("bbb", "RUNNING", t0.Add(time.Minute), "bbb-222"),
		task("ccc", "STOPPED", t0.Add(2*time.Minute), "ccc-333"),
	}}
	got, err := RunningTask(ctx, api, "ops", "bastion", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "bbb" || got.RuntimeID != "bbb-222" || !got.Exec || got.Agent != "RUNNING" {
		t.Errorf("task = %+v, want the running one started last", got)
	}
	cmd, err := PortForward("ops", got, "ap-northeast-1", "db.example.com", 5432, 15432)
	if err != nil {
		t.Fatal(err)
	}
	want := `aws ssm start-session --region ap-northeast-1 --target ecs:ops_bbb_bbb-222 --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{"host":["db.example.com"],"localPortNumber":["15432"],"portNumber":["5432"]}'`
	if cmd != want {
		t.Errorf("command\n got %s\nwant %s", cmd, want)
	}
	if _, err := RunningTask(ctx, fakeTasks{}, "ops", "bastion", ""); !errors.Is(err, ErrNoTask) {
		t.Errorf("no tasks: %v, want ErrNoTask", err)
	}
	if _, err := RunningTask(ctx, fakeTasks{tasks: []ecstypes.Task{task("ddd", "RUNNING", t0, "")}}, "ops", "bastion", ""); err == nil || !strings.Contains(err.Error(), "runtime id") {
		t.Errorf("a task without runtime id: %v", err)
	}
	if _, err := RunningTask(ctx, api, "ops", "bastion", "sidecar"); err == nil || !strings.Contains(err.Error(), "no container sidecar") {
		t.Errorf("a missing container: %v", err)
	}
}

// TestPlanOne: a change asked for by a person is planned only when the
// resource is not already in that state, and never for an excluded one.
func TestPlanOne(t *testing.T) {
	ctx := context.Background()
	c := newCloud()
	arn := c.addService("ops", "bastion", 0, nil)
	ref := Ref{ARN: arn, Type: TypeECSService, Name: "bastion", Count: 1}
	e, _ := newEngine(t, c)
	c.readOnly = true
	p, err := e.PlanOne(ctx, ref, Start, "bastion up by alice")
	if err != nil || len(p.Changes) != 1 || p.Changes[0].After["desired"] != "1" || p.Changes[0].Why != "bastion up by alice" {
		t.Fatalf("PlanOne start: %+v, %v", p, err)
	}
	if len(c.writes) > 0 {
		t.Errorf("planning wrote: %v", c.writes)
	}
	if p, err := e.PlanOne(ctx, ref, Stop, "down"); err != nil || len(p.Changes) != 0 || len(p.Skipped) != 1 {
		t.Errorf("PlanOne stop of a stopped service: %+v, %v", p, err)
	}
	e.Exclude = Exclusions{Patterns: []string{"bastion"}}
	if _, err := e.PlanOne(ctx, ref, Start, "x"); !errors.Is(err, ErrExcluded) {
		t.Errorf("PlanOne of an excluded service: %v, want ErrExcluded", err)
	}
}

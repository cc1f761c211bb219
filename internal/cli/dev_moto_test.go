package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// devEnv is a dev environment as teams run it: a web service behind a
// load balancer, a worker, a nightly ECS scheduled task, an Aurora
// cluster, all env=dev; and a bastion service kept at 0.
type devEnv struct {
	ecs    *ecs.Client
	events *eventbridge.Client
	rds    *rds.Client
}

func seedDevEnv(t *testing.T, ctx context.Context, cfg sdkaws.Config, account, region string) devEnv {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	d := devEnv{ecs: ecs.NewFromConfig(cfg), events: eventbridge.NewFromConfig(cfg), rds: rds.NewFromConfig(cfg)}
	dev := []ecstypes.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("dev")}}
	for _, c := range []string{"shop-dev", "ops"} {
		must(d.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: sdkaws.String(c)}))
	}
	must(d.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: sdkaws.String("shop-dev"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: sdkaws.String("app"), Image: sdkaws.String("nginx"), Memory: sdkaws.Int32(512)}}}))
	tg := "arn:aws:elasticloadbalancing:" + region + ":" + account + ":targetgroup/shop-dev-web/0123456789abcdef"
	must(d.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: sdkaws.String("shop-dev"), ServiceName: sdkaws.String("shop-dev-web"),
		TaskDefinition: sdkaws.String("shop-dev"), DesiredCount: sdkaws.Int32(1), Tags: dev,
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: &tg, ContainerName: sdkaws.String("app"), ContainerPort: sdkaws.Int32(80)}}}))
	must(d.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: sdkaws.String("shop-dev"), ServiceName: sdkaws.String("shop-dev-worker"),
		TaskDefinition: sdkaws.String("shop-dev"), DesiredCount: sdkaws.Int32(1), Tags: dev}))
	must(d.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: sdkaws.String("ops"), ServiceName: sdkaws.String("bastion"),
		TaskDefinition: sdkaws.String("shop-dev"), DesiredCount: sdkaws.Int32(0), EnableExecuteCommand: true}))
	must(d.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: sdkaws.String("shop-dev-nightly"), ScheduleExpression: sdkaws.String("cron(0 18 * * ? *)"),
		Tags: []ebtypes.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("dev")}}}))
	must(d.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: sdkaws.String("shop-dev-nightly"), Targets: []ebtypes.Target{{
		Id: sdkaws.String("batch"), Arn: sdkaws.String("arn:aws:ecs:" + region + ":" + account + ":cluster/shop-dev"),
		RoleArn:       sdkaws.String("arn:aws:iam::" + account + ":role/ecsEventsRole"),
		EcsParameters: &ebtypes.EcsParameters{TaskDefinitionArn: sdkaws.String("arn:aws:ecs:" + region + ":" + account + ":task-definition/shop-dev:1"), TaskCount: sdkaws.Int32(1)},
	}}}))
	must(d.rds.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: sdkaws.String("shop-dev-aurora"), Engine: sdkaws.String("aurora-postgresql"),
		MasterUsername: sdkaws.String("admin"), MasterUserPassword: sdkaws.String("password1234"), Tags: []rdstypes.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("dev")}}}))
	return d
}

// state is the environment in one line.
func (d devEnv) state(t *testing.T, ctx context.Context) string {
	t.Helper()
	desired := func(cluster, name string) string {
		s, err := d.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{name}})
		if err != nil || len(s.Services) != 1 {
			t.Fatalf("describe %s: %v", name, err)
		}
		return itoaT(s.Services[0].DesiredCount)
	}
	r, err := d.events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: sdkaws.String("shop-dev-nightly")})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := d.rds.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("shop-dev-aurora")})
	if err != nil {
		t.Fatal(err)
	}
	return "web=" + desired("shop-dev", "shop-dev-web") + " worker=" + desired("shop-dev", "shop-dev-worker") +
		" nightly=" + string(r.State) + " aurora=" + *cl.DBClusters[0].Status + " bastion=" + desired("ops", "bastion")
}

// TestDevEnvironmentAgainstMoto stops and starts a dev environment by its
// env tag against moto: services, then the worker, then the scheduled
// task's rule, then Aurora, and back in reverse; a timed override keeps
// the web service up for an evening and ends by itself; the bastion is
// scaled to 1 with a lease, journaled with who and why, and brought back
// to 0 by the first run after its lease.
func TestDevEnvironmentAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the moto emulator")
	}
	t.Setenv("MOTO_ECS_SERVICE_RUNNING", "1")
	url := startMoto(t)
	const region, account = "ap-northeast-1", "123456789012"
	dir := t.TempDir()
	ctx := context.Background()
	cfg := motoEnv(t, ctx, dir, url, region, map[string]string{"STEWARD_ACTOR": "alice"})
	dev := seedDevEnv(t, ctx, cfg, account, region)

	conf := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(conf, []byte("regions: ["+region+"]\ntime_zone: Asia/Tokyo\n"+
		"schedules:\n  office-hours:\n    windows: [mon-fri 09:00-20:00]\n    holidays: jp\n    env: [dev*]\n"+
		"policies:\n  actions:\n    ecs_start_timeout: 1s\n"+
		"bastion:\n  cluster: ops\n  service: bastion\n  database:\n    host: shop-dev-aurora.cluster-x.ap-northeast-1.rds.amazonaws.com\n    port: 5432\n    local_port: 15432\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := emptyStore(t, dir, "s.db")
	run := func(now time.Time, args ...string) (int, string, string) {
		t.Helper()
		env, out, errb := testEnv()
		env.Now = func() time.Time { return now }
		env.Getenv = os.Getenv
		code := Main(ctx, append([]string{"--store", db, "--config", conf}, args...), env)
		t.Logf("$ steward %s\n%s%s(exit %d)", strings.Join(args, " "), out, errb, code)
		return code, out.String(), errb.String()
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if code, _, errb := run(time.Now(), "scan", "--source", "aws", "--format", "json"); code != ExitOK && code != ExitIncomplete && code != ExitFindings {
		t.Fatalf("scan: exit %d\n%s", code, errb)
	}
	up := "web=1 worker=1 nightly=ENABLED aurora=available bastion=0"
	if got := dev.state(t, ctx); got != up {
		t.Fatalf("seeded:\n got %s\nwant %s", got, up)
	}
	order := func(out string) []string {
		t.Helper()
		var sum runSummary
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var names []string
		for _, c := range sum.Planned {
			names = append(names, string(c.Action)+" "+c.Name)
		}
		return names
	}
	// Thursday 19 November 2026, 20:30 in Tokyo.
	thu := time.Date(2026, 11, 19, 20, 30, 0, 0, tokyo)
	if code, out, _ := run(thu, "schedule", "run", "--at", thu.Format(time.RFC3339), "--dry-run"); code != ExitOK || !strings.Contains(out, "Dry run: nothing was changed.") ||
		strings.Index(out, "shop-dev-worker") > strings.Index(out, "shop-dev-nightly") {
		t.Errorf("dry run: exit %d\n%s", code, out)
	}
	if got := dev.state(t, ctx); got != up {
		t.Errorf("the dry run changed something: %s", got)
	}
	code, out, _ := run(thu, "schedule", "run", "--at", thu.Format(time.RFC3339), "--format", "json")
	if got, want := strings.Join(order(out), ", "), "stop shop-dev-web, stop shop-dev-worker, stop shop-dev-nightly, stop shop-dev-aurora"; code != ExitOK || got != want {
		t.Errorf("evening: exit %d, order %s; want %s", code, got, want)
	}
	down := "web=0 worker=0 nightly=DISABLED aurora=stopped bastion=0"
	if got := dev.state(t, ctx); got != down {
		t.Errorf("after the evening run:\n got %s\nwant %s", got, down)
	}
	fri := time.Date(2026, 11, 20, 9, 30, 0, 0, tokyo)
	code, out, _ = run(fri, "schedule", "run", "--at", fri.Format(time.RFC3339), "--format", "json")
	if got, want := strings.Join(order(out), ", "), "start shop-dev-aurora, start shop-dev-nightly, start shop-dev-worker, start shop-dev-web"; code != ExitOK || got != want {
		t.Errorf("morning: exit %d, order %s; want %s", code, got, want)
	}
	if got := dev.state(t, ctx); got != up {
		t.Errorf("after the morning run:\n got %s\nwant %s", got, up)
	}

	// Friday 19:00: a release rehearsal keeps the web service up until 22:00.
	rehearsal := time.Date(2026, 11, 20, 19, 0, 0, 0, tokyo)
	if code, out, errb := run(rehearsal, "schedule", "override", "shop-dev-web", "--on", "--until", "22:00", "--reason", "release rehearsal"); code != ExitOK || !strings.Contains(out, "held on until 2026-11-20 22:00 JST") {
		t.Fatalf("override: exit %d\n%s%s", code, out, errb)
	}
	evening := rehearsal.Add(90 * time.Minute)
	if code, out, _ := run(evening, "plan", "--at", evening.Format(time.RFC3339)); code != ExitOK || !strings.Contains(out, "Overrides in force (1)") ||
		!strings.Contains(out, "already on (override") || !strings.Contains(out, "release rehearsal") {
		t.Errorf("plan with the override: exit %d\n%s", code, out)
	}
	// The same plan made in Japanese says why in Japanese, with the same data.
	if code, out, _ := run(evening, "--lang", "ja", "plan", "--at", evening.Format(time.RFC3339)); code != ExitOK ||
		!strings.Contains(out, "すでに起動中（alice のオーバーライド") || !strings.Contains(out, "release rehearsal") ||
		strings.Contains(out, "already on") || strings.Contains(out, "override ") || strings.Contains(out, "scheduled ") {
		t.Errorf("plan with the override in Japanese: exit %d\n%s", code, out)
	}
	if code, _, _ := run(evening, "schedule", "run", "--at", evening.Format(time.RFC3339)); code != ExitOK {
		t.Errorf("run with the override: exit %d", code)
	}
	if got, want := dev.state(t, ctx), "web=1 worker=0 nightly=DISABLED aurora=stopped bastion=0"; got != want {
		t.Errorf("with the override:\n got %s\nwant %s", got, want)
	}
	late := time.Date(2026, 11, 20, 22, 30, 0, 0, tokyo)
	code, out, _ = run(late, "schedule", "run", "--at", late.Format(time.RFC3339), "--format", "json")
	if got := strings.Join(order(out), ", "); code != ExitOK || got != "stop shop-dev-web" {
		t.Errorf("after the override ended: exit %d, %s", code, got)
	}
	if got := dev.state(t, ctx); got != down {
		t.Errorf("after the override ended:\n got %s\nwant %s", got, down)
	}

	// The bastion: up for an hour, journaled with who and why. Friday
	// night in Tokyo, so the runs an hour and more later fall outside
	// office-hours and change nothing but the bastion (at the wall clock's
	// time this test failed on weekday mornings, when the run after the
	// lease also started the dev services).
	now := time.Date(2026, 11, 20, 23, 0, 0, 0, tokyo)
	code, out, errb := run(now, "bastion", "up", "--ttl", "1h", "--reason", "check the orders table")
	// moto's tasks have no container runtime id, so the SSM target cannot
	// be named there: the command fails after scaling, and says so.
	if code != ExitFailure || !strings.Contains(errb, "the bastion is up") || !strings.Contains(errb, "runtime id") && !strings.Contains(errb, "no running task") {
		t.Errorf("bastion up: exit %d\n%s%s", code, out, errb)
	}
	if got := dev.state(t, ctx); !strings.HasSuffix(got, "bastion=1") {
		t.Errorf("after bastion up: %s", got)
	}
	if code, out, _ := run(now, "journal", "--format", "json"); code != ExitOK || !strings.Contains(out, `"actor": "alice"`) || !strings.Contains(out, "bastion up by alice for 1h: check the orders table") {
		t.Errorf("journal of bastion up: exit %d\n%s", code, out)
	}
	if code, out, _ := run(now.Add(10*time.Minute), "bastion", "status"); code != ExitOK || !strings.Contains(out, "is up until") || !strings.Contains(out, "check the orders table") {
		t.Errorf("bastion status: exit %d\n%s", code, out)
	}
	// Within the lease a run leaves it up; the first run after brings it to 0.
	if code, out, _ := run(now.Add(30*time.Minute), "schedule", "run", "--format", "json"); code != ExitOK || strings.Contains(out, `"name": "bastion"`) && strings.Contains(strings.Join(order(out), ","), "bastion") {
		t.Errorf("run within the lease: exit %d\n%s", code, out)
	}
	code, out, _ = run(now.Add(61*time.Minute), "schedule", "run", "--format", "json")
	if got := strings.Join(order(out), ", "); code != ExitOK || got != "stop bastion" {
		t.Errorf("run after the lease: exit %d, %s", code, got)
	}
	if got := dev.state(t, ctx); !strings.HasSuffix(got, "bastion=0") {
		t.Errorf("after the lease: %s", got)
	}
	// Up again, then down by hand: the lease ends and the bastion is at 0.
	later := now.Add(2 * time.Hour)
	run(later, "bastion", "up", "--ttl", "2h", "--reason", "again")
	if got := dev.state(t, ctx); !strings.HasSuffix(got, "bastion=1") {
		t.Errorf("after the second bastion up: %s", got)
	}
	if code, out, errb := run(later.Add(5*time.Minute), "bastion", "down"); code != ExitOK || !strings.Contains(out, "scaled to 0 (1 lease(s) ended)") {
		t.Errorf("bastion down: exit %d\n%s%s", code, out, errb)
	}
	if got := dev.state(t, ctx); !strings.HasSuffix(got, "bastion=0") {
		t.Errorf("after bastion down: %s", got)
	}
	if code, out, _ := run(later.Add(6*time.Minute), "bastion", "status"); code != ExitOK || !strings.Contains(out, "is down") {
		t.Errorf("status after down: exit %d\n%s", code, out)
	}
	if code, _, errb := run(later, "bastion", "up", "--ttl", "9h", "--reason", "x"); code != ExitUsage || !strings.Contains(errb, "max_ttl") {
		t.Errorf("bastion up over max_ttl: exit %d %s", code, errb)
	}
	if code, out, _ := run(later, "journal", "--limit", "4"); code != ExitOK || !strings.Contains(out, "bastion down by alice: done") {
		t.Errorf("journal: exit %d\n%s", code, out)
	}
}

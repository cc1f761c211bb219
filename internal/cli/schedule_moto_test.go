package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/golden"
)

// devEstate is what the schedule test seeds: an ECS service with a
// scalable target, an RDS instance, an Aurora cluster and an EC2
// instance, all following office-hours.
type devEstate struct {
	ecs      *ecs.Client
	scaling  *aas.Client
	rds      *rds.Client
	ec2      *ec2.Client
	instance string
}

const officeHoursTag = "office-hours"

func seedDevEstate(t *testing.T, ctx context.Context, cfg sdkaws.Config) devEstate {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	d := devEstate{ecs: ecs.NewFromConfig(cfg), scaling: aas.NewFromConfig(cfg), rds: rds.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg)}
	must(d.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: sdkaws.String("shop-dev")}))
	must(d.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: sdkaws.String("shop-dev-web"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: sdkaws.String("web"), Image: sdkaws.String("nginx"), Memory: sdkaws.Int32(512)}}}))
	must(d.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: sdkaws.String("shop-dev"), ServiceName: sdkaws.String("shop-dev-web"),
		TaskDefinition: sdkaws.String("shop-dev-web"), DesiredCount: sdkaws.Int32(2),
		Tags: []ecstypes.Tag{{Key: sdkaws.String("steward:schedule"), Value: sdkaws.String(officeHoursTag)}}}))
	must(d.scaling.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: sdkaws.String("service/shop-dev/shop-dev-web"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		MinCapacity: sdkaws.Int32(1), MaxCapacity: sdkaws.Int32(4)}))
	tags := []rdstypes.Tag{{Key: sdkaws.String("steward:schedule"), Value: sdkaws.String(officeHoursTag)}}
	must(d.rds.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: sdkaws.String("shop-dev-db"), DBInstanceClass: sdkaws.String("db.t3.micro"),
		Engine: sdkaws.String("postgres"), MasterUsername: sdkaws.String("admin"), MasterUserPassword: sdkaws.String("password1234"), AllocatedStorage: sdkaws.Int32(20), Tags: tags}))
	must(d.rds.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: sdkaws.String("shop-dev-aurora"), Engine: sdkaws.String("aurora-postgresql"),
		MasterUsername: sdkaws.String("admin"), MasterUserPassword: sdkaws.String("password1234"), Tags: tags}))
	run, err := d.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12c6146b"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro, TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: []ec2types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("shop-dev-batch")}, {Key: sdkaws.String("steward:schedule"), Value: sdkaws.String(officeHoursTag)}}}}})
	must(run, err)
	d.instance = *run.Instances[0].InstanceId
	return d
}

// state is the dev estate as the emulator has it, in one line.
func (d devEstate) state(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := d.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: sdkaws.String("shop-dev"), Services: []string{"shop-dev-web"}, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	if err != nil || len(s.Services) != 1 {
		t.Fatalf("describe service: %v", err)
	}
	saved := "-"
	for _, tg := range s.Services[0].Tags {
		if *tg.Key == action.SavedTag {
			saved = *tg.Value
		}
	}
	sc, err := d.scaling.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if err != nil || len(sc.ScalableTargets) != 1 {
		t.Fatalf("describe scalable targets: %v", err)
	}
	tg := sc.ScalableTargets[0]
	susp := tg.SuspendedState != nil && sdkaws.ToBool(tg.SuspendedState.DynamicScalingOutSuspended)
	db, err := d.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: sdkaws.String("shop-dev-db")})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := d.rds.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("shop-dev-aurora")})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := d.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{d.instance}})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join([]string{
		"web desired=" + itoaT(s.Services[0].DesiredCount) + " min=" + itoaT(*tg.MinCapacity) + " max=" + itoaT(*tg.MaxCapacity) + " suspended=" + boolT(susp) + " saved=" + saved,
		"db " + *db.DBInstances[0].DBInstanceStatus,
		"aurora " + *cl.DBClusters[0].Status,
		"vm " + string(vm.Reservations[0].Instances[0].State.Name),
	}, "; ")
}

func itoaT(n int32) string { return strconv.Itoa(int(n)) }

func boolT(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestScheduleRunAgainstMoto runs the schedules end to end through the CLI
// against moto: stopped after office hours, started the next morning,
// left stopped on a Japanese holiday, an idempotent second stop, the
// summary posted to a webhook, and a crash between the journal and the
// change left in the journal as "may have happened".
func TestScheduleRunAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the moto emulator")
	}
	// Services report their tasks running (moto otherwise leaves every
	// deployment in progress, and the service would be skipped).
	t.Setenv("MOTO_ECS_SERVICE_RUNNING", "2")
	url := startMoto(t)
	const region = "ap-northeast-1"
	dir := t.TempDir()
	ctx := context.Background()
	cfg := motoEnv(t, ctx, dir, url, region, nil)
	dev := seedDevEstate(t, ctx, cfg)

	var mu sync.Mutex
	var posts []runSummary
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s runSummary
		if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		posts = append(posts, s)
		mu.Unlock()
	}))
	defer hook.Close()
	// Slack's Web API: the summaries posted to slack.channel.
	var slackPosts []string
	fakeSlack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("fake Slack: %v", err)
		}
		mu.Lock()
		slackPosts = append(slackPosts, r.Form.Get("channel")+" "+r.Form.Get("text"))
		mu.Unlock()
		w.Write([]byte(`{"ok":true,"channel":"C1","ts":"1.2"}`))
	}))
	defer fakeSlack.Close()

	conf := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(conf, []byte("regions: ["+region+"]\n"+
		"schedules:\n  office-hours:\n    windows: [mon-fri 09:00-20:00]\n    time_zone: Asia/Tokyo\n    holidays: jp\n"+
		"notify:\n  webhook_url: "+hook.URL+"/steward\n"+
		"slack:\n  channel: \"#sre\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := emptyStore(t, dir, "s.db")
	run := func(args ...string) (int, string, string) {
		t.Helper()
		env, out, errb := testEnv()
		env.Now = time.Now
		env.Getenv = func(k string) string {
			switch k {
			case config.DefaultSlackBotTokenEnv:
				return "xoxb-test"
			case SlackAPIURLEnv:
				return fakeSlack.URL + "/"
			}
			return ""
		}
		code := Main(ctx, append([]string{"--store", db, "--config", conf}, args...), env)
		t.Logf("$ steward %s\n%s%s(exit %d)", strings.Join(args, " "), out, errb, code)
		return code, out.String(), errb.String()
	}
	if code, _, errb := run("scan", "--source", "aws", "--format", "json"); code != ExitOK && code != ExitIncomplete && code != ExitFindings {
		t.Fatalf("scan: exit %d\n%s", code, errb)
	}
	before := dev.state(t, ctx)
	if want := "web desired=2 min=1 max=4 suspended=false saved=-; db available; aurora available; vm running"; before != want {
		t.Fatalf("seeded estate:\n got %s\nwant %s", before, want)
	}

	// The plan says why in the planner's language: the same plan in
	// English and in Japanese, ids and the account made stable.
	stable := regexp.MustCompile(`p\d{8}T\d{6}-[0-9a-f]+`)
	for _, lang := range []string{"en", "ja"} {
		code, out, errb := run("--lang", lang, "plan", "--at", "2026-11-19T20:30:00+09:00")
		if code != ExitOK {
			t.Fatalf("plan in %s: exit %d\n%s", lang, code, errb)
		}
		golden.Check(t, filepath.Join("testdata", "plan-"+lang+".golden"), []byte(stable.ReplaceAllStringFunc(out, func(id string) string { return "p" + strings.Repeat("X", len(id)-1) })))
		if lang == "ja" {
			for _, english := range []string{"scheduled ", "schedule ", " by ", "already ", "tag ", "env ", "in transition", "deployment"} {
				if strings.Contains(out, english) {
					t.Errorf("Japanese plan holds English %q:\n%s", english, out)
				}
			}
		}
	}

	steps := []struct {
		name, at string
		dryRun   bool
		want     string
		changes  int
	}{
		// Thursday 19 November 2026, 20:30 in Tokyo: after office hours.
		{"dry run changes nothing", "2026-11-19T20:30:00+09:00", true, before, 4},
		{"stop after hours", "2026-11-19T20:30:00+09:00", false, "web desired=0 min=0 max=4 suspended=true saved=desired=2 max=4 min=1 suspended=false/false/false; db stopped; aurora stopped; vm stopped", 4},
		{"second stop is idempotent", "2026-11-19T21:00:00+09:00", false, "web desired=0 min=0 max=4 suspended=true saved=desired=2 max=4 min=1 suspended=false/false/false; db stopped; aurora stopped; vm stopped", 0},
		{"start next morning", "2026-11-20T09:30:00+09:00", false, before, 4},
		{"stop Friday evening", "2026-11-20T20:30:00+09:00", false, "web desired=0 min=0 max=4 suspended=true saved=desired=2 max=4 min=1 suspended=false/false/false; db stopped; aurora stopped; vm stopped", 4},
		// Monday 23 November 2026 is Labor Thanksgiving Day.
		{"holiday stays stopped", "2026-11-23T10:00:00+09:00", false, "web desired=0 min=0 max=4 suspended=true saved=desired=2 max=4 min=1 suspended=false/false/false; db stopped; aurora stopped; vm stopped", 0},
	}
	for _, s := range steps {
		args := []string{"schedule", "run", "--at", s.at, "--format", "json"}
		if s.dryRun {
			args = append(args, "--dry-run")
		}
		code, out, errb := run(args...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", s.name, code, errb)
		}
		var sum runSummary
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("%s: %v\n%s", s.name, err, out)
		}
		if len(sum.Planned) != s.changes || sum.Failed != 0 {
			t.Errorf("%s: %d planned, %d failed; want %d planned: %+v", s.name, len(sum.Planned), sum.Failed, s.changes, sum.Planned)
		}
		if got := dev.state(t, ctx); got != s.want {
			t.Errorf("%s:\n got %s\nwant %s", s.name, got, s.want)
		}
	}
	// Stops: services first, databases last.
	mu.Lock()
	if len(posts) < 3 || len(posts[0].Planned) != 4 || !posts[0].DryRun || posts[1].DryRun || len(posts[1].Outcomes) != 4 {
		t.Errorf("webhook posts: %+v", posts)
	} else {
		var order []string
		for _, c := range posts[1].Planned {
			order = append(order, c.Type)
		}
		if order[0] != action.TypeECSService || order[3] != action.TypeDBCluster {
			t.Errorf("stop order %v: services first, databases last", order)
		}
	}
	// Slack hears of each run that changed something (or would have),
	// and of no other.
	if len(slackPosts) != 4 {
		t.Errorf("%d Slack summaries, want 4 (dry run, stop, start, stop): %q", len(slackPosts), slackPosts)
	} else {
		for i, want := range []string{"#sre *Schedule run (dry run, nothing changed)*: would stop 4, would start 0",
			"#sre *Schedule run*: 4 stopped, 0 started, 0 failed\n• stop ", "#sre *Schedule run*: 0 stopped, 4 started, 0 failed\n• start "} {
			if !strings.HasPrefix(slackPosts[i], want) {
				t.Errorf("Slack summary %d: %q, want it to begin %q", i, slackPosts[i], want)
			}
		}
	}
	mu.Unlock()

	// The inventory read live instead of from the last scan.
	if code, out, errb := run("schedule", "run", "--source", "aws", "--at", "2026-11-24T09:30:00+09:00", "--dry-run", "--format", "json"); code != ExitOK || !strings.Contains(out, `"action": "start"`) {
		t.Errorf("dry run from --source aws: exit %d\n%s%s", code, out, errb)
	}
	// The table a person reads.
	if code, out, _ := run("schedule", "run", "--at", "2026-11-24T09:30:00+09:00", "--dry-run"); code != ExitOK || !strings.Contains(out, "start") || !strings.Contains(out, "Dry run: nothing was changed.") {
		t.Errorf("dry run table: exit %d\n%s", code, out)
	}

	// A crash between the journal and the change: the process ends right
	// after the first intent is written.
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), "STEWARD_CRASH_ARGS="+strings.Join([]string{"--store", db, "--config", conf, "schedule", "run", "--at", "2026-11-24T09:30:00+09:00"}, "\x1f"))
	var childOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &childOut, &childOut
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != crashExit {
		t.Fatalf("crash child: %v\n%s", err, childOut.String())
	}
	if got := dev.state(t, ctx); !strings.Contains(got, "aurora stopped") {
		t.Errorf("the change after the crash point was made: %s", got)
	}
	code, out, _ := run("journal")
	lines := strings.Split(out, "\n")
	if code != ExitOK || len(lines) < 2 || !strings.Contains(lines[1], "may have happened") || !strings.Contains(lines[1], "shop-dev-aurora") {
		t.Errorf("journal after the crash: exit %d\n%s", code, out)
	}
	// The next run does the start the crash interrupted.
	if code, _, errb := run("schedule", "run", "--at", "2026-11-24T09:35:00+09:00"); code != ExitOK {
		t.Fatalf("run after the crash: exit %d\n%s", code, errb)
	}
	if got := dev.state(t, ctx); got != before {
		t.Errorf("after the catch-up run:\n got %s\nwant %s", got, before)
	}

	// plan --out, then apply exactly that plan.
	planFile := filepath.Join(dir, "plan.json")
	if code, _, errb := run("plan", "--at", "2026-11-24T20:30:00+09:00", "--out", planFile); code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", code, errb)
	}
	b, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	var saved action.Plan
	if err := json.Unmarshal(b, &saved); err != nil || len(saved.Changes) != 4 || saved.Changes[0].Name != "shop-dev-web" {
		t.Fatalf("saved plan: %v\n%s", err, b)
	}
	setDesired := func(n int32) {
		t.Helper()
		if _, err := dev.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: sdkaws.String("shop-dev"), Service: sdkaws.String("shop-dev-web"), DesiredCount: &n}); err != nil {
			t.Fatal(err)
		}
	}
	setDesired(3) // someone scales the service after the plan
	if code, _, errb := run("apply", planFile, "--auto-approve"); code != ExitUsage || !strings.Contains(errb, "changed since the plan") || !strings.Contains(errb, "desired: 2 -> 3") {
		t.Errorf("apply of a stale plan: exit %d\n%s", code, errb)
	}
	setDesired(2)
	if got := dev.state(t, ctx); got != before {
		t.Errorf("a refused apply changed something: %s", got)
	}
	if code, _, errb := run("apply", planFile); code != ExitUsage || !strings.Contains(errb, "--auto-approve") {
		t.Errorf("apply without a terminal or --auto-approve: exit %d\n%s", code, errb)
	}
	capped := filepath.Join(dir, "capped.yaml")
	src, _ := os.ReadFile(conf)
	if err := os.WriteFile(capped, append(src, []byte("policies:\n  actions:\n    max_changes: 3\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	env, _, errb := testEnv()
	env.Now = time.Now
	if code := Main(ctx, []string{"--store", db, "--config", capped, "apply", planFile, "--auto-approve"}, env); code != ExitUsage || !strings.Contains(errb.String(), "blast-radius cap of 3") {
		t.Errorf("apply of 4 changes with max_changes 3: exit %d\n%s", code, errb)
	}
	if code, _, errb := run("apply", planFile, "--auto-approve"); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, errb)
	}
	if got := dev.state(t, ctx); !strings.HasPrefix(got, "web desired=0") || !strings.Contains(got, "db stopped") {
		t.Errorf("after apply: %s", got)
	}
	if code, _, errb := run("apply", planFile, "--auto-approve"); code != ExitUsage || !strings.Contains(errb, "changed since the plan") {
		t.Errorf("a plan applied twice: exit %d\n%s", code, errb)
	}
	// Undo the stop of the service: its desired count and autoscaling come back.
	if code, out, errb := run("undo", saved.Changes[0].ID, "--auto-approve"); code != ExitOK || !strings.Contains(out, "done: start shop-dev-web") {
		t.Fatalf("undo: exit %d\n%s%s", code, out, errb)
	}
	if got := dev.state(t, ctx); !strings.HasPrefix(got, "web desired=2 min=1 max=4 suspended=false saved=-") {
		t.Errorf("after undo: %s", got)
	}
	if code, _, errb := run("undo", "no-such-change", "--auto-approve"); code != ExitUsage || !strings.Contains(errb, "no change") {
		t.Errorf("undo of an unknown change: exit %d\n%s", code, errb)
	}
}

const crashExit = 7

// TestCrashChild is the process TestScheduleRunAgainstMoto crashes: it
// runs steward with the arguments it is given and exits at once after the
// first change is journaled, before making it.
func TestCrashChild(t *testing.T) {
	args := os.Getenv("STEWARD_CRASH_ARGS")
	if args == "" {
		t.Skip("run by TestScheduleRunAgainstMoto")
	}
	afterIntent = func(action.Change) { os.Exit(crashExit) }
	env, out, errb := testEnv()
	env.Now = time.Now
	code := Main(context.Background(), strings.Split(args, "\x1f"), env)
	t.Fatalf("steward ran to the end (exit %d) instead of crashing:\n%s%s", code, out, errb)
}

package awsdeploy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/inventory"
)

func TestCommitOfImage(t *testing.T) {
	for image, want := range map[string]string{
		"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/api:3f9a1c2":         "3f9a1c2",
		"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/api:v1.4.0-3f9a1c2d": "3f9a1c2d",
		"ghcr.io/hanamaru/api:a10f5c2e9b7d4e3f8a6b1c0d2e4f6a8b0c1d3e5f":         "a10f5c2e9b7d4e3f8a6b1c0d2e4f6a8b0c1d3e5f",
		"api:latest":         "",
		"api:v1.4.0":         "",
		"localhost:5000/api": "",
		"api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": "",
		"api:20260301":         "", // a date, not a commit
		"api:build-1234567890": "",
	} {
		if got := commitOfImage(image); got != want {
			t.Errorf("commitOfImage(%q) = %q, want %q", image, got, want)
		}
	}
}

type fakeECS struct {
	services map[string][]ecstypes.Service // cluster -> services
	images   map[string]string             // task definition -> image
	calls    map[string]int
}

func (f *fakeECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.calls["DescribeServices"]++
	if len(in.Services) > 10 {
		return nil, fmt.Errorf("InvalidParameterException: at most 10 services")
	}
	var out ecs.DescribeServicesOutput
	for _, s := range f.services[aws.ToString(in.Cluster)] {
		for _, n := range in.Services {
			if n == aws.ToString(s.ServiceName) {
				out.Services = append(out.Services, s)
			}
		}
	}
	return &out, nil
}

func (f *fakeECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	f.calls["DescribeTaskDefinition"]++
	img, ok := f.images[aws.ToString(in.TaskDefinition)]
	if !ok {
		return nil, fmt.Errorf("ClientException: unable to describe task definition")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &ecstypes.TaskDefinition{ContainerDefinitions: []ecstypes.ContainerDefinition{
		{Image: aws.String("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable")}, {Image: aws.String(img)},
	}}}, nil
}

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

const tdPrefix = "arn:aws:ecs:ap-northeast-1:333333333333:task-definition/"

func TestECSDeployments(t *testing.T) {
	dep := func(id, td string, state ecstypes.DeploymentRolloutState, reason string, minutes int) ecstypes.Deployment {
		return ecstypes.Deployment{Id: aws.String(id), TaskDefinition: aws.String(tdPrefix + td), RolloutState: state,
			RolloutStateReason: aws.String(reason), CreatedAt: aws.Time(t0), UpdatedAt: aws.Time(t0.Add(time.Duration(minutes) * time.Minute))}
	}
	f := &fakeECS{calls: map[string]int{}, images: map[string]string{
		tdPrefix + "api:41": "333333333333.dkr.ecr.ap-northeast-1.amazonaws.com/api:aaaa111",
		tdPrefix + "api:42": "333333333333.dkr.ecr.ap-northeast-1.amazonaws.com/api:bbbb222",
		tdPrefix + "web:7":  "333333333333.dkr.ecr.ap-northeast-1.amazonaws.com/web:latest",
	}, services: map[string][]ecstypes.Service{"prod": {
		{ServiceName: aws.String("api-prod-web"), Deployments: []ecstypes.Deployment{
			dep("ecs-svc/1", "api:42", ecstypes.DeploymentRolloutStateInProgress, "", 1),
			dep("ecs-svc/2", "api:41", ecstypes.DeploymentRolloutStateCompleted, "ECS deployment ecs-svc/2 completed.", 8),
			dep("ecs-svc/3", "api:42", ecstypes.DeploymentRolloutStateFailed, "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2.", 12),
			dep("ecs-svc/4", "api:42", ecstypes.DeploymentRolloutStateFailed, "tasks failed to start", 15),
		}},
		{ServiceName: aws.String("web-prod"), Deployments: []ecstypes.Deployment{
			dep("ecs-svc/9", "web:7", ecstypes.DeploymentRolloutStateCompleted, "", 5),
		}},
		{ServiceName: aws.String("not-asked"), Deployments: []ecstypes.Deployment{dep("ecs-svc/10", "api:41", ecstypes.DeploymentRolloutStateCompleted, "", 5)}},
	}}}
	svcs := []ECSService{{Cluster: "prod", Name: "api-prod-web", Service: "api", Environment: "prod"}, {Cluster: "prod", Name: "web-prod", Service: "web", Environment: "prod"}}
	for i := range 11 { // more than one DescribeServices batch
		svcs = append(svcs, ECSService{Cluster: "prod", Name: "gone-" + strconv.Itoa(i), Service: "x", Environment: "prod"})
	}
	got, skipped, err := ECSDeployments(context.Background(), f, svcs)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id, td, sha string, res delivery.Result, minutes int) delivery.Deployment {
		return delivery.Deployment{ID: "ecs-ecs-svc/" + id, Service: "api", Environment: "prod", Started: t0, Finished: t0.Add(time.Duration(minutes) * time.Minute),
			Result: res, CommitSHA: sha, Version: td, Tool: "ecs"}
	}
	want := []delivery.Deployment{
		mk("2", "api:41", "aaaa111", delivery.Success, 8),
		mk("3", "api:42", "bbbb222", delivery.RolledBack, 12),
		mk("4", "api:42", "bbbb222", delivery.Failure, 15),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deployments (-want +got):\n%s", diff)
	}
	wantSkipped := []Skipped{{"ecs-svc/1", "rollout in_progress"}, {"ecs-svc/9", "no image of " + tdPrefix + "web:7 is tagged with a commit"}}
	if diff := cmp.Diff(wantSkipped, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	for _, d := range got {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
	}
	if f.calls["DescribeServices"] != 2 || f.calls["DescribeTaskDefinition"] != 3 {
		t.Errorf("calls = %v, want 2 DescribeServices (13 services, 10 a call) and 3 DescribeTaskDefinition (each once)", f.calls)
	}
}

type fakeCodeDeploy struct {
	ids    []string
	infos  map[string]cdtypes.DeploymentInfo
	pages  int
	groups map[string][]string // application -> groups
}

func (f *fakeCodeDeploy) ListApplications(_ context.Context, in *codedeploy.ListApplicationsInput, _ ...func(*codedeploy.Options)) (*codedeploy.ListApplicationsOutput, error) {
	// One application a page, to walk the pages.
	var apps []string
	for a := range f.groups {
		apps = append(apps, a)
	}
	slices.Sort(apps)
	i := 0
	if in.NextToken != nil {
		i, _ = strconv.Atoi(*in.NextToken)
	}
	out := &codedeploy.ListApplicationsOutput{Applications: apps[i : i+1]}
	if i+1 < len(apps) {
		out.NextToken = aws.String(strconv.Itoa(i + 1))
	}
	return out, nil
}

func (f *fakeCodeDeploy) ListDeploymentGroups(_ context.Context, in *codedeploy.ListDeploymentGroupsInput, _ ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentGroupsOutput, error) {
	return &codedeploy.ListDeploymentGroupsOutput{DeploymentGroups: f.groups[aws.ToString(in.ApplicationName)]}, nil
}

func TestCodeDeployGroups(t *testing.T) {
	f := &fakeCodeDeploy{groups: map[string][]string{"api": {"api-prod", "api_stg", "blue-green"}, "auth": {"auth-qa3", "auth"}}}
	got, err := CodeDeployGroups(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []CodeDeployGroup{
		{Application: "api", Group: "api-prod", Service: "api", Environment: "prod"},
		{Application: "api", Group: "api_stg", Service: "api", Environment: "stg"},
		{Application: "api", Group: "blue-green", Service: "api", Environment: "blue-green"},
		{Application: "auth", Group: "auth-qa3", Service: "auth", Environment: "qa3"},
		{Application: "auth", Group: "auth", Service: "auth", Environment: "auth"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func (f *fakeCodeDeploy) ListDeployments(_ context.Context, in *codedeploy.ListDeploymentsInput, _ ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error) {
	f.pages++
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	end := min(start+20, len(f.ids))
	out := &codedeploy.ListDeploymentsOutput{Deployments: f.ids[start:end]}
	if end < len(f.ids) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeCodeDeploy) BatchGetDeployments(_ context.Context, in *codedeploy.BatchGetDeploymentsInput, _ ...func(*codedeploy.Options)) (*codedeploy.BatchGetDeploymentsOutput, error) {
	if len(in.DeploymentIds) > 25 {
		return nil, fmt.Errorf("BatchLimitExceededException")
	}
	var out codedeploy.BatchGetDeploymentsOutput
	for _, id := range in.DeploymentIds {
		out.DeploymentsInfo = append(out.DeploymentsInfo, f.infos[id])
	}
	return &out, nil
}

func TestCodeDeployDeployments(t *testing.T) {
	f := &fakeCodeDeploy{infos: map[string]cdtypes.DeploymentInfo{}}
	add := func(id string, status cdtypes.DeploymentStatus, rev *cdtypes.RevisionLocation, rolledBack bool) {
		info := cdtypes.DeploymentInfo{DeploymentId: aws.String(id), Status: status, Revision: rev, Creator: cdtypes.DeploymentCreatorUser,
			CreateTime: aws.Time(t0), CompleteTime: aws.Time(t0.Add(20 * time.Minute))}
		if rolledBack {
			info.RollbackInfo = &cdtypes.RollbackInfo{RollbackDeploymentId: aws.String("d-ROLLBACK")}
		}
		f.ids = append(f.ids, id)
		f.infos[id] = info
	}
	gh := &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeGitHub,
		GitHubLocation: &cdtypes.GitHubLocation{Repository: aws.String("hanamaru/auth"), CommitId: aws.String("C0FFEE1234")}}
	appspec := &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeAppSpecContent, AppSpecContent: &cdtypes.AppSpecContent{
		Content: aws.String(`{"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":{"TaskDefinition":"` + tdPrefix + `api:42","LoadBalancerInfo":{"ContainerName":"app","ContainerPort":8080}}}}]}`)}}
	add("d-1", cdtypes.DeploymentStatusSucceeded, gh, false)
	add("d-2", cdtypes.DeploymentStatusFailed, appspec, true)
	add("d-3", cdtypes.DeploymentStatusStopped, gh, false)
	add("d-4", cdtypes.DeploymentStatusInProgress, gh, false)
	add("d-5", cdtypes.DeploymentStatusSucceeded, &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeS3}, false)
	for i := range 40 { // more pages and more batches
		add("d-x"+strconv.Itoa(i), cdtypes.DeploymentStatusSucceeded, gh, false)
	}
	e := &fakeECS{calls: map[string]int{}, images: map[string]string{tdPrefix + "api:42": "api:bbbb222"}}
	got, skipped, err := CodeDeployDeployments(context.Background(), f, e,
		[]CodeDeployGroup{{Application: "auth", Group: "auth-prod", Service: "auth", Environment: "prod"}}, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 43 || f.pages != 3 {
		t.Fatalf("got %d deployments over %d pages, want 43 (45 less 2 skipped) over 3", len(got), f.pages)
	}
	mk := func(id, sha, version string, res delivery.Result) delivery.Deployment {
		return delivery.Deployment{ID: "codedeploy-" + id, Service: "auth", Environment: "prod", Started: t0, Finished: t0.Add(20 * time.Minute),
			Result: res, CommitSHA: sha, Version: version, Actor: "user", Tool: "codedeploy",
			Link: "https://console.aws.amazon.com/codesuite/codedeploy/deployments/" + id}
	}
	want := []delivery.Deployment{mk("d-1", "c0ffee1234", "", delivery.Success), mk("d-2", "bbbb222", "api:42", delivery.RolledBack), mk("d-3", "c0ffee1234", "", delivery.Failure)}
	if diff := cmp.Diff(want, got[:3]); diff != "" {
		t.Errorf("deployments (-want +got):\n%s", diff)
	}
	wantSkipped := []Skipped{{"d-4", "status inprogress"}, {"d-5", "its revision names no commit"}}
	if diff := cmp.Diff(wantSkipped, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	for _, d := range got {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
	}
}

// FuzzCommitOfImage: whatever the image string, the commit read from it is
// empty or hex letters-and-digits taken from the end of its tag.
func FuzzCommitOfImage(f *testing.F) {
	for _, s := range []string{"api:3f9a1c2", "a:b:c", "x@sha256:ab", ":", "api:v1-deadbeef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, image string) {
		sha := commitOfImage(image)
		if sha == "" {
			return
		}
		if !shaTag.MatchString(sha) || len(sha) < 7 || len(sha) > 40 || !strings.HasSuffix(strings.SplitN(image, "@", 2)[0], sha) {
			t.Fatalf("commitOfImage(%q) = %q", image, sha)
		}
	})
}

func TestECSServicesOf(t *testing.T) {
	rs := []inventory.Resource{
		{Type: "AWS::ECS::Service", Account: "333333333333", Region: "ap-northeast-1", ID: "api-prod-web", Name: "api-prod-web",
			Tags: inventory.TagsOf(map[string]string{"system": "api", "env": "prod"}), Attrs: inventory.AttrsOf(map[string]any{"cluster": "prod"})},
		{Type: "AWS::ECS::Service", Account: "333333333333", Region: "ap-northeast-1", ID: "hand-made",
			Tags: inventory.TagsOf(map[string]string{"env": "prod"}), Attrs: inventory.AttrsOf(map[string]any{"cluster": "prod"})},
		{Type: "AWS::ECS::Service", Account: "333333333333", Region: "ap-northeast-1", ID: "no-env",
			Tags: inventory.TagsOf(map[string]string{"system": "api"}), Attrs: inventory.AttrsOf(map[string]any{"cluster": "prod"})},
		{Type: "AWS::ECS::Cluster", Account: "333333333333", Region: "ap-northeast-1", ID: "prod", Tags: inventory.TagsOf(map[string]string{"env": "prod"})},
		{Type: "AWS::ECS::Service", Account: "222222222222", Region: "us-east-1", ID: "shop-stg-web", Name: "shop-stg-web",
			Tags: inventory.TagsOf(map[string]string{"sys": "shop", "env": "stg"}), Attrs: inventory.AttrsOf(map[string]any{"cluster": "stg"})},
	}
	got := ECSServicesOf(rs, "system", "env")
	want := map[string]map[string][]ECSService{
		"333333333333": {"ap-northeast-1": {
			{Cluster: "prod", Name: "api-prod-web", Service: "api", Environment: "prod"},
			{Cluster: "prod", Name: "hand-made", Service: "hand-made", Environment: "prod"},
		}},
		"222222222222": {"us-east-1": {{Cluster: "stg", Name: "shop-stg-web", Service: "shop-stg-web", Environment: "stg"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

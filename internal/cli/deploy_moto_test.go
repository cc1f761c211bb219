package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestDeployCollectAgainstMoto: the ECS services a live scan found have
// their deployments recorded, with the commit their image is tagged with.
func TestDeployCollectAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the moto emulator")
	}
	url := startMoto(t)
	const region = "ap-northeast-1"
	dir := t.TempDir()
	ctx := context.Background()
	cfg := motoEnv(t, ctx, dir, url, region, nil)
	ec := ecs.NewFromConfig(cfg)
	if _, err := ec.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: sdkaws.String("api-prod")}); err != nil {
		t.Fatal(err)
	}
	td, err := ec.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: sdkaws.String("api-prod-web"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: sdkaws.String("app"), Memory: sdkaws.Int32(512),
			Image: sdkaws.String(motoAccount + ".dkr.ecr.ap-northeast-1.amazonaws.com/api:v2.3.0-abc1234")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec.CreateService(ctx, &ecs.CreateServiceInput{Cluster: sdkaws.String("api-prod"), ServiceName: sdkaws.String("api-prod-web"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: sdkaws.Int32(0),
		Tags: []ecstypes.Tag{{Key: sdkaws.String("system"), Value: sdkaws.String("api")}, {Key: sdkaws.String("env"), Value: sdkaws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}

	conf := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(conf, []byte("regions: ["+region+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := emptyStore(t, dir, "steward.db")
	run := func(args ...string) (int, string, string) {
		env, out, errb := testEnv()
		env.Now = time.Now
		code := Main(ctx, append([]string{"--store", db, "--config", conf}, args...), env)
		return code, out.String(), errb.String()
	}
	if code, _, errb := run("deploy", "collect"); code != ExitUsage || !strings.Contains(errb, "run `steward scan` first") {
		t.Errorf("collect before a scan: exit %d, stderr %s", code, errb)
	}
	if code, _, errb := run("scan", "--source", "aws", "--format", "json"); code != ExitOK && code != ExitFindings && code != ExitIncomplete {
		t.Fatalf("scan exit %d; stderr:\n%s", code, errb)
	}
	code, out, errb := run("deploy", "collect")
	if code != ExitOK || !strings.Contains(out, "recorded 1 ECS deployments, 0 CodeDeploy deployments and 0 CodePipeline executions") {
		t.Fatalf("deploy collect: exit %d\nstdout %s\nstderr %s", code, out, errb)
	}
	code, out, errb = run("dora", "--service", "api", "--explain", "--format", "json")
	for _, want := range []string{`"tool": "ecs"`, `"commit_sha": "abc1234"`, `"environment": "prod"`, `"result": "success"`, `"version": "api-prod-web:1"`} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("dora after collect: exit %d, want %s in\n%s\nstderr %s", code, want, out, errb)
		}
	}
}

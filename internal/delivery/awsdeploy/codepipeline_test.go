package awsdeploy

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/delivery"
)

// fakePipelines pages its answers: one pipeline, and one execution, per
// page, so the paginators are exercised.
type fakePipelines struct {
	pipelines []string
	execs     map[string][]cptypes.PipelineExecutionSummary
	calls     int
}

func (f *fakePipelines) ListPipelines(_ context.Context, in *codepipeline.ListPipelinesInput, _ ...func(*codepipeline.Options)) (*codepipeline.ListPipelinesOutput, error) {
	f.calls++
	i := 0
	if in.NextToken != nil {
		i, _ = strconv.Atoi(*in.NextToken)
	}
	out := &codepipeline.ListPipelinesOutput{}
	if i < len(f.pipelines) {
		out.Pipelines = []cptypes.PipelineSummary{{Name: aws.String(f.pipelines[i])}}
	}
	if i+1 < len(f.pipelines) {
		out.NextToken = aws.String(strconv.Itoa(i + 1))
	}
	return out, nil
}

func (f *fakePipelines) ListPipelineExecutions(_ context.Context, in *codepipeline.ListPipelineExecutionsInput, _ ...func(*codepipeline.Options)) (*codepipeline.ListPipelineExecutionsOutput, error) {
	f.calls++
	xs := f.execs[aws.ToString(in.PipelineName)]
	i := 0
	if in.NextToken != nil {
		i, _ = strconv.Atoi(*in.NextToken)
	}
	out := &codepipeline.ListPipelineExecutionsOutput{}
	if i < len(xs) {
		out.PipelineExecutionSummaries = xs[i : i+1]
	}
	if i+1 < len(xs) {
		out.NextToken = aws.String(strconv.Itoa(i + 1))
	}
	return out, nil
}

func TestCodePipelineDeployments(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	exec := func(id string, hours float64, st cptypes.PipelineExecutionStatus, rev string) cptypes.PipelineExecutionSummary {
		start := t0.Add(time.Duration(hours * float64(time.Hour)))
		x := cptypes.PipelineExecutionSummary{PipelineExecutionId: aws.String(id), Status: st, StartTime: aws.Time(start), LastUpdateTime: aws.Time(start.Add(12 * time.Minute)),
			Trigger: &cptypes.ExecutionTrigger{TriggerDetail: aws.String("arn:aws:sts::1:assumed-role/ci/gh")}}
		if rev != "" {
			x.SourceRevisions = []cptypes.SourceRevision{{ActionName: aws.String("Source"), RevisionId: aws.String(rev)}}
		}
		return x
	}
	rollback := exec("e5", 50, cptypes.PipelineExecutionStatusSucceeded, "aaaa1111")
	rollback.RollbackMetadata = &cptypes.PipelineRollbackMetadata{RollbackTargetPipelineExecutionId: aws.String("e4")}
	f := &fakePipelines{
		pipelines: []string{"api-prod", "search-stg-deploy", "nightly-report"},
		execs: map[string][]cptypes.PipelineExecutionSummary{ // newest first, as CodePipeline lists them
			"api-prod": {
				exec("e6", 80, cptypes.PipelineExecutionStatusInProgress, "cccc3333"),
				rollback,
				exec("e4", 48, cptypes.PipelineExecutionStatusFailed, "BBBB2222"),
				exec("e3", 30, cptypes.PipelineExecutionStatusSucceeded, "s3://bucket/key.zip"),
				exec("e2", 24, cptypes.PipelineExecutionStatusSucceeded, "aaaa1111"),
				exec("e1", -5, cptypes.PipelineExecutionStatusSucceeded, "9999aaaa"), // before the window: never read past
				exec("e0", -9, cptypes.PipelineExecutionStatusSucceeded, "8888aaaa"),
			},
			"search-stg-deploy": {exec("s1", 10, cptypes.PipelineExecutionStatusStopped, "dddd4444")},
		},
	}
	got, skipped, err := CodePipelineDeployments(context.Background(), f, []string{"prod", "stg"}, t0, t0.Add(100*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		ID, Service, Env, SHA string
		Result                delivery.Result
	}
	var b []brief
	for _, d := range got {
		b = append(b, brief{d.ID, d.Service, d.Environment, d.CommitSHA, d.Result})
		if d.Tool != "codepipeline" || d.Actor == "" || d.Finished.Sub(d.Started) != 12*time.Minute {
			t.Errorf("deployment %s = %+v", d.ID, d)
		}
	}
	want := []brief{
		{"codepipeline-e4", "api", "prod", "bbbb2222", delivery.RolledBack},
		{"codepipeline-e2", "api", "prod", "aaaa1111", delivery.Success},
		{"codepipeline-s1", "search", "stg", "dddd4444", delivery.Failure},
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("deployments (-want +got):\n%s", diff)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[s.ID] = s.Reason
	}
	for id, want := range map[string]string{
		"api-prod/e6":    "status inprogress",
		"api-prod/e5":    "a rollback execution (of e4)",
		"api-prod/e3":    "no source revision is a commit",
		"nightly-report": "its name says no known environment (name it SERVICE-ENV, e.g. api-prod)",
	} {
		if reasons[id] != want {
			t.Errorf("skipped %s: %q, want %q", id, reasons[id], want)
		}
	}
	if _, ok := reasons["api-prod/e0"]; ok {
		t.Error("read executions older than the window")
	}
}

func TestPipelineTarget(t *testing.T) {
	tests := map[string]struct {
		name     string
		envs     []string
		svc, env string
		ok       bool
	}{
		"service-env":      {"api-prod", []string{"prod"}, "api", "prod", true},
		"env first":        {"prod_api", []string{"prod"}, "api", "prod", true},
		"deploy word":      {"shop-stg-deploy", []string{"stg"}, "shop", "stg", true},
		"two word service": {"order-api-qa3", []string{"qa3"}, "order-api", "qa3", true},
		"no known env":     {"nightly-report", []string{"prod"}, "", "", false},
		"no envs: last":    {"nightly-report", nil, "nightly", "report", true},
		"one token":        {"api", nil, "", "", false},
		"only words":       {"deploy-prod", []string{"prod"}, "", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			svc, env, ok := PipelineTarget(tc.name, tc.envs)
			if svc != tc.svc || env != tc.env || ok != tc.ok {
				t.Fatalf("PipelineTarget(%q) = %q, %q, %v; want %q, %q, %v", tc.name, svc, env, ok, tc.svc, tc.env, tc.ok)
			}
		})
	}
}

func TestDropRepeats(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	known := []delivery.Deployment{{ID: "codedeploy-d-1", Service: "api", Environment: "prod", CommitSHA: "aaaa1111", Finished: at}}
	found := []delivery.Deployment{
		{ID: "codepipeline-e1", Service: "api", Environment: "prod", CommitSHA: "aaaa1111bbbb", Finished: at.Add(5 * time.Minute)}, // the same, seen twice
		{ID: "codepipeline-e2", Service: "api", Environment: "prod", CommitSHA: "aaaa1111", Finished: at.Add(3 * time.Hour)},       // redeployed later
		{ID: "codepipeline-e3", Service: "api", Environment: "stg", CommitSHA: "aaaa1111", Finished: at},                           // another environment
	}
	kept, dropped := DropRepeats(found, known)
	if dropped != 1 || len(kept) != 2 || kept[0].ID != "codepipeline-e2" || kept[1].ID != "codepipeline-e3" {
		t.Errorf("kept %+v, dropped %d", kept, dropped)
	}
}

func FuzzPipelineTarget(f *testing.F) {
	for _, s := range []string{"api-prod", "shop-stg-deploy", "a--b", "-", "prod", "x.y_z-prod"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		svc, env, ok := PipelineTarget(name, []string{"prod", "stg"})
		if ok && (svc == "" || env == "") {
			t.Fatalf("PipelineTarget(%q) = %q, %q, true", name, svc, env)
		}
	})
}

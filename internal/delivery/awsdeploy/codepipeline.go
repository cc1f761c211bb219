package awsdeploy

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"

	"github.com/steward-sre/steward/internal/delivery"
)

// CodePipelineAPI is what the CodePipeline source calls
// (codepipeline:ListPipelines and ListPipelineExecutions).
type CodePipelineAPI interface {
	codepipeline.ListPipelinesAPIClient
	codepipeline.ListPipelineExecutionsAPIClient
}

// PipelineTarget says which service and environment a pipeline deploys,
// from its name: the token that is a known environment (api-prod,
// prod_api, shop-stg-deploy), the rest joined by - as the service. With
// no known environments, the last token is taken for one.
func PipelineTarget(name string, envs []string) (service, environment string, ok bool) {
	tokens := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	if len(tokens) < 2 {
		return "", "", false
	}
	at := -1
	for i := len(tokens) - 1; i >= 0; i-- {
		if slices.Contains(envs, tokens[i]) {
			at = i
			break
		}
	}
	if at < 0 {
		if len(envs) > 0 {
			return "", "", false
		}
		at = len(tokens) - 1
	}
	rest := slices.Delete(slices.Clone(tokens), at, at+1)
	// A pipeline named shop-stg-deploy deploys shop: drop the words that
	// say what a pipeline is.
	rest = slices.DeleteFunc(rest, func(s string) bool { return s == "deploy" || s == "pipeline" || s == "release" || s == "cd" })
	if len(rest) == 0 {
		return "", "", false
	}
	return strings.Join(rest, "-"), tokens[at], true
}

var commitID = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)

// CodePipelineDeployments reads the executions of every pipeline started
// in [from, to). Succeeded is a success; Failed or Stopped a failure, or
// rolled_back when a later rollback execution targeted it. A rollback
// execution itself, one still running, superseded or cancelled is
// skipped; so is one whose source revision is not a commit, or a pipeline
// whose name says no environment (envs are the known ones).
func CodePipelineDeployments(ctx context.Context, api CodePipelineAPI, envs []string, from, to time.Time) ([]delivery.Deployment, []Skipped, error) {
	var names []string
	lp := codepipeline.NewListPipelinesPaginator(api, &codepipeline.ListPipelinesInput{})
	for lp.HasMorePages() {
		page, err := lp.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("codepipeline list pipelines: %w", err)
		}
		for _, p := range page.Pipelines {
			names = append(names, aws.ToString(p.Name))
		}
	}
	var out []delivery.Deployment
	var skipped []Skipped
	for _, name := range names {
		service, environment, ok := PipelineTarget(name, envs)
		if !ok {
			skipped = append(skipped, Skipped{ID: name, Reason: "its name says no known environment (name it SERVICE-ENV, e.g. api-prod)"})
			continue
		}
		var execs []cptypes.PipelineExecutionSummary
		ep := codepipeline.NewListPipelineExecutionsPaginator(api, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(name)})
	pages:
		for ep.HasMorePages() {
			page, err := ep.NextPage(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("codepipeline list executions of %s: %w", name, err)
			}
			for _, x := range page.PipelineExecutionSummaries {
				start := aws.ToTime(x.StartTime)
				if start.Before(from) {
					break pages // newest first: the rest are older
				}
				if start.Before(to) {
					execs = append(execs, x)
				}
			}
		}
		rolledBack := map[string]bool{}
		for _, x := range execs {
			if x.RollbackMetadata != nil {
				rolledBack[aws.ToString(x.RollbackMetadata.RollbackTargetPipelineExecutionId)] = true
			}
		}
		for _, x := range execs {
			d, why := pipelineDeployment(name, service, environment, x, rolledBack)
			if why != "" {
				skipped = append(skipped, Skipped{ID: name + "/" + aws.ToString(x.PipelineExecutionId), Reason: why})
				continue
			}
			out = append(out, d)
		}
	}
	return out, skipped, nil
}

func pipelineDeployment(pipeline, service, environment string, x cptypes.PipelineExecutionSummary, rolledBack map[string]bool) (delivery.Deployment, string) {
	id := aws.ToString(x.PipelineExecutionId)
	if x.RollbackMetadata != nil {
		return delivery.Deployment{}, "a rollback execution (of " + aws.ToString(x.RollbackMetadata.RollbackTargetPipelineExecutionId) + ")"
	}
	var res delivery.Result
	switch x.Status {
	case cptypes.PipelineExecutionStatusSucceeded:
		res = delivery.Success
	case cptypes.PipelineExecutionStatusFailed, cptypes.PipelineExecutionStatusStopped:
		res = delivery.Failure
		if rolledBack[id] {
			res = delivery.RolledBack
		}
	default:
		return delivery.Deployment{}, "status " + strings.ToLower(string(x.Status))
	}
	var sha string
	for _, s := range x.SourceRevisions {
		if v := aws.ToString(s.RevisionId); commitID.MatchString(v) {
			sha = strings.ToLower(v)
			break
		}
	}
	if sha == "" {
		return delivery.Deployment{}, "no source revision is a commit"
	}
	finished := aws.ToTime(x.LastUpdateTime)
	if finished.IsZero() {
		return delivery.Deployment{}, "no end time"
	}
	d := delivery.Deployment{
		ID: "codepipeline-" + id, Service: service, Environment: environment,
		Started: aws.ToTime(x.StartTime).UTC(), Finished: finished.UTC(), Result: res, CommitSHA: sha, Tool: "codepipeline",
		Link: "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/" + pipeline + "/executions/" + id,
	}
	if t := x.Trigger; t != nil {
		d.Actor = aws.ToString(t.TriggerDetail)
	}
	return d, ""
}

// DropRepeats leaves out of found the deployments that another source
// already recorded: the same service, environment and commit (one sha
// may be the other's prefix) finished within an hour. A pipeline whose
// deploy stage is CodeDeploy or ECS is seen by those sources too; the
// record with the most detail (theirs) is kept.
func DropRepeats(found, known []delivery.Deployment) (kept []delivery.Deployment, dropped int) {
	for _, d := range found {
		if slices.ContainsFunc(known, func(k delivery.Deployment) bool { return sameDeployment(d, k) }) {
			dropped++
			continue
		}
		kept = append(kept, d)
	}
	return kept, dropped
}

func sameDeployment(a, b delivery.Deployment) bool {
	if a.ID == b.ID || a.Service != b.Service || a.Environment != b.Environment || a.CommitSHA == "" || b.CommitSHA == "" {
		return false
	}
	if !strings.HasPrefix(a.CommitSHA, b.CommitSHA) && !strings.HasPrefix(b.CommitSHA, a.CommitSHA) {
		return false
	}
	gap := a.Finished.Sub(b.Finished)
	return gap < time.Hour && gap > -time.Hour
}

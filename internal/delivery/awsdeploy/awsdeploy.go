// Package awsdeploy reads deployments that AWS already knows of, read-only,
// so blue/green and console deploys are recorded without anyone changing
// their pipeline: ECS service deployments (ecs:DescribeServices and
// ecs:DescribeTaskDefinition for the image) and CodeDeploy deployments
// (codedeploy:ListDeployments and BatchGetDeployments).
//
// Each source declares the few SDK calls it makes as a small interface, so
// tests run on fakes. It turns what AWS says into delivery records and
// knows nothing of the store or the CLI.
package awsdeploy

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/inventory"
)

// Skipped is a deployment AWS reported that could not become a record,
// and why (still in progress, no commit to be found).
type Skipped struct {
	ID     string
	Reason string
}

// shaTag is an image tag that is a commit: most pipelines tag images with
// the commit they were built from (the full sha or its first 7+ digits),
// alone or at the end (v1.2.3-abc1234). A tag of digits only is not taken
// for one.
var shaTag = regexp.MustCompile(`(?:^|[-_.])([0-9a-f]{7,40})$`)

// commitOfImage is the commit an image reference was built from, or "".
func commitOfImage(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i] // a digest names no commit
	}
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	m := shaTag.FindStringSubmatch(image[i+1:])
	// All digits is a build number or a date (20260301) far more often
	// than a commit.
	if m == nil || !strings.ContainsAny(m[1], "abcdef") {
		return ""
	}
	return m[1]
}

// ECSAPI is what the ECS source calls.
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, opts ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, opts ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ECSService names one ECS service to read, and the delivery service and
// environment its deployments are recorded under.
type ECSService struct {
	Cluster, Name        string
	Service, Environment string
}

// ECSDeployments reads the deployments ECS keeps for each service (the
// current and recent ones: ECS forgets old deployments, so run it on a
// schedule). A deployment whose rollout completed is a success, one that
// failed is a failure, or rolled_back when the circuit breaker rolled it
// back; one in progress is skipped until it ends. The commit comes from the
// tag of the task definition's first image that names one.
func ECSDeployments(ctx context.Context, api ECSAPI, services []ECSService) ([]delivery.Deployment, []Skipped, error) {
	var out []delivery.Deployment
	var skipped []Skipped
	images := map[string]string{} // task definition ARN -> commit
	byCluster := map[string][]ECSService{}
	var clusters []string
	for _, s := range services {
		if _, ok := byCluster[s.Cluster]; !ok {
			clusters = append(clusters, s.Cluster)
		}
		byCluster[s.Cluster] = append(byCluster[s.Cluster], s)
	}
	for _, cluster := range clusters {
		svcs := byCluster[cluster]
		for start := 0; start < len(svcs); start += 10 { // DescribeServices takes 10 at a time
			batch := svcs[start:min(start+10, len(svcs))]
			names := make([]string, len(batch))
			for i, s := range batch {
				names[i] = s.Name
			}
			res, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: names})
			if err != nil {
				return nil, nil, fmt.Errorf("ecs describe services in %s: %w", cluster, err)
			}
			for _, svc := range res.Services {
				var target ECSService
				for _, s := range batch {
					if s.Name == aws.ToString(svc.ServiceName) || s.Name == aws.ToString(svc.ServiceArn) {
						target = s
					}
				}
				if target.Name == "" {
					continue // not one asked for
				}
				for _, dep := range svc.Deployments {
					d, why, err := ecsDeployment(ctx, api, images, target, dep)
					if err != nil {
						return nil, nil, err
					}
					if why != "" {
						skipped = append(skipped, Skipped{ID: aws.ToString(dep.Id), Reason: why})
						continue
					}
					out = append(out, d)
				}
			}
		}
	}
	return out, skipped, nil
}

func ecsDeployment(ctx context.Context, api ECSAPI, images map[string]string, target ECSService, dep ecstypes.Deployment) (delivery.Deployment, string, error) {
	var res delivery.Result
	reason := strings.ToLower(aws.ToString(dep.RolloutStateReason))
	switch dep.RolloutState {
	case ecstypes.DeploymentRolloutStateCompleted:
		res = delivery.Success
	case ecstypes.DeploymentRolloutStateFailed:
		res = delivery.Failure
		if strings.Contains(reason, "rolling back") || strings.Contains(reason, "rolled back") {
			res = delivery.RolledBack
		}
	default:
		return delivery.Deployment{}, "rollout " + strings.ToLower(string(dep.RolloutState)), nil
	}
	td := aws.ToString(dep.TaskDefinition)
	sha, seen := images[td]
	if !seen {
		out, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(td)})
		if err != nil {
			return delivery.Deployment{}, "", fmt.Errorf("ecs describe task definition %s: %w", td, err)
		}
		if out.TaskDefinition != nil {
			for _, c := range out.TaskDefinition.ContainerDefinitions {
				if sha = commitOfImage(aws.ToString(c.Image)); sha != "" {
					break
				}
			}
		}
		images[td] = sha
	}
	if sha == "" {
		return delivery.Deployment{}, "no image of " + td + " is tagged with a commit", nil
	}
	version := td
	if i := strings.LastIndex(td, "/"); i >= 0 {
		version = td[i+1:]
	}
	return delivery.Deployment{
		ID: "ecs-" + aws.ToString(dep.Id), Service: target.Service, Environment: target.Environment,
		Started: aws.ToTime(dep.CreatedAt).UTC(), Finished: aws.ToTime(dep.UpdatedAt).UTC(), Result: res,
		CommitSHA: sha, Version: version, Tool: "ecs",
	}, "", nil
}

// CodeDeployAPI is what the CodeDeploy source calls.
type CodeDeployAPI interface {
	codedeploy.ListApplicationsAPIClient
	codedeploy.ListDeploymentGroupsAPIClient
	codedeploy.ListDeploymentsAPIClient
	BatchGetDeployments(ctx context.Context, in *codedeploy.BatchGetDeploymentsInput, opts ...func(*codedeploy.Options)) (*codedeploy.BatchGetDeploymentsOutput, error)
}

// CodeDeployGroups lists every deployment group of every application, each
// recorded under its application's name as the service and, as the
// environment, the group's name less the application's ("api-prod" of
// application api is prod; a group not named after its application keeps
// its name).
func CodeDeployGroups(ctx context.Context, api CodeDeployAPI) ([]CodeDeployGroup, error) {
	var apps []string
	ap := codedeploy.NewListApplicationsPaginator(api, &codedeploy.ListApplicationsInput{})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("codedeploy list applications: %w", err)
		}
		apps = append(apps, page.Applications...)
	}
	var out []CodeDeployGroup
	for _, app := range apps {
		gp := codedeploy.NewListDeploymentGroupsPaginator(api, &codedeploy.ListDeploymentGroupsInput{ApplicationName: aws.String(app)})
		for gp.HasMorePages() {
			page, err := gp.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("codedeploy list deployment groups of %s: %w", app, err)
			}
			for _, g := range page.DeploymentGroups {
				env := g
				if rest, ok := strings.CutPrefix(g, app); ok && len(rest) > 1 && strings.ContainsRune("-_.", rune(rest[0])) {
					env = rest[1:]
				}
				out = append(out, CodeDeployGroup{Application: app, Group: g, Service: app, Environment: env})
			}
		}
	}
	return out, nil
}

// CodeDeployGroup names one deployment group to read and the delivery
// service and environment its deployments are recorded under.
type CodeDeployGroup struct {
	Application, Group   string
	Service, Environment string
}

// CodeDeployDeployments reads the deployments of each group created in
// [from, to). Succeeded is a success; Failed or Stopped a failure, or
// rolled_back when CodeDeploy rolled it back. The commit is the GitHub
// revision's, or for ECS blue/green the image tag of the task definition
// the AppSpec names (read with ecsAPI, which may be nil to skip those).
func CodeDeployDeployments(ctx context.Context, api CodeDeployAPI, ecsAPI ECSAPI, groups []CodeDeployGroup, from, to time.Time) ([]delivery.Deployment, []Skipped, error) {
	var out []delivery.Deployment
	var skipped []Skipped
	images := map[string]string{}
	for _, g := range groups {
		var ids []string
		p := codedeploy.NewListDeploymentsPaginator(api, &codedeploy.ListDeploymentsInput{
			ApplicationName: aws.String(g.Application), DeploymentGroupName: aws.String(g.Group),
			CreateTimeRange: &cdtypes.TimeRange{Start: aws.Time(from), End: aws.Time(to)},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("codedeploy list deployments of %s/%s: %w", g.Application, g.Group, err)
			}
			ids = append(ids, page.Deployments...)
		}
		for start := 0; start < len(ids); start += 25 { // BatchGetDeployments takes 25 at a time
			res, err := api.BatchGetDeployments(ctx, &codedeploy.BatchGetDeploymentsInput{DeploymentIds: ids[start:min(start+25, len(ids))]})
			if err != nil {
				return nil, nil, fmt.Errorf("codedeploy batch get deployments of %s/%s: %w", g.Application, g.Group, err)
			}
			for _, info := range res.DeploymentsInfo {
				d, why, err := codeDeployment(ctx, ecsAPI, images, g, info)
				if err != nil {
					return nil, nil, err
				}
				if why != "" {
					skipped = append(skipped, Skipped{ID: aws.ToString(info.DeploymentId), Reason: why})
					continue
				}
				out = append(out, d)
			}
		}
	}
	return out, skipped, nil
}

var taskDefARN = regexp.MustCompile(`arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]+:[0-9]+`)

func codeDeployment(ctx context.Context, ecsAPI ECSAPI, images map[string]string, g CodeDeployGroup, info cdtypes.DeploymentInfo) (delivery.Deployment, string, error) {
	var res delivery.Result
	switch info.Status {
	case cdtypes.DeploymentStatusSucceeded:
		res = delivery.Success
	case cdtypes.DeploymentStatusFailed, cdtypes.DeploymentStatusStopped:
		res = delivery.Failure
		if info.RollbackInfo != nil && aws.ToString(info.RollbackInfo.RollbackDeploymentId) != "" {
			res = delivery.RolledBack
		}
	default:
		return delivery.Deployment{}, "status " + strings.ToLower(string(info.Status)), nil
	}
	var sha, version string
	if rev := info.Revision; rev != nil {
		switch {
		case rev.GitHubLocation != nil:
			sha = strings.ToLower(aws.ToString(rev.GitHubLocation.CommitId))
		case rev.AppSpecContent != nil && ecsAPI != nil:
			td := taskDefARN.FindString(aws.ToString(rev.AppSpecContent.Content))
			if td == "" {
				break
			}
			version = td[strings.LastIndex(td, "/")+1:]
			var seen bool
			if sha, seen = images[td]; !seen {
				out, err := ecsAPI.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(td)})
				if err != nil {
					return delivery.Deployment{}, "", fmt.Errorf("ecs describe task definition %s: %w", td, err)
				}
				if out.TaskDefinition != nil {
					for _, c := range out.TaskDefinition.ContainerDefinitions {
						if sha = commitOfImage(aws.ToString(c.Image)); sha != "" {
							break
						}
					}
				}
				images[td] = sha
			}
		}
	}
	if sha == "" {
		return delivery.Deployment{}, "its revision names no commit", nil
	}
	finished := aws.ToTime(info.CompleteTime)
	if finished.IsZero() {
		return delivery.Deployment{}, "no completion time", nil
	}
	id := aws.ToString(info.DeploymentId)
	return delivery.Deployment{
		ID: "codedeploy-" + id, Service: g.Service, Environment: g.Environment,
		Started: aws.ToTime(info.CreateTime).UTC(), Finished: finished.UTC(), Result: res, CommitSHA: sha,
		Version: version, Actor: string(info.Creator), Tool: "codedeploy",
		Link: "https://console.aws.amazon.com/codesuite/codedeploy/deployments/" + id,
	}, "", nil
}

// ECSServicesOf picks the ECS services of a scan to read deployments from,
// by account and then region: each recorded under its system tag (else its
// name) and its env tag. A service with no env tag is left out: a
// deployment needs an environment.
func ECSServicesOf(rs []inventory.Resource, systemKey, envKey string) map[string]map[string][]ECSService {
	out := map[string]map[string][]ECSService{}
	for _, r := range rs {
		if r.Type != "AWS::ECS::Service" || r.Tags.Value(envKey) == "" {
			continue
		}
		cluster, _ := r.Attrs.Value("cluster").(string)
		if cluster == "" {
			continue
		}
		name := r.Name
		if name == "" {
			name = r.ID
		}
		svc := r.Tags.Value(systemKey)
		if svc == "" {
			svc = name
		}
		if out[r.Account] == nil {
			out[r.Account] = map[string][]ECSService{}
		}
		out[r.Account][r.Region] = append(out[r.Account][r.Region], ECSService{Cluster: cluster, Name: name, Service: svc, Environment: r.Tags.Value(envKey)})
	}
	return out
}

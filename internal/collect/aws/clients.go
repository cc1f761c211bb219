package aws

import (
	"context"
	"fmt"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/steward-sre/steward/internal/inventory"
)

// StacksAPI is the CloudFormation calls IaC coverage makes: the stacks of
// an account and region and their physical resources.
type StacksAPI interface {
	ListStacks(ctx context.Context, in *cloudformation.ListStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error)
	ListStackResources(ctx context.Context, in *cloudformation.ListStackResourcesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
}

// EventsAPI is the CloudTrail call that finds who created a resource.
type EventsAPI interface {
	LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// DeploymentsAPI is the ECS calls that read a service's deployments and
// the image each deployed (both already in the scan's IAM policy).
type DeploymentsAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// CodeDeployAPI is the CodeDeploy calls that read deployments: the
// applications, their groups, and each group's deployments.
type CodeDeployAPI interface {
	ListApplications(ctx context.Context, in *codedeploy.ListApplicationsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ListApplicationsOutput, error)
	ListDeploymentGroups(ctx context.Context, in *codedeploy.ListDeploymentGroupsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentGroupsOutput, error)
	ListDeployments(ctx context.Context, in *codedeploy.ListDeploymentsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error)
	BatchGetDeployments(ctx context.Context, in *codedeploy.BatchGetDeploymentsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.BatchGetDeploymentsOutput, error)
}

// CodePipelineAPI is the CodePipeline calls that read pipeline
// executions: the pipelines and each one's executions.
type CodePipelineAPI interface {
	ListPipelines(ctx context.Context, in *codepipeline.ListPipelinesInput, optFns ...func(*codepipeline.Options)) (*codepipeline.ListPipelinesOutput, error)
	ListPipelineExecutions(ctx context.Context, in *codepipeline.ListPipelineExecutionsInput, optFns ...func(*codepipeline.Options)) (*codepipeline.ListPipelineExecutionsOutput, error)
}

// RegionClients read one account and region's IaC inputs with the
// credentials the scan of that account uses (profile, assumed role or
// organization role).
type RegionClients struct {
	Account string
	Region  string
	Stacks  StacksAPI
	// Events is throttled to LookupEvents' quota of 2 requests a second
	// per account and region.
	Events EventsAPI
	// Deployments reads ECS service deployments, and CodeDeploy
	// deployments, for delivery records.
	Deployments  DeploymentsAPI
	CodeDeploy   CodeDeployAPI
	CodePipeline CodePipelineAPI
}

// Clients returns CloudFormation and CloudTrail clients for every account
// and region src reads. src must come from New.
func Clients(src inventory.Source) ([]RegionClients, error) {
	s, ok := src.(*Source)
	if !ok {
		return nil, fmt.Errorf("aws clients: source %q is not a live aws source", src.Name())
	}
	return s.clients(), nil
}

func (s *Source) clients() []RegionClients {
	var out []RegionClients
	for _, a := range s.accounts {
		for _, r := range a.regions {
			cfg := a.cfg.Copy()
			cfg.Region = r
			label := a.id + "/" + r
			out = append(out, RegionClients{
				Account: a.id, Region: r,
				Stacks: labelledStacks{cloudformation.NewFromConfig(cfg), label},
				Events: &throttledEvents{api: cloudtrail.NewFromConfig(cfg), label: label,
					bucket: newTokenBucket(lookupEventsRate, lookupEventsBurst, s.opts.Now, s.opts.Wait)},
				Deployments:  ecs.NewFromConfig(cfg),
				CodeDeploy:   codedeploy.NewFromConfig(cfg),
				CodePipeline: codepipeline.NewFromConfig(cfg),
			})
		}
	}
	return out
}

// LookupEvents allows 2 requests a second per account and region; more
// are throttled, and the SDK's retries would only spend the quota again.
const (
	lookupEventsRate  = 2.0 // tokens a second
	lookupEventsBurst = 2
)

// labelledStacks names its account and region, so a stack read that fails
// is reported as that account and region's gap.
type labelledStacks struct {
	StacksAPI
	label string
}

func (l labelledStacks) String() string { return l.label }

// throttledEvents waits for a token before each LookupEvents call.
type throttledEvents struct {
	api    EventsAPI
	label  string
	bucket *tokenBucket
}

func (t *throttledEvents) String() string { return t.label }

func (t *throttledEvents) LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	if err := t.bucket.take(ctx); err != nil {
		return nil, fmt.Errorf("wait for cloudtrail quota: %w", err)
	}
	return t.api.LookupEvents(ctx, in, optFns...)
}

// tokenBucket is a token bucket: up to burst calls at once, then rate a
// second. Time comes from now and waiting goes through wait, so tests
// advance a fake clock instead of sleeping.
type tokenBucket struct {
	rate  float64
	burst float64
	now   func() time.Time
	wait  func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int, now func() time.Time, wait func(context.Context, time.Duration) error) *tokenBucket {
	if now == nil {
		now = time.Now
	}
	if wait == nil {
		wait = sleep
	}
	return &tokenBucket{rate: rate, burst: float64(burst), now: now, wait: wait, tokens: float64(burst)}
}

// take blocks until a token is free and spends it. Callers that wait
// reserve their token first (the count may go below zero), so concurrent
// callers queue in order instead of all waking at once.
func (b *tokenBucket) take(ctx context.Context) error {
	b.mu.Lock()
	now := b.now()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	b.tokens--
	var d time.Duration
	if b.tokens < 0 {
		d = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if d == 0 {
		return nil
	}
	if err := b.wait(ctx, d); err != nil {
		b.mu.Lock()
		b.tokens++ // give the reserved token back
		b.mu.Unlock()
		return err
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RegionConfig is the SDK configuration steward uses for one account and
// region: the credentials the scan of that account uses, with Region set.
type RegionConfig struct {
	Account string
	Region  string
	Config  sdkaws.Config
}

// Configs returns the SDK configuration of every account and region src
// reads, for the packages that act on what the scan found. src must come
// from New.
func Configs(src inventory.Source) ([]RegionConfig, error) {
	s, ok := src.(*Source)
	if !ok {
		return nil, fmt.Errorf("aws configs: source %q is not a live aws source", src.Name())
	}
	var out []RegionConfig
	for _, a := range s.accounts {
		for _, r := range a.regions {
			cfg := a.cfg.Copy()
			cfg.Region = r
			out = append(out, RegionConfig{Account: a.id, Region: r, Config: cfg})
		}
	}
	return out, nil
}

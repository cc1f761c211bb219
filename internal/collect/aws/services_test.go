package aws

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// Consumer-side fakes of the collectors' SDK interfaces. Each pages its
// answers one item per page, so every paginator walks several pages.

const (
	acct   = "111111111111"
	region = "ap-northeast-1"
)

func arnOf(svc, res string) string { return "arn:aws:" + svc + ":" + region + ":" + acct + ":" + res }

func testTarget() *target {
	return &target{account: acct, partition: "aws", region: region, now: testNow}
}

// onePage returns item i of items for token "i" (empty means 0) and the
// token of the next page, nil after the last.
func onePage[T any](items []T, token *string) ([]T, *string) {
	i := 0
	if token != nil {
		i, _ = strconv.Atoi(*token)
	}
	if i >= len(items) {
		return nil, nil
	}
	var next *string
	if i+1 < len(items) {
		next = sdkaws.String(strconv.Itoa(i + 1))
	}
	return items[i : i+1], next
}

func apiErr(code string) error { return &smithy.GenericAPIError{Code: code, Message: "fake"} }

type fakeECS struct{ ecsAPI }

var ecsClusterARNs = []string{arnOf("ecs", "cluster/shop-prod-cluster"), arnOf("ecs", "cluster/empty")}

func (fakeECS) ListClusters(_ context.Context, in *ecs.ListClustersInput, _ ...func(*ecs.Options)) (*ecs.ListClustersOutput, error) {
	items, next := onePage(ecsClusterARNs, in.NextToken)
	return &ecs.ListClustersOutput{ClusterArns: items, NextToken: next}, nil
}

func (fakeECS) DescribeClusters(_ context.Context, in *ecs.DescribeClustersInput, _ ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error) {
	if len(in.Include) == 0 {
		return nil, errors.New("tags not asked for")
	}
	out := &ecs.DescribeClustersOutput{}
	for _, a := range in.Clusters {
		name := a[len(arnOf("ecs", "cluster/")):]
		out.Clusters = append(out.Clusters, ecstypes.Cluster{ClusterArn: sdkaws.String(a), ClusterName: sdkaws.String(name), Status: sdkaws.String("ACTIVE"),
			ActiveServicesCount: 2, RunningTasksCount: 3, CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"},
			Tags: []ecstypes.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("prod")}}})
	}
	return out, nil
}

func (fakeECS) ListServices(_ context.Context, in *ecs.ListServicesInput, _ ...func(*ecs.Options)) (*ecs.ListServicesOutput, error) {
	if *in.Cluster != ecsClusterARNs[0] {
		return &ecs.ListServicesOutput{}, nil
	}
	items, next := onePage([]string{arnOf("ecs", "service/shop-prod-cluster/web"), arnOf("ecs", "service/shop-prod-cluster/worker")}, in.NextToken)
	return &ecs.ListServicesOutput{ServiceArns: items, NextToken: next}, nil
}

func (fakeECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	out := &ecs.DescribeServicesOutput{}
	for _, a := range in.Services {
		name := a[len(arnOf("ecs", "service/shop-prod-cluster/")):]
		s := ecstypes.Service{ServiceArn: sdkaws.String(a), ServiceName: sdkaws.String(name), Status: sdkaws.String("ACTIVE"),
			DesiredCount: 2, RunningCount: 1, TaskDefinition: sdkaws.String(arnOf("ecs", "task-definition/shop:7")),
			CreatedAt: sdkaws.Time(testNow.AddDate(0, 0, -9))}
		if name == "web" {
			s.LaunchType = ecstypes.LaunchTypeFargate
			s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{SecurityGroups: []string{"sg-1"}}}
		} else {
			s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: sdkaws.String("FARGATE_SPOT")}}
		}
		out.Services = append(out.Services, s)
	}
	return out, nil
}

func (fakeECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &ecstypes.TaskDefinition{
		TaskDefinitionArn: in.TaskDefinition, Family: sdkaws.String("shop"), Revision: 7, Cpu: sdkaws.String("0.5 vCPU"), Memory: sdkaws.String("1024"),
		Status: ecstypes.TaskDefinitionStatusActive, RegisteredAt: sdkaws.Time(testNow.AddDate(0, 0, -3)),
	}}, nil
}

func TestCollectECS(t *testing.T) {
	out := &unitOut{}
	must(t, collectECS(context.Background(), testTarget(), out, fakeECS{}))
	tags := map[string]string{"env": "prod"}
	cluster, td := ecsClusterARNs[0], arnOf("ecs", "task-definition/shop:7")
	svc := func(name, launch string, providers []any, rels ...inventory.Relation) inventory.Resource {
		return inventory.Resource{ARN: arnOf("ecs", "service/shop-prod-cluster/"+name), Account: acct, Region: region, Type: "AWS::ECS::Service",
			ID: name, Name: name, Created: testNow.AddDate(0, 0, -9), State: "active",
			Attrs: inventory.AttrsOf(map[string]any{"cluster": "shop-prod-cluster", "desired_count": 2.0, "running_count": 1.0, "launch_type": launch,
				"capacity_providers": providers, "task_definition": "shop:7", "cpu": 512.0, "memory_mb": 1024.0, "load_balancers": 0.0}),
			Relations: append([]inventory.Relation{{Kind: inventory.RelInCluster, Target: cluster}, {Kind: inventory.RelUses, Target: td}}, rels...)}
	}
	want := []inventory.Resource{
		{ARN: cluster, Account: acct, Region: region, Type: "AWS::ECS::Cluster", ID: "shop-prod-cluster", Name: "shop-prod-cluster", Tags: inventory.TagsOf(tags), State: "active",
			Attrs: inventory.AttrsOf(map[string]any{"active_services": 2.0, "running_tasks": 3.0, "capacity_providers": []any{"FARGATE", "FARGATE_SPOT"}})},
		{ARN: ecsClusterARNs[1], Account: acct, Region: region, Type: "AWS::ECS::Cluster", ID: "empty", Name: "empty", Tags: inventory.TagsOf(tags), State: "active",
			Attrs: inventory.AttrsOf(map[string]any{"active_services": 2.0, "running_tasks": 3.0, "capacity_providers": []any{"FARGATE", "FARGATE_SPOT"}})},
		{ARN: td, Account: acct, Region: region, Type: "AWS::ECS::TaskDefinition", ID: "shop:7", Name: "shop", Created: testNow.AddDate(0, 0, -3), State: "active",
			Attrs: inventory.AttrsOf(map[string]any{"family": "shop", "revision": 7.0, "cpu": 512.0, "memory_mb": 1024.0})},
		svc("web", "FARGATE", []any{}, inventory.Relation{Kind: inventory.RelUsesSG, Target: arnOf("ec2", "security-group/sg-1")}),
		svc("worker", "", []any{"FARGATE_SPOT"}),
	}
	if diff := cmp.Diff(want, out.resources); diff != "" {
		t.Errorf("ecs (-want +got):\n%s", diff)
	}
}

type fakeLambda struct{}

func (fakeLambda) GetPolicy(context.Context, *lambda.GetPolicyInput, ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	return nil, apiErr("ResourceNotFoundException")
}

func (fakeLambda) ListFunctions(_ context.Context, in *lambda.ListFunctionsInput, _ ...func(*lambda.Options)) (*lambda.ListFunctionsOutput, error) {
	items, next := onePage([]lambdatypes.FunctionConfiguration{
		{FunctionName: sdkaws.String("shop-prod-resize"), FunctionArn: sdkaws.String(arnOf("lambda", "function:shop-prod-resize")),
			Runtime: lambdatypes.RuntimePython312, MemorySize: sdkaws.Int32(256), LastModified: sdkaws.String("2025-05-01T10:20:30.000+0900")},
		{FunctionName: sdkaws.String("odd"), FunctionArn: sdkaws.String(arnOf("lambda", "function:odd")), Runtime: lambdatypes.RuntimeNodejs20x,
			MemorySize: sdkaws.Int32(128), LastModified: sdkaws.String("yesterday")},
	}, in.Marker)
	return &lambda.ListFunctionsOutput{Functions: items, NextMarker: next}, nil
}

func TestCollectLambda(t *testing.T) {
	out := &unitOut{}
	must(t, collectLambda(context.Background(), testTarget(), out, fakeLambda{}))
	want := []inventory.Resource{
		{ARN: arnOf("lambda", "function:shop-prod-resize"), Account: acct, Region: region, Type: "AWS::Lambda::Function", ID: "shop-prod-resize", Name: "shop-prod-resize",
			Attrs: inventory.AttrsOf(map[string]any{"runtime": "python3.12", "memory_mb": 256.0, "last_modified": "2025-05-01T01:20:30Z", "policy_public": false})},
		// An unreadable time is left out, not guessed.
		{ARN: arnOf("lambda", "function:odd"), Account: acct, Region: region, Type: "AWS::Lambda::Function", ID: "odd", Name: "odd",
			Attrs: inventory.AttrsOf(map[string]any{"runtime": "nodejs20.x", "memory_mb": 128.0, "policy_public": false})},
	}
	if diff := cmp.Diff(want, out.resources); diff != "" {
		t.Errorf("lambda (-want +got):\n%s", diff)
	}
}

type fakeECR struct{ denyLifecycle bool }

func (fakeECR) DescribeRepositories(_ context.Context, in *ecr.DescribeRepositoriesInput, _ ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error) {
	items, next := onePage([]ecrtypes.Repository{
		{RepositoryName: sdkaws.String("shop"), RepositoryArn: sdkaws.String(arnOf("ecr", "repository/shop")), CreatedAt: sdkaws.Time(testNow.AddDate(-1, 0, 0)),
			ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true}, ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable},
		{RepositoryName: sdkaws.String("old"), RepositoryArn: sdkaws.String(arnOf("ecr", "repository/old")),
			ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{}},
	}, in.NextToken)
	return &ecr.DescribeRepositoriesOutput{Repositories: items, NextToken: next}, nil
}

func (f fakeECR) GetLifecyclePolicy(_ context.Context, in *ecr.GetLifecyclePolicyInput, _ ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	switch {
	case f.denyLifecycle:
		return nil, apiErr("AccessDeniedException")
	case *in.RepositoryName == "old":
		return nil, apiErr("LifecyclePolicyNotFoundException")
	}
	return &ecr.GetLifecyclePolicyOutput{}, nil
}

func (fakeECR) DescribeImages(_ context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	n := map[string]int{"shop": 3, "old": 0}[*in.RepositoryName]
	items, next := onePage(make([]ecrtypes.ImageDetail, n), in.NextToken)
	return &ecr.DescribeImagesOutput{ImageDetails: items, NextToken: next}, nil
}

func TestCollectECR(t *testing.T) {
	repo := func(name string, created int, scan, lifecycle bool, images float64) inventory.Resource {
		r := inventory.Resource{ARN: arnOf("ecr", "repository/"+name), Account: acct, Region: region, Type: "AWS::ECR::Repository", ID: name, Name: name,
			Attrs: inventory.AttrsOf(map[string]any{"scan_on_push": scan, "lifecycle_policy": lifecycle, "image_count": images})}
		if created != 0 {
			r.Created = testNow.AddDate(created, 0, 0)
		}
		if name == "shop" {
			// Only shop's response says how tags behave; old's stays absent.
			r.Attrs.Set("tag_immutable", true)
		}
		return r
	}
	tests := map[string]struct {
		api     fakeECR
		want    []inventory.Resource
		wantErr string
	}{
		"read": {api: fakeECR{}, want: []inventory.Resource{repo("shop", -1, true, true, 3), repo("old", 0, false, false, 0)}},
		"lifecycle denied": {api: fakeECR{denyLifecycle: true}, wantErr: "get lifecycle policy shop",
			want: func() []inventory.Resource {
				a, b := repo("shop", -1, true, true, 3), repo("old", 0, false, false, 0)
				a.Attrs.Delete("lifecycle_policy")
				b.Attrs.Delete("lifecycle_policy")
				return []inventory.Resource{a, b}
			}()},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out := &unitOut{}
			err := collectECR(context.Background(), testTarget(), out, tc.api)
			if got := fmt.Sprint(err); (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(got, tc.wantErr)) {
				t.Errorf("error = %v, want %q", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, out.resources); diff != "" {
				t.Errorf("ecr (-want +got):\n%s", diff)
			}
		})
	}
}

type fakeAutoScaling struct{}

var asgARN = arnOf("autoscaling", "autoScalingGroup:uuid:autoScalingGroupName/shop-prod-web")

func (fakeAutoScaling) DescribeAutoScalingGroups(_ context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	items, next := onePage([]astypes.AutoScalingGroup{
		{AutoScalingGroupName: sdkaws.String("shop-prod-web"), AutoScalingGroupARN: sdkaws.String(asgARN), MinSize: sdkaws.Int32(2), MaxSize: sdkaws.Int32(6),
			DesiredCapacity: sdkaws.Int32(2), CreatedTime: sdkaws.Time(testNow.AddDate(0, -2, 0)),
			Instances:            []astypes.Instance{{InstanceId: sdkaws.String("i-1"), InstanceType: sdkaws.String("t3.small")}, {InstanceId: sdkaws.String("i-2"), InstanceType: sdkaws.String("m5.large")}},
			MixedInstancesPolicy: &astypes.MixedInstancesPolicy{LaunchTemplate: &astypes.LaunchTemplate{Overrides: []astypes.LaunchTemplateOverrides{{InstanceType: sdkaws.String("m5.large")}}}},
			Tags:                 []astypes.TagDescription{{Key: sdkaws.String("system"), Value: sdkaws.String("shop")}}},
		{AutoScalingGroupName: sdkaws.String("legacy"), AutoScalingGroupARN: sdkaws.String(arnOf("autoscaling", "autoScalingGroup:u2:autoScalingGroupName/legacy")),
			MinSize: sdkaws.Int32(0), MaxSize: sdkaws.Int32(1), DesiredCapacity: sdkaws.Int32(0), LaunchConfigurationName: sdkaws.String("legacy-lc")},
		{AutoScalingGroupName: sdkaws.String("template"), AutoScalingGroupARN: sdkaws.String(arnOf("autoscaling", "autoScalingGroup:u3:autoScalingGroupName/template")),
			MinSize: sdkaws.Int32(0), MaxSize: sdkaws.Int32(1), DesiredCapacity: sdkaws.Int32(0)},
	}, in.NextToken)
	return &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: items, NextToken: next}, nil
}

func (fakeAutoScaling) DescribeLaunchConfigurations(_ context.Context, in *autoscaling.DescribeLaunchConfigurationsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeLaunchConfigurationsOutput, error) {
	var lcs []astypes.LaunchConfiguration
	for _, n := range in.LaunchConfigurationNames {
		lcs = append(lcs, astypes.LaunchConfiguration{LaunchConfigurationName: sdkaws.String(n), InstanceType: sdkaws.String("m4.large")})
	}
	return &autoscaling.DescribeLaunchConfigurationsOutput{LaunchConfigurations: lcs}, nil
}

func TestCollectAutoScaling(t *testing.T) {
	out := &unitOut{}
	must(t, collectAutoScaling(context.Background(), testTarget(), out, fakeAutoScaling{}))
	want := []inventory.Resource{
		{ARN: asgARN, Account: acct, Region: region, Type: "AWS::AutoScaling::AutoScalingGroup", ID: "shop-prod-web", Name: "shop-prod-web",
			Tags: inventory.TagsOf(map[string]string{"system": "shop"}), Created: testNow.AddDate(0, -2, 0),
			Attrs: inventory.AttrsOf(map[string]any{"min_size": 2.0, "max_size": 6.0, "desired_capacity": 2.0, "instance_types": []any{"m5.large", "t3.small"}})},
		{ARN: arnOf("autoscaling", "autoScalingGroup:u2:autoScalingGroupName/legacy"), Account: acct, Region: region, Type: "AWS::AutoScaling::AutoScalingGroup",
			ID: "legacy", Name: "legacy", Attrs: inventory.AttrsOf(map[string]any{"min_size": 0.0, "max_size": 1.0, "desired_capacity": 0.0, "instance_types": []any{"m4.large"}})},
		// Launched from a template with no members: types unknown, left out.
		{ARN: arnOf("autoscaling", "autoScalingGroup:u3:autoScalingGroupName/template"), Account: acct, Region: region, Type: "AWS::AutoScaling::AutoScalingGroup",
			ID: "template", Name: "template", Attrs: inventory.AttrsOf(map[string]any{"min_size": 0.0, "max_size": 1.0, "desired_capacity": 0.0})},
	}
	if diff := cmp.Diff(want, out.resources); diff != "" {
		t.Errorf("autoscaling (-want +got):\n%s", diff)
	}
	wantEdges := map[string][]inventory.Relation{
		arnOf("ec2", "instance/i-1"): {{Kind: inventory.RelMemberOf, Target: asgARN}},
		arnOf("ec2", "instance/i-2"): {{Kind: inventory.RelMemberOf, Target: asgARN}},
	}
	if diff := cmp.Diff(wantEdges, out.edges); diff != "" {
		t.Errorf("member-of edges (-want +got):\n%s", diff)
	}
}

type fakeCloudFront struct{}

func (fakeCloudFront) ListDistributions(_ context.Context, in *cloudfront.ListDistributionsInput, _ ...func(*cloudfront.Options)) (*cloudfront.ListDistributionsOutput, error) {
	items, next := onePage([]cftypes.DistributionSummary{
		{Id: sdkaws.String("E1"), ARN: sdkaws.String("arn:aws:cloudfront::" + acct + ":distribution/E1"), Status: sdkaws.String("Deployed"), Enabled: sdkaws.Bool(true), WebACLId: sdkaws.String("")},
		{Id: sdkaws.String("E2"), ARN: sdkaws.String("arn:aws:cloudfront::" + acct + ":distribution/E2"), Status: sdkaws.String("InProgress"), Enabled: sdkaws.Bool(false), WebACLId: sdkaws.String("arn:waf")},
	}, in.Marker)
	return &cloudfront.ListDistributionsOutput{DistributionList: &cftypes.DistributionList{Items: items, NextMarker: next, IsTruncated: sdkaws.Bool(next != nil)}}, nil
}

func (fakeCloudFront) GetDistributionConfig(_ context.Context, in *cloudfront.GetDistributionConfigInput, _ ...func(*cloudfront.Options)) (*cloudfront.GetDistributionConfigOutput, error) {
	return &cloudfront.GetDistributionConfigOutput{DistributionConfig: &cftypes.DistributionConfig{Logging: &cftypes.LoggingConfig{Enabled: sdkaws.Bool(*in.Id == "E2")}}}, nil
}

func TestCollectCloudFront(t *testing.T) {
	tgt := testTarget()
	tgt.region = "global"
	out := &unitOut{}
	must(t, collectCloudFront(context.Background(), tgt, out, fakeCloudFront{}))
	want := []inventory.Resource{
		{ARN: "arn:aws:cloudfront::" + acct + ":distribution/E1", Account: acct, Region: "global", Type: "AWS::CloudFront::Distribution", ID: "E1", State: "deployed",
			Attrs: inventory.AttrsOf(map[string]any{"web_acl_id": "", "enabled": true, "logging_enabled": false})},
		{ARN: "arn:aws:cloudfront::" + acct + ":distribution/E2", Account: acct, Region: "global", Type: "AWS::CloudFront::Distribution", ID: "E2", State: "inprogress",
			Attrs: inventory.AttrsOf(map[string]any{"web_acl_id": "arn:waf", "enabled": false, "logging_enabled": true})},
	}
	if diff := cmp.Diff(want, out.resources); diff != "" {
		t.Errorf("cloudfront (-want +got):\n%s", diff)
	}
}

type fakeELB struct{ tagCalls *int }

func (fakeELB) DescribeLoadBalancers(_ context.Context, in *elasticloadbalancing.DescribeLoadBalancersInput, _ ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeLoadBalancersOutput, error) {
	var all []elbtypes.LoadBalancerDescription
	for i := range 25 {
		all = append(all, elbtypes.LoadBalancerDescription{LoadBalancerName: sdkaws.String(fmt.Sprintf("lb%02d", i)), Scheme: sdkaws.String("internet-facing"),
			CreatedTime: sdkaws.Time(testNow.AddDate(-3, 0, 0)), SecurityGroups: []string{"sg-1"}})
	}
	items, next := onePage(all, in.Marker)
	return &elasticloadbalancing.DescribeLoadBalancersOutput{LoadBalancerDescriptions: items, NextMarker: next}, nil
}

func (fakeELB) DescribeLoadBalancerAttributes(_ context.Context, in *elasticloadbalancing.DescribeLoadBalancerAttributesInput, _ ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeLoadBalancerAttributesOutput, error) {
	return &elasticloadbalancing.DescribeLoadBalancerAttributesOutput{LoadBalancerAttributes: &elbtypes.LoadBalancerAttributes{AccessLog: &elbtypes.AccessLog{Enabled: *in.LoadBalancerName == "lb00"}}}, nil
}

func (fakeELB) DescribeInstanceHealth(_ context.Context, in *elasticloadbalancing.DescribeInstanceHealthInput, _ ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeInstanceHealthOutput, error) {
	if *in.LoadBalancerName != "lb00" {
		return &elasticloadbalancing.DescribeInstanceHealthOutput{}, nil
	}
	return &elasticloadbalancing.DescribeInstanceHealthOutput{InstanceStates: []elbtypes.InstanceState{{InstanceId: sdkaws.String("i-1"), State: sdkaws.String("OutOfService")}}}, nil
}

func (f fakeELB) DescribeTags(_ context.Context, in *elasticloadbalancing.DescribeTagsInput, _ ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeTagsOutput, error) {
	*f.tagCalls++
	if len(in.LoadBalancerNames) > 20 {
		return nil, apiErr("ValidationError")
	}
	out := &elasticloadbalancing.DescribeTagsOutput{}
	for _, n := range in.LoadBalancerNames {
		out.TagDescriptions = append(out.TagDescriptions, elbtypes.TagDescription{LoadBalancerName: sdkaws.String(n), Tags: []elbtypes.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String(n)}}})
	}
	return out, nil
}

func TestCollectELB(t *testing.T) {
	calls := 0
	out := &unitOut{}
	must(t, collectELB(context.Background(), testTarget(), out, fakeELB{tagCalls: &calls}))
	if len(out.resources) != 25 || calls != 2 {
		t.Fatalf("got %d load balancers in %d tag calls, want 25 in 2", len(out.resources), calls)
	}
	lbARN := arnOf("elasticloadbalancing", "loadbalancer/lb00")
	want := inventory.Resource{ARN: lbARN, Account: acct, Region: region, Type: "AWS::ElasticLoadBalancing::LoadBalancer", ID: "lb00", Name: "lb00",
		Tags: inventory.TagsOf(map[string]string{"Name": "lb00"}), Created: testNow.AddDate(-3, 0, 0),
		Attrs:     inventory.AttrsOf(map[string]any{"scheme": "internet-facing", "access_logs_enabled": true, "instances": []any{map[string]any{"id": "i-1", "state": "OutOfService"}}}),
		Relations: []inventory.Relation{{Kind: inventory.RelUsesSG, Target: arnOf("ec2", "security-group/sg-1")}}}
	if diff := cmp.Diff(want, out.resources[0]); diff != "" {
		t.Errorf("classic elb (-want +got):\n%s", diff)
	}
	if got := out.resources[24].Tags.Value("Name"); got != "lb24" {
		t.Errorf("tags of the 25th load balancer (second batch) = %q, want lb24", got)
	}
	wantEdges := map[string][]inventory.Relation{arnOf("ec2", "instance/i-1"): {{Kind: inventory.RelTargetOf, Target: lbARN}}}
	if diff := cmp.Diff(wantEdges, out.edges); diff != "" {
		t.Errorf("target-of edges (-want +got):\n%s", diff)
	}
}

// fakeBuckets serves two buckets in two regions with no public access block
// of their own and no other settings.
type fakeBuckets struct{ s3API }

func (fakeBuckets) ListBuckets(_ context.Context, in *s3.ListBucketsInput, _ ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	items, next := onePage([]s3types.Bucket{{Name: sdkaws.String("a"), BucketRegion: sdkaws.String(region)}, {Name: sdkaws.String("b"), BucketRegion: sdkaws.String("us-east-1")}}, in.ContinuationToken)
	return &s3.ListBucketsOutput{Buckets: items, ContinuationToken: next}, nil
}

func (fakeBuckets) GetBucketTagging(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	return nil, apiErr("NoSuchTagSet")
}

func (fakeBuckets) GetPublicAccessBlock(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	return nil, apiErr("NoSuchPublicAccessBlockConfiguration")
}

func (fakeBuckets) GetBucketPolicyStatus(context.Context, *s3.GetBucketPolicyStatusInput, ...func(*s3.Options)) (*s3.GetBucketPolicyStatusOutput, error) {
	return nil, apiErr("NoSuchBucketPolicy")
}

func (fakeBuckets) GetBucketAcl(context.Context, *s3.GetBucketAclInput, ...func(*s3.Options)) (*s3.GetBucketAclOutput, error) {
	return &s3.GetBucketAclOutput{}, nil
}

func (fakeBuckets) GetBucketEncryption(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	return nil, apiErr("ServerSideEncryptionConfigurationNotFoundError")
}

func (fakeBuckets) GetBucketLogging(context.Context, *s3.GetBucketLoggingInput, ...func(*s3.Options)) (*s3.GetBucketLoggingOutput, error) {
	return &s3.GetBucketLoggingOutput{}, nil
}

func (fakeBuckets) GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	return &s3.GetBucketVersioningOutput{}, nil
}

func (fakeBuckets) GetBucketLifecycleConfiguration(context.Context, *s3.GetBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error) {
	return nil, apiErr("NoSuchLifecycleConfiguration")
}

func (fakeBuckets) GetBucketPolicy(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	return &s3.GetBucketPolicyOutput{Policy: sdkaws.String(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)}, nil
}

func (fakeBuckets) GetBucketNotificationConfiguration(context.Context, *s3.GetBucketNotificationConfigurationInput, ...func(*s3.Options)) (*s3.GetBucketNotificationConfigurationOutput, error) {
	return &s3.GetBucketNotificationConfigurationOutput{}, nil
}

type fakeS3Control struct{ err error }

func (f fakeS3Control) GetPublicAccessBlock(context.Context, *s3control.GetPublicAccessBlockInput, ...func(*s3control.Options)) (*s3control.GetPublicAccessBlockOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	on := sdkaws.Bool(true)
	return &s3control.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &s3ctltypes.PublicAccessBlockConfiguration{
		BlockPublicAcls: on, IgnorePublicAcls: on, BlockPublicPolicy: on, RestrictPublicBuckets: on}}, nil
}

// TestCollectS3AccountSettings: the account-level Block Public Access
// overrides the buckets' own, and sizes come from CloudWatch per region,
// summed over storage types.
func TestCollectS3AccountSettings(t *testing.T) {
	tests := map[string]struct {
		ctl     fakeS3Control
		pab     bool
		wantErr string
	}{
		"account blocks public access": {ctl: fakeS3Control{}, pab: true},
		"account has no setting":       {ctl: fakeS3Control{err: apiErr("NoSuchPublicAccessBlockConfiguration")}, pab: false},
		"account setting denied":       {ctl: fakeS3Control{err: apiErr("AccessDenied")}, pab: false, wantErr: "get account public access block"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			regions := map[string]*fakeMetrics{}
			cw := func(r string) metricsAPI {
				if regions[r] == nil {
					regions[r] = &fakeMetrics{value: func(q cwtypes.MetricDataQuery) float64 {
						if *q.MetricStat.Metric.Dimensions[0].Value == "StandardStorage" || *q.MetricStat.Metric.Dimensions[1].Value == "StandardStorage" {
							return 100
						}
						return 0
					}}
				}
				return regions[r]
			}
			tgt := testTarget()
			tgt.region = "global"
			out := &unitOut{}
			err := collectS3(context.Background(), tgt, out, fakeBuckets{}, tc.ctl, cw)
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error = %v, want %q", err, tc.wantErr)
			}
			got := map[string]any{}
			for _, r := range out.resources {
				got[r.ID+" pab"] = r.Attrs.Value("public_access_block")
				got[r.ID+" size"] = r.Attrs.Value("size_bytes")
			}
			// fakeMetrics answers each query with [value, 1]: the newest
			// datapoint is the value, 100 for StandardStorage, 0 elsewhere.
			want := map[string]any{"a pab": tc.pab, "b pab": tc.pab, "a size": 100.0, "b size": 100.0}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("buckets (-want +got):\n%s", diff)
			}
			for r, m := range regions {
				if m.calls != 1 || m.perCall[0] != len(s3StorageTypes) {
					t.Errorf("cloudwatch in %s: %d calls of %v queries, want 1 of %d", r, m.calls, m.perCall, len(s3StorageTypes))
				}
			}
			if len(regions) != 2 {
				t.Errorf("cloudwatch read in %d regions, want each bucket's region (2)", len(regions))
			}
		})
	}
}

package aws

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// ecsAPI is the ECS calls the collector makes. Describe calls take batches
// (100 clusters, 10 services) and return tags when asked, so ECS needs no
// tagging API read.
type ecsAPI interface {
	ecs.ListClustersAPIClient
	ecs.ListServicesAPIClient
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, optFns ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

const (
	ecsClusterBatch = 100
	ecsServiceBatch = 10
)

func runECS(ctx context.Context, t *target, out *unitOut) error {
	return collectECS(ctx, t, out, ecs.NewFromConfig(t.cfg))
}

func ecsTags(tags []ecstypes.Tag) map[string]string {
	return tagMap(tags, func(t ecstypes.Tag) (*string, *string) { return t.Key, t.Value })
}

// collectECS reads clusters, their services and the task definitions those
// services run. Task definitions nothing runs are not read: there can be
// thousands of old revisions, and they cost nothing.
func collectECS(ctx context.Context, t *target, out *unitOut, api ecsAPI) error {
	var arns []string
	pg := ecs.NewListClustersPaginator(api, &ecs.ListClustersInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list clusters: %w", err)
		}
		arns = append(arns, page.ClusterArns...)
	}
	var errs []error
	var clusters []ecstypes.Cluster
	for lo := 0; lo < len(arns); lo += ecsClusterBatch {
		hi := min(lo+ecsClusterBatch, len(arns))
		d, err := api.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: arns[lo:hi], Include: []ecstypes.ClusterField{ecstypes.ClusterFieldTags, ecstypes.ClusterFieldSettings}})
		if err != nil {
			return fmt.Errorf("describe clusters: %w", err)
		}
		clusters = append(clusters, d.Clusters...)
	}
	taskDefs := map[string]*inventory.Resource{} // ARN -> resource, filled below
	var services []*inventory.Resource
	for _, c := range clusters {
		out.add(ecsCluster(t, c))
		ss, err := ecsServices(ctx, t, api, c)
		if err != nil {
			errs = append(errs, err)
		}
		for _, s := range ss {
			services = append(services, s)
			for _, rel := range s.Relations {
				if rel.Kind == inventory.RelUses {
					taskDefs[rel.Target] = nil
				}
			}
		}
	}
	tdARNs := make([]string, 0, len(taskDefs))
	for arn := range taskDefs {
		tdARNs = append(tdARNs, arn)
	}
	slices.Sort(tdARNs)
	for _, arn := range tdARNs {
		d, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: sdkaws.String(arn), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
		if err != nil {
			errs = append(errs, fmt.Errorf("describe task definition %s: %w", arn, err))
			continue
		}
		if d.TaskDefinition == nil {
			continue
		}
		r := taskDefinition(t, *d.TaskDefinition, d.Tags)
		taskDefs[arn] = &r
		out.add(r)
	}
	for _, s := range services {
		if td := taskDefs[taskDefOf(s)]; td != nil {
			for _, k := range []string{"cpu", "memory_mb"} {
				if v, ok := td.Attrs.Get(k); ok {
					s.Attrs.Set(k, v)
				}
			}
		}
		out.add(*s)
	}
	return errors.Join(errs...)
}

func taskDefOf(s *inventory.Resource) string {
	for _, rel := range s.Relations {
		if rel.Kind == inventory.RelUses {
			return rel.Target
		}
	}
	return ""
}

func ecsCluster(t *target, c ecstypes.Cluster) inventory.Resource {
	name := str(c.ClusterName)
	r := inventory.Resource{
		ARN: str(c.ClusterArn), Account: t.account, Region: t.region, Type: "AWS::ECS::Cluster",
		ID: name, Name: name, Tags: inventory.TagsOf(ecsTags(c.Tags)), State: lower(str(c.Status)),
		Attrs: inventory.AttrsOf(map[string]any{
			"active_services":    float64(c.ActiveServicesCount),
			"running_tasks":      float64(c.RunningTasksCount),
			"capacity_providers": stringList(c.CapacityProviders),
		}),
	}
	if r.ARN == "" {
		r.ARN = t.arn("ecs", "cluster/"+name)
	}
	for _, st := range c.Settings {
		if st.Name == ecstypes.ClusterSettingNameContainerInsights {
			// enabled, or enhanced (observability with more metrics)
			r.Attrs.Set("container_insights", str(st.Value) == "enabled" || str(st.Value) == "enhanced")
		}
	}
	return r
}

func ecsServices(ctx context.Context, t *target, api ecsAPI, c ecstypes.Cluster) ([]*inventory.Resource, error) {
	var arns []string
	pg := ecs.NewListServicesPaginator(api, &ecs.ListServicesInput{Cluster: c.ClusterArn})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list services of %s: %w", str(c.ClusterName), err)
		}
		arns = append(arns, page.ServiceArns...)
	}
	var out []*inventory.Resource
	for lo := 0; lo < len(arns); lo += ecsServiceBatch {
		hi := min(lo+ecsServiceBatch, len(arns))
		d, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: c.ClusterArn, Services: arns[lo:hi], Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
		if err != nil {
			return out, fmt.Errorf("describe services of %s: %w", str(c.ClusterName), err)
		}
		for _, s := range d.Services {
			r := ecsService(t, c, s)
			out = append(out, &r)
		}
	}
	return out, nil
}

func ecsService(t *target, c ecstypes.Cluster, s ecstypes.Service) inventory.Resource {
	name := str(s.ServiceName)
	providers := []string{}
	for _, p := range s.CapacityProviderStrategy {
		providers = append(providers, str(p.CapacityProvider))
	}
	td := str(s.TaskDefinition)
	attrs := map[string]any{
		"cluster":            str(c.ClusterName),
		"desired_count":      float64(s.DesiredCount),
		"running_count":      float64(s.RunningCount),
		"launch_type":        string(s.LaunchType),
		"capacity_providers": stringList(providers),
		"task_definition":    td[strings.LastIndexByte(td, '/')+1:],
		"load_balancers":     float64(len(s.LoadBalancers)),
	}
	r := inventory.Resource{
		ARN: str(s.ServiceArn), Account: t.account, Region: t.region, Type: "AWS::ECS::Service",
		ID: name, Name: name, Tags: inventory.TagsOf(ecsTags(s.Tags)), State: lower(str(s.Status)), Attrs: inventory.AttrsOf(attrs),
		Relations: []inventory.Relation{{Kind: inventory.RelInCluster, Target: str(c.ClusterArn)}},
	}
	if r.ARN == "" {
		r.ARN = t.arn("ecs", "service/"+str(c.ClusterName)+"/"+name)
	}
	if s.CreatedAt != nil {
		r.Created = s.CreatedAt.UTC()
	}
	if t := lastDeploymentChange(s.Deployments); !t.IsZero() {
		r.Attrs.Set("last_changed", t.UTC().Format(time.RFC3339))
	}
	if td != "" {
		if !strings.HasPrefix(td, "arn:") {
			td = t.arn("ecs", "task-definition/"+td)
		}
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUses, Target: td})
	}
	if v := str(s.PlatformVersion); v != "" {
		r.Attrs.Set("platform_version", v)
		r.Attrs.Set("platform_family", str(s.PlatformFamily))
	}
	if n := s.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
		if ip := n.AwsvpcConfiguration.AssignPublicIp; ip != "" {
			r.Attrs.Set("assign_public_ip", ip == ecstypes.AssignPublicIpEnabled)
		}
		for _, sg := range n.AwsvpcConfiguration.SecurityGroups {
			r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUsesSG, Target: t.arn("ec2", "security-group/"+sg)})
		}
	}
	return r
}

func taskDefinition(t *target, d ecstypes.TaskDefinition, tags []ecstypes.Tag) inventory.Resource {
	family := str(d.Family)
	id := family + ":" + strconv.Itoa(int(d.Revision))
	attrs := map[string]any{"family": family, "revision": float64(d.Revision)}
	// Task-level cpu and memory are strings ("512", "1 vCPU", "1 GB"); EC2
	// tasks may leave them out, and then steward does not guess.
	if v, ok := ecsUnits(str(d.Cpu), 1024); ok {
		attrs["cpu"] = v
	}
	if v, ok := ecsUnits(str(d.Memory), 1024); ok {
		attrs["memory_mb"] = v
	}
	// A task definition has at least one container; with them, an empty
	// network or PID mode is the default, not "not told".
	if len(d.ContainerDefinitions) > 0 {
		attrs["containers"] = containerDefs(d.ContainerDefinitions)
		attrs["network_mode"] = string(d.NetworkMode)
		attrs["pid_mode"] = string(d.PidMode)
	}
	r := inventory.Resource{
		ARN: str(d.TaskDefinitionArn), Account: t.account, Region: t.region, Type: "AWS::ECS::TaskDefinition",
		ID: id, Name: family, Tags: inventory.TagsOf(ecsTags(tags)), State: lower(string(d.Status)), Attrs: inventory.AttrsOf(attrs),
	}
	if r.ARN == "" {
		r.ARN = t.arn("ecs", "task-definition/"+id)
	}
	if d.RegisteredAt != nil {
		r.Created = d.RegisteredAt.UTC()
	}
	return r
}

// containerDefs keeps what security controls judge of each container: the
// names of its plain environment variables (never their values), whether
// it is privileged, its user and a read-only root file system.
func containerDefs(cs []ecstypes.ContainerDefinition) []any {
	out := make([]any, 0, len(cs))
	for _, c := range cs {
		env := []string{}
		for _, kv := range c.Environment {
			env = append(env, str(kv.Name))
		}
		out = append(out, map[string]any{
			"name":             str(c.Name),
			"privileged":       boolv(c.Privileged),
			"user":             str(c.User),
			"readonly_root_fs": boolv(c.ReadonlyRootFilesystem),
			"env_names":        stringList(env),
		})
	}
	return out
}

// ecsUnits reads a task size: a plain number of CPU units or MiB, or the
// "1 vCPU" / "2 GB" forms, which scale by perUnit.
func ecsUnits(s string, perUnit float64) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	// A size is a finite, non-negative number; NaN or Inf would not
	// survive JSON.
	valid := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if !valid(v) {
			return 0, false
		}
		return v, true
	}
	num, unit, ok := strings.Cut(s, " ")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !valid(v*perUnit) {
		return 0, false
	}
	switch strings.ToLower(unit) {
	case "vcpu", "gb":
		return v * perUnit, true
	}
	return 0, false
}

// lastDeploymentChange is when the service's deployments last changed:
// ECS updates the primary deployment when the desired count or the task
// definition changes, so for a service at desired count 0 it tells since
// when it has been scaled in.
func lastDeploymentChange(ds []ecstypes.Deployment) time.Time {
	var last time.Time
	for _, d := range ds {
		for _, t := range []*time.Time{d.UpdatedAt, d.CreatedAt} {
			if t != nil && t.After(last) {
				last = *t
			}
		}
	}
	return last
}

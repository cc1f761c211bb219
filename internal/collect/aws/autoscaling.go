package aws

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// autoScalingAPI is the Auto Scaling calls the collector makes.
type autoScalingAPI interface {
	autoscaling.DescribeAutoScalingGroupsAPIClient
	autoscaling.DescribeLaunchConfigurationsAPIClient
}

// launchConfigBatch is how many names one DescribeLaunchConfigurations takes.
const launchConfigBatch = 50

func runAutoScaling(ctx context.Context, t *target, out *unitOut) error {
	return collectAutoScaling(ctx, t, out, autoscaling.NewFromConfig(t.cfg))
}

// collectAutoScaling reads groups and marks each member instance member-of
// its group. Instance types come from a mixed instances policy, the launch
// configuration, and the members themselves; a group launched from a
// launch template with no members has no known types and leaves the attr
// out rather than claim an empty list.
func collectAutoScaling(ctx context.Context, t *target, out *unitOut, api autoScalingAPI) error {
	var groups []astypes.AutoScalingGroup
	pg := autoscaling.NewDescribeAutoScalingGroupsPaginator(api, &autoscaling.DescribeAutoScalingGroupsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe auto scaling groups: %w", err)
		}
		groups = append(groups, page.AutoScalingGroups...)
	}
	lcTypes, lcErr := launchConfigTypes(ctx, api, groups)
	for _, g := range groups {
		name := str(g.AutoScalingGroupName)
		var types []string
		addType := func(s string) {
			if s != "" && !slices.Contains(types, s) {
				types = append(types, s)
			}
		}
		if p := g.MixedInstancesPolicy; p != nil && p.LaunchTemplate != nil {
			for _, o := range p.LaunchTemplate.Overrides {
				addType(str(o.InstanceType))
			}
		}
		addType(lcTypes[str(g.LaunchConfigurationName)])
		for _, in := range g.Instances {
			addType(str(in.InstanceType))
		}
		slices.Sort(types)
		attrs := map[string]any{
			"min_size":         f32(g.MinSize),
			"max_size":         f32(g.MaxSize),
			"desired_capacity": f32(g.DesiredCapacity),
		}
		if len(types) > 0 {
			attrs["instance_types"] = stringList(types)
		}
		tags := tagMap(g.Tags, func(t astypes.TagDescription) (*string, *string) { return t.Key, t.Value })
		r := inventory.Resource{
			ARN: str(g.AutoScalingGroupARN), Account: t.account, Region: t.region, Type: "AWS::AutoScaling::AutoScalingGroup",
			ID: name, Name: name, Tags: inventory.TagsOf(tags), State: lower(str(g.Status)), Attrs: inventory.AttrsOf(attrs),
		}
		if r.ARN == "" {
			r.ARN = t.arn("autoscaling", "autoScalingGroupName/"+name)
		}
		if g.CreatedTime != nil {
			r.Created = g.CreatedTime.UTC()
		}
		for _, in := range g.Instances {
			out.edge(t.arn("ec2", "instance/"+str(in.InstanceId)), inventory.RelMemberOf, r.ARN)
		}
		out.add(r)
	}
	return lcErr
}

func launchConfigTypes(ctx context.Context, api autoScalingAPI, groups []astypes.AutoScalingGroup) (map[string]string, error) {
	var names []string
	for _, g := range groups {
		if n := str(g.LaunchConfigurationName); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	types := map[string]string{}
	for lo := 0; lo < len(names); lo += launchConfigBatch {
		hi := min(lo+launchConfigBatch, len(names))
		pg := autoscaling.NewDescribeLaunchConfigurationsPaginator(api, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: names[lo:hi]})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return types, fmt.Errorf("describe launch configurations: %w", err)
			}
			for _, lc := range page.LaunchConfigurations {
				types[str(lc.LaunchConfigurationName)] = str(lc.InstanceType)
			}
		}
	}
	return types, nil
}

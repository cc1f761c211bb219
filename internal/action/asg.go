package action

import (
	"github.com/steward-sre/steward/internal/i18n"

	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// AutoScalingAPI is the Auto Scaling calls the group target makes.
type AutoScalingAPI interface {
	DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	UpdateAutoScalingGroup(ctx context.Context, in *autoscaling.UpdateAutoScalingGroupInput, optFns ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
	CreateOrUpdateTags(ctx context.Context, in *autoscaling.CreateOrUpdateTagsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.CreateOrUpdateTagsOutput, error)
	DeleteTags(ctx context.Context, in *autoscaling.DeleteTagsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DeleteTagsOutput, error)
}

// ASG stops an Auto Scaling group by saving min, desired and max in the
// steward:saved tag and setting min and desired to 0; a start restores
// them and removes the tag. Like ECS, a second stop keeps the saved values.
type ASG struct {
	AutoScaling AutoScalingAPI
}

func asgName(r Ref) (string, error) {
	_, _, res, err := r.arnParts()
	if err != nil {
		return "", err
	}
	i := strings.Index(res, ":autoScalingGroupName/")
	if i < 0 {
		return "", fmt.Errorf("%s: not an Auto Scaling group ARN", r.ARN)
	}
	return res[i+len(":autoScalingGroupName/"):], nil
}

func (t *ASG) read(ctx context.Context, r Ref) (astypes.AutoScalingGroup, error) {
	name, err := asgName(r)
	if err != nil {
		return astypes.AutoScalingGroup{}, err
	}
	out, err := t.AutoScaling.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return astypes.AutoScalingGroup{}, fmt.Errorf("describe auto scaling group: %w", err)
	}
	if len(out.AutoScalingGroups) == 0 {
		return astypes.AutoScalingGroup{}, fmt.Errorf("auto scaling group %s not found", name)
	}
	return out.AutoScalingGroups[0], nil
}

func asgValues(g astypes.AutoScalingGroup) (map[string]string, map[string]string) {
	tags := map[string]string{}
	for _, tg := range g.Tags {
		tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	v := map[string]string{"min": itoa(sdkaws.ToInt32(g.MinSize)), "desired": itoa(sdkaws.ToInt32(g.DesiredCapacity)), "max": itoa(sdkaws.ToInt32(g.MaxSize))}
	if s, ok := tags[SavedTag]; ok {
		v["saved"] = s
	}
	return v, tags
}

func (t *ASG) Observe(ctx context.Context, r Ref) (Observed, error) {
	g, err := t.read(ctx, r)
	if err != nil {
		return Observed{}, err
	}
	v, tags := asgValues(g)
	o := Observed{Power: power(sdkaws.ToInt32(g.DesiredCapacity) > 0), State: v, Tags: tags}
	if s := sdkaws.ToString(g.Status); s != "" {
		o.Skip = i18n.Say("target.skip.group", s)
	}
	return o, nil
}

func (t *ASG) After(o Observed, v Verb) map[string]string {
	if v == Stop {
		saved := o.State["saved"]
		if o.State["desired"] != "0" {
			saved = encodeSaved(map[string]string{"min": o.State["min"], "desired": o.State["desired"], "max": o.State["max"]})
		}
		return map[string]string{"min": "0", "desired": "0", "max": o.State["max"], "saved": saved}
	}
	s, err := parseSaved(o.State["saved"], "min", "desired", "max")
	if err != nil {
		return map[string]string{"min": o.State["min"], "desired": o.State["desired"], "max": o.State["max"]}
	}
	return map[string]string{"min": s["min"], "desired": s["desired"], "max": s["max"]}
}

func (t *ASG) Apply(ctx context.Context, r Ref, v Verb) (map[string]string, error) {
	g, err := t.read(ctx, r)
	if err != nil {
		return nil, err
	}
	prev, tags := asgValues(g)
	name := sdkaws.ToString(g.AutoScalingGroupName)
	tag := func(val string) []astypes.Tag {
		return []astypes.Tag{{Key: sdkaws.String(SavedTag), Value: sdkaws.String(val), ResourceId: &name,
			ResourceType: sdkaws.String("auto-scaling-group"), PropagateAtLaunch: sdkaws.Bool(false)}}
	}
	if v == Stop {
		if sdkaws.ToInt32(g.DesiredCapacity) == 0 {
			return prev, nil // already stopped: the saved values stay
		}
		saved := encodeSaved(map[string]string{"min": prev["min"], "desired": prev["desired"], "max": prev["max"]})
		if _, err := t.AutoScaling.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: tag(saved)}); err != nil {
			return prev, fmt.Errorf("save %s=%q: %w", SavedTag, saved, err)
		}
		_, err := t.AutoScaling.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: &name, MinSize: sdkaws.Int32(0), DesiredCapacity: sdkaws.Int32(0)})
		return prev, err
	}
	raw, ok := tags[SavedTag]
	if !ok {
		if sdkaws.ToInt32(g.DesiredCapacity) > 0 {
			return prev, nil
		}
		return prev, fmt.Errorf("no %s tag: steward did not stop this group, so it does not know its sizes", SavedTag)
	}
	s, err := parseSaved(raw, "min", "desired", "max")
	if err != nil {
		return prev, err
	}
	if _, err := t.AutoScaling.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: &name,
		MinSize: sdkaws.Int32(atoi32(s["min"])), DesiredCapacity: sdkaws.Int32(atoi32(s["desired"])), MaxSize: sdkaws.Int32(atoi32(s["max"]))}); err != nil {
		return prev, err
	}
	_, err = t.AutoScaling.DeleteTags(ctx, &autoscaling.DeleteTagsInput{Tags: tag(raw)})
	return prev, err
}

package action

import (
	"github.com/steward-sre/steward/internal/i18n"

	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECSAPI is the ECS calls the service target makes.
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, optFns ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	TagResource(ctx context.Context, in *ecs.TagResourceInput, optFns ...func(*ecs.Options)) (*ecs.TagResourceOutput, error)
	UntagResource(ctx context.Context, in *ecs.UntagResourceInput, optFns ...func(*ecs.Options)) (*ecs.UntagResourceOutput, error)
}

// ScalingAPI is the Application Auto Scaling calls the service target
// makes on a service's scalable target.
type ScalingAPI interface {
	DescribeScalableTargets(ctx context.Context, in *aas.DescribeScalableTargetsInput, optFns ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error)
	RegisterScalableTarget(ctx context.Context, in *aas.RegisterScalableTargetInput, optFns ...func(*aas.Options)) (*aas.RegisterScalableTargetOutput, error)
}

// ECSService stops an ECS service by saving its desired count and its
// scalable target (min, max, suspended) in the steward:saved tag, then
// neutralising autoscaling (min 0, scaling suspended) so it cannot scale
// the service back up, then setting desired 0. A start restores the
// desired count, then autoscaling, waits until running == desired, and
// removes the tag. A second stop finds desired 0 and the tag already there
// and changes nothing: saved values are never overwritten with zeros.
type ECSService struct {
	ECS     ECSAPI
	Scaling ScalingAPI
	Wait    Wait
}

const ecsDimension = aastypes.ScalableDimensionECSServiceDesiredCount

type ecsState struct {
	svc    ecstypes.Service
	target *aastypes.ScalableTarget
	tags   map[string]string
}

func ecsCluster(r Ref) (cluster, name string, err error) {
	_, _, res, err := r.arnParts()
	if err != nil {
		return "", "", err
	}
	parts := strings.Split(res, "/")
	switch {
	case len(parts) == 3 && parts[0] == "service":
		return parts[1], parts[2], nil
	case len(parts) == 2 && parts[0] == "service" && r.Cluster != "":
		return r.Cluster, parts[1], nil
	}
	return "", "", fmt.Errorf("%s: not an ECS service ARN with its cluster", r.ARN)
}

func (t *ECSService) read(ctx context.Context, r Ref) (ecsState, error) {
	cluster, name, err := ecsCluster(r)
	if err != nil {
		return ecsState{}, err
	}
	out, err := t.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{name}, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	if err != nil {
		return ecsState{}, fmt.Errorf("describe service: %w", err)
	}
	if len(out.Services) == 0 {
		return ecsState{}, fmt.Errorf("service %s not found in cluster %s", name, cluster)
	}
	st := ecsState{svc: out.Services[0], tags: map[string]string{}}
	for _, tg := range st.svc.Tags {
		st.tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	sc, err := t.Scaling.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/" + cluster + "/" + name}, ScalableDimension: ecsDimension})
	if err != nil {
		return ecsState{}, fmt.Errorf("describe scalable target: %w", err)
	}
	if len(sc.ScalableTargets) > 0 {
		st.target = &sc.ScalableTargets[0]
	}
	return st, nil
}

func suspended(tg *aastypes.ScalableTarget) string {
	s := tg.SuspendedState
	if s == nil {
		return "false/false/false"
	}
	b := func(p *bool) string { return strconv.FormatBool(sdkaws.ToBool(p)) }
	return b(s.DynamicScalingInSuspended) + "/" + b(s.DynamicScalingOutSuspended) + "/" + b(s.ScheduledScalingSuspended)
}

func (st ecsState) values() map[string]string {
	v := map[string]string{"desired": itoa(st.svc.DesiredCount), "status": sdkaws.ToString(st.svc.Status)}
	if st.target != nil {
		v["min"] = itoa(sdkaws.ToInt32(st.target.MinCapacity))
		v["max"] = itoa(sdkaws.ToInt32(st.target.MaxCapacity))
		v["suspended"] = suspended(st.target)
	}
	if s, ok := st.tags[SavedTag]; ok {
		v["saved"] = s
	}
	return v
}

// deploying says why a deployment is in progress, or "".
func deploying(s ecstypes.Service) i18n.Phrase {
	if len(s.Deployments) > 1 {
		return i18n.Say("target.skip.deployments", len(s.Deployments))
	}
	for _, d := range s.Deployments {
		if d.RolloutState == ecstypes.DeploymentRolloutStateInProgress {
			return i18n.Say("target.skip.deployment", sdkaws.ToString(d.Id))
		}
	}
	return i18n.Phrase{}
}

func (t *ECSService) Observe(ctx context.Context, r Ref) (Observed, error) {
	st, err := t.read(ctx, r)
	if err != nil {
		return Observed{}, err
	}
	o := Observed{Power: power(st.svc.DesiredCount > 0), State: st.values(), Tags: st.tags, count: r.Count}
	if s := sdkaws.ToString(st.svc.Status); s != "ACTIVE" {
		o.Skip = i18n.Say("target.skip.service", strings.ToLower(s))
	} else if d := deploying(st.svc); d.Key != "" {
		o.Skip = d
	}
	return o, nil
}

func (t *ECSService) After(o Observed, v Verb) map[string]string {
	after := map[string]string{"status": o.State["status"]}
	if v == Stop {
		after["desired"] = "0"
		if _, ok := o.State["min"]; ok {
			after["min"], after["max"], after["suspended"] = "0", o.State["max"], "true/true/true"
		}
		after["saved"] = o.State["saved"]
		if o.State["desired"] != "0" {
			after["saved"] = encodeSaved(savedOf(o.State))
		}
		return after
	}
	saved, err := parseSaved(o.State["saved"], "desired")
	if _, ok := o.State["saved"]; !ok && o.count > 0 {
		after["desired"] = itoa(o.count)
		return after
	}
	if err != nil {
		after["desired"] = o.State["desired"]
		return after
	}
	for _, k := range []string{"desired", "min", "max", "suspended"} {
		if v, ok := saved[k]; ok {
			after[k] = v
		}
	}
	return after
}

// savedOf picks the values a start restores.
func savedOf(v map[string]string) map[string]string {
	out := map[string]string{"desired": v["desired"]}
	for _, k := range []string{"min", "max", "suspended"} {
		if x, ok := v[k]; ok {
			out[k] = x
		}
	}
	return out
}

func (t *ECSService) Apply(ctx context.Context, r Ref, v Verb) (map[string]string, error) {
	st, err := t.read(ctx, r)
	if err != nil {
		return nil, err
	}
	prev := st.values()
	cluster, name, _ := ecsCluster(r)
	arn := sdkaws.ToString(st.svc.ServiceArn)
	if arn == "" {
		arn = r.ARN
	}
	switch v {
	case Stop:
		return prev, t.stop(ctx, st, cluster, name, arn)
	case Start:
		return prev, t.start(ctx, st, cluster, name, arn, r.Count)
	}
	return nil, fmt.Errorf("ecs service: no action %q", v)
}

func (t *ECSService) stop(ctx context.Context, st ecsState, cluster, name, arn string) error {
	if st.svc.DesiredCount == 0 {
		// Already stopped: the saved values, if any, stay as they are.
		return nil
	}
	// 1. Save what a start restores, before anything changes.
	saved := encodeSaved(savedOf(st.values()))
	if _, err := t.ECS.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: &arn, Tags: []ecstypes.Tag{{Key: sdkaws.String(SavedTag), Value: &saved}}}); err != nil {
		return fmt.Errorf("save %s=%q: %w", SavedTag, saved, err)
	}
	// 2. Neutralise autoscaling, or it would scale the service back up.
	if st.target != nil {
		if _, err := t.Scaling.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{
			ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: st.target.ResourceId, ScalableDimension: ecsDimension,
			MinCapacity: sdkaws.Int32(0), MaxCapacity: st.target.MaxCapacity,
			SuspendedState: &aastypes.SuspendedState{DynamicScalingInSuspended: sdkaws.Bool(true), DynamicScalingOutSuspended: sdkaws.Bool(true), ScheduledScalingSuspended: sdkaws.Bool(true)},
		}); err != nil {
			return fmt.Errorf("suspend autoscaling: %w", err)
		}
	}
	// 3. Scale to zero.
	if _, err := t.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &name, DesiredCount: sdkaws.Int32(0)}); err != nil {
		return fmt.Errorf("set desired count 0: %w", err)
	}
	return nil
}

func (t *ECSService) start(ctx context.Context, st ecsState, cluster, name, arn string, count int32) error {
	raw, ok := st.tags[SavedTag]
	if !ok {
		if st.svc.DesiredCount > 0 {
			return nil // already running
		}
		if count > 0 {
			return t.scaleUp(ctx, cluster, name, count)
		}
		return fmt.Errorf("no %s tag: steward did not stop this service, so it does not know its desired count", SavedTag)
	}
	saved, err := parseSaved(raw, "desired")
	if err != nil {
		return err
	}
	desired := atoi32(saved["desired"])
	// Reverse of stop: desired count, then autoscaling, then the tag.
	if _, err := t.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &name, DesiredCount: &desired}); err != nil {
		return fmt.Errorf("set desired count %d: %w", desired, err)
	}
	if st.target != nil {
		in := &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: st.target.ResourceId, ScalableDimension: ecsDimension,
			MinCapacity: st.target.MinCapacity, MaxCapacity: st.target.MaxCapacity, SuspendedState: &aastypes.SuspendedState{
				DynamicScalingInSuspended: sdkaws.Bool(false), DynamicScalingOutSuspended: sdkaws.Bool(false), ScheduledScalingSuspended: sdkaws.Bool(false)}}
		if m, ok := saved["min"]; ok {
			in.MinCapacity = sdkaws.Int32(atoi32(m))
		}
		if m, ok := saved["max"]; ok {
			in.MaxCapacity = sdkaws.Int32(atoi32(m))
		}
		if s, ok := saved["suspended"]; ok {
			p := strings.Split(s, "/")
			if len(p) == 3 {
				in.SuspendedState = &aastypes.SuspendedState{DynamicScalingInSuspended: sdkaws.Bool(p[0] == "true"),
					DynamicScalingOutSuspended: sdkaws.Bool(p[1] == "true"), ScheduledScalingSuspended: sdkaws.Bool(p[2] == "true")}
			}
		}
		if _, err := t.Scaling.RegisterScalableTarget(ctx, in); err != nil {
			return fmt.Errorf("restore autoscaling: %w", err)
		}
	}
	if err := t.waitRunning(ctx, cluster, name, desired); err != nil {
		return err
	}
	if _, err := t.ECS.UntagResource(ctx, &ecs.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{SavedTag}}); err != nil {
		return fmt.Errorf("remove %s: %w", SavedTag, err)
	}
	return nil
}

// scaleUp sets the desired count of a service steward did not stop (a
// bastion kept at 0) and waits until its tasks run.
func (t *ECSService) scaleUp(ctx context.Context, cluster, name string, count int32) error {
	if _, err := t.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &name, DesiredCount: &count}); err != nil {
		return fmt.Errorf("set desired count %d: %w", count, err)
	}
	return t.waitRunning(ctx, cluster, name, count)
}

// waitRunning waits until the service is stable with running == desired.
func (t *ECSService) waitRunning(ctx context.Context, cluster, name string, desired int32) error {
	return t.Wait.until(ctx, "wait for "+name+" to run "+itoa(desired)+" tasks", func(ctx context.Context) (bool, string, error) {
		out, err := t.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{name}})
		if err != nil {
			return false, "", err
		}
		if len(out.Services) == 0 {
			return false, "", errors.New("service disappeared")
		}
		s := out.Services[0]
		return s.RunningCount == desired && deploying(s).Key == "", fmt.Sprintf("running %d of %d", s.RunningCount, desired), nil
	})
}

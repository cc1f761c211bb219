package action

import (
	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
)

// EC2API is the EC2 calls the instance target makes.
type EC2API interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	StopInstances(ctx context.Context, in *ec2.StopInstancesInput, optFns ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
	StartInstances(ctx context.Context, in *ec2.StartInstancesInput, optFns ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
}

// asgTag is the tag AWS puts on the instances of an Auto Scaling group.
const asgTag = "aws:autoscaling:groupName"

// Instance stops and starts an EC2 instance. An instance of an Auto
// Scaling group is skipped (the group would replace it; the group is
// scaled instead), and so is a spot instance, which cannot be stopped
// unless it is persistent.
type Instance struct {
	EC2 EC2API
}

func instanceID(r Ref) (string, error) {
	_, _, res, err := r.arnParts()
	if err != nil {
		return "", err
	}
	id, ok := strings.CutPrefix(res, "instance/")
	if !ok || id == "" {
		return "", fmt.Errorf("%s: not an EC2 instance ARN", r.ARN)
	}
	return id, nil
}

func (t *Instance) Observe(ctx context.Context, r Ref) (Observed, error) {
	id, err := instanceID(r)
	if err != nil {
		return Observed{}, err
	}
	out, err := t.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return Observed{}, fmt.Errorf("describe instance: %w", err)
	}
	if len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
		return Observed{}, fmt.Errorf("instance %s not found", id)
	}
	in := out.Reservations[0].Instances[0]
	state := ""
	if in.State != nil {
		state = string(in.State.Name)
	}
	o := Observed{Power: power(state == "running"), State: map[string]string{"state": state}, Tags: map[string]string{}}
	for _, tg := range in.Tags {
		o.Tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	switch {
	case o.Tags[asgTag] != "":
		o.Skip = i18n.Say("target.skip.inasg", o.Tags[asgTag])
	case in.InstanceLifecycle == "spot":
		o.Skip = i18n.Say("target.skip.spot")
	case state != "running" && state != "stopped":
		o.Skip = i18n.Say("target.skip.transition", state)
	}
	return o, nil
}

func (t *Instance) After(_ Observed, v Verb) map[string]string {
	if v == Stop {
		return map[string]string{"state": "stopped"}
	}
	return map[string]string{"state": "running"}
}

func (t *Instance) Apply(ctx context.Context, r Ref, v Verb) (map[string]string, error) {
	o, err := t.Observe(ctx, r)
	if err != nil {
		return nil, err
	}
	id, _ := instanceID(r)
	switch {
	case v == Stop && o.Power == schedule.Off, v == Start && o.Power == schedule.On:
		return o.State, nil
	case v == Stop:
		_, err = t.EC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	default:
		_, err = t.EC2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	}
	return o.State, err
}

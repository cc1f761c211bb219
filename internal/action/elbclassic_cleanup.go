package action

import (
	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// TypeClassicLoadBalancer is a Classic Load Balancer.
const TypeClassicLoadBalancer = "AWS::ElasticLoadBalancing::LoadBalancer"

// ClassicELBAPI is the Classic Load Balancing calls the classic load
// balancer target makes.
type ClassicELBAPI interface {
	DescribeLoadBalancers(ctx context.Context, in *elb.DescribeLoadBalancersInput, optFns ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error)
	DescribeTags(ctx context.Context, in *elb.DescribeTagsInput, optFns ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)
	AddTags(ctx context.Context, in *elb.AddTagsInput, optFns ...func(*elb.Options)) (*elb.AddTagsOutput, error)
	RemoveTags(ctx context.Context, in *elb.RemoveTagsInput, optFns ...func(*elb.Options)) (*elb.RemoveTagsOutput, error)
	DeregisterInstancesFromLoadBalancer(ctx context.Context, in *elb.DeregisterInstancesFromLoadBalancerInput, optFns ...func(*elb.Options)) (*elb.DeregisterInstancesFromLoadBalancerOutput, error)
	DeleteLoadBalancerListeners(ctx context.Context, in *elb.DeleteLoadBalancerListenersInput, optFns ...func(*elb.Options)) (*elb.DeleteLoadBalancerListenersOutput, error)
	DeleteLoadBalancer(ctx context.Context, in *elb.DeleteLoadBalancerInput, optFns ...func(*elb.Options)) (*elb.DeleteLoadBalancerOutput, error)
}

// ClassicLoadBalancer marks and deletes a Classic Load Balancer: its
// instances are deregistered (detached) first, then its listeners are
// deleted, then the load balancer.
type ClassicLoadBalancer struct {
	ELB ClassicELBAPI
}

func classicName(r Ref) (string, error) {
	_, _, res, err := r.arnParts()
	if err != nil {
		return "", err
	}
	name, ok := strings.CutPrefix(res, "loadbalancer/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("%s: not a Classic Load Balancer ARN", r.ARN)
	}
	return name, nil
}

func (t *ClassicLoadBalancer) describe(ctx context.Context, r Ref) (elbtypes.LoadBalancerDescription, Observed, error) {
	name, err := classicName(r)
	if err != nil {
		return elbtypes.LoadBalancerDescription{}, Observed{}, err
	}
	out, err := t.ELB.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerNames: []string{name}})
	if err != nil {
		return elbtypes.LoadBalancerDescription{}, Observed{}, fmt.Errorf("describe load balancer: %w", err)
	}
	if len(out.LoadBalancerDescriptions) == 0 {
		return elbtypes.LoadBalancerDescription{}, Observed{}, fmt.Errorf("load balancer %s not found", name)
	}
	lb := out.LoadBalancerDescriptions[0]
	o := Observed{State: map[string]string{"state": "active", "instances": itoa(len(lb.Instances)), "listeners": itoa(len(lb.ListenerDescriptions))}, Tags: map[string]string{}}
	tags, err := t.ELB.DescribeTags(ctx, &elb.DescribeTagsInput{LoadBalancerNames: []string{name}})
	if err != nil {
		return elbtypes.LoadBalancerDescription{}, Observed{}, fmt.Errorf("describe load balancer tags: %w", err)
	}
	for _, d := range tags.TagDescriptions {
		for _, tg := range d.Tags {
			o.Tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
		}
	}
	return lb, o, nil
}

func (t *ClassicLoadBalancer) Observe(ctx context.Context, r Ref) (Observed, error) {
	_, o, err := t.describe(ctx, r)
	return o, err
}

func (t *ClassicLoadBalancer) After(Observed, Verb) map[string]string {
	return map[string]string{"state": "deleted"}
}

func (t *ClassicLoadBalancer) Apply(_ context.Context, r Ref, v Verb) (map[string]string, error) {
	return nil, noStopStart(r, v)
}

func (t *ClassicLoadBalancer) Make(ctx context.Context, c Change) (map[string]string, error) {
	lb, o, err := t.describe(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	name := sdkaws.ToString(lb.LoadBalancerName)
	switch c.Action {
	case Mark, Unmark:
		set, remove := splitTags(c.After)
		if len(set) > 0 {
			in := &elb.AddTagsInput{LoadBalancerNames: []string{name}}
			for k, v := range set {
				in.Tags = append(in.Tags, elbtypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
			}
			if _, err := t.ELB.AddTags(ctx, in); err != nil {
				return nil, fmt.Errorf("tag load balancer: %w", err)
			}
		}
		if len(remove) > 0 {
			in := &elb.RemoveTagsInput{LoadBalancerNames: []string{name}}
			for _, k := range remove {
				in.Tags = append(in.Tags, elbtypes.TagKeyOnly{Key: sdkaws.String(k)})
			}
			if _, err := t.ELB.RemoveTags(ctx, in); err != nil {
				return nil, fmt.Errorf("untag load balancer: %w", err)
			}
		}
		return markValues(o.Tags), nil
	case Delete:
	default:
		return nil, noStopStart(c.Ref, c.Action)
	}
	prev := o.State
	// Detach before delete: the instances, then the listeners, then it.
	if len(lb.Instances) > 0 {
		var ids []string
		for _, i := range lb.Instances {
			ids = append(ids, sdkaws.ToString(i.InstanceId))
		}
		prev["instance_ids"] = strings.Join(ids, " ")
		if _, err := t.ELB.DeregisterInstancesFromLoadBalancer(ctx, &elb.DeregisterInstancesFromLoadBalancerInput{LoadBalancerName: &name, Instances: lb.Instances}); err != nil {
			return prev, fmt.Errorf("deregister instances (the load balancer was not deleted): %w", err)
		}
	}
	if len(lb.ListenerDescriptions) > 0 {
		var ports []int32
		for _, l := range lb.ListenerDescriptions {
			if l.Listener != nil {
				ports = append(ports, l.Listener.LoadBalancerPort)
			}
		}
		if _, err := t.ELB.DeleteLoadBalancerListeners(ctx, &elb.DeleteLoadBalancerListenersInput{LoadBalancerName: &name, LoadBalancerPorts: ports}); err != nil {
			return prev, fmt.Errorf("delete listeners (the load balancer was not deleted): %w", err)
		}
	}
	_, err = t.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerName: &name})
	return prev, err
}

package action

import (
	"github.com/steward-sre/steward/internal/i18n"

	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ELBAPI is the Elastic Load Balancing (v2) calls the load balancer
// target makes.
type ELBAPI interface {
	DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
	DescribeLoadBalancerAttributes(ctx context.Context, in *elbv2.DescribeLoadBalancerAttributesInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancerAttributesOutput, error)
	DescribeTags(ctx context.Context, in *elbv2.DescribeTagsInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error)
	DescribeListeners(ctx context.Context, in *elbv2.DescribeListenersInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error)
	DeleteListener(ctx context.Context, in *elbv2.DeleteListenerInput, optFns ...func(*elbv2.Options)) (*elbv2.DeleteListenerOutput, error)
	DeleteLoadBalancer(ctx context.Context, in *elbv2.DeleteLoadBalancerInput, optFns ...func(*elbv2.Options)) (*elbv2.DeleteLoadBalancerOutput, error)
	AddTags(ctx context.Context, in *elbv2.AddTagsInput, optFns ...func(*elbv2.Options)) (*elbv2.AddTagsOutput, error)
	RemoveTags(ctx context.Context, in *elbv2.RemoveTagsInput, optFns ...func(*elbv2.Options)) (*elbv2.RemoveTagsOutput, error)
}

// LoadBalancer marks and deletes an application or network load
// balancer: its listeners first, one by one, then the load balancer. One
// with deletion protection on is skipped. Its target groups are left
// (they cost nothing and may be shared).
type LoadBalancer struct {
	ELB ELBAPI
}

func (t *LoadBalancer) Observe(ctx context.Context, r Ref) (Observed, error) {
	out, err := t.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{r.ARN}})
	if err != nil {
		return Observed{}, fmt.Errorf("describe load balancer: %w", err)
	}
	if len(out.LoadBalancers) == 0 {
		return Observed{}, fmt.Errorf("load balancer %s not found", r.ARN)
	}
	lb := out.LoadBalancers[0]
	state := ""
	if lb.State != nil {
		state = string(lb.State.Code)
	}
	ls, err := t.listeners(ctx, r.ARN)
	if err != nil {
		return Observed{}, err
	}
	o := Observed{State: map[string]string{"state": state, "listeners": itoa(len(ls))}, Tags: map[string]string{}}
	tags, err := t.ELB.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{r.ARN}})
	if err != nil {
		return Observed{}, fmt.Errorf("describe load balancer tags: %w", err)
	}
	for _, d := range tags.TagDescriptions {
		for _, tg := range d.Tags {
			o.Tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
		}
	}
	attrs, err := t.ELB.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: &r.ARN})
	if err != nil {
		return Observed{}, fmt.Errorf("describe load balancer attributes: %w", err)
	}
	for _, a := range attrs.Attributes {
		if sdkaws.ToString(a.Key) == "deletion_protection.enabled" && sdkaws.ToString(a.Value) == "true" {
			o.Skip = i18n.Say("target.skip.protected")
		}
	}
	if o.Skip.Key == "" && state != string(elbv2types.LoadBalancerStateEnumActive) && state != string(elbv2types.LoadBalancerStateEnumActiveImpaired) {
		o.Skip = i18n.Say("target.skip.state", state)
	}
	return o, nil
}

// listeners lists the load balancer's listener ARNs, every page.
func (t *LoadBalancer) listeners(ctx context.Context, arn string) ([]string, error) {
	var out []string
	pg := elbv2.NewDescribeListenersPaginator(t.ELB, &elbv2.DescribeListenersInput{LoadBalancerArn: &arn})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe listeners: %w", err)
		}
		for _, l := range page.Listeners {
			out = append(out, sdkaws.ToString(l.ListenerArn))
		}
	}
	return out, nil
}

func (t *LoadBalancer) After(Observed, Verb) map[string]string {
	return map[string]string{"state": "deleted"}
}

func (t *LoadBalancer) Apply(_ context.Context, r Ref, v Verb) (map[string]string, error) {
	return nil, noStopStart(r, v)
}

func (t *LoadBalancer) Make(ctx context.Context, c Change) (map[string]string, error) {
	o, err := t.Observe(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	switch c.Action {
	case Mark, Unmark:
		set, remove := splitTags(c.After)
		if len(set) > 0 {
			in := &elbv2.AddTagsInput{ResourceArns: []string{c.ARN}}
			for k, v := range set {
				in.Tags = append(in.Tags, elbv2types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
			}
			if _, err := t.ELB.AddTags(ctx, in); err != nil {
				return nil, fmt.Errorf("tag load balancer: %w", err)
			}
		}
		if len(remove) > 0 {
			if _, err := t.ELB.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{c.ARN}, TagKeys: remove}); err != nil {
				return nil, fmt.Errorf("untag load balancer: %w", err)
			}
		}
		return markValues(o.Tags), nil
	case Delete:
	default:
		return nil, noStopStart(c.Ref, c.Action)
	}
	ls, err := t.listeners(ctx, c.ARN)
	if err != nil {
		return o.State, err
	}
	prev := o.State
	prev["listener_arns"] = strings.Join(ls, " ")
	// Listeners first: what depends on the load balancer goes before it.
	for _, l := range ls {
		if _, err := t.ELB.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: &l}); err != nil {
			return prev, fmt.Errorf("delete listener %s (the load balancer was not deleted): %w", l, err)
		}
	}
	_, err = t.ELB.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &c.ARN})
	return prev, err
}

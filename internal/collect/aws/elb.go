package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// elbAPI is the classic Elastic Load Balancing calls the collector makes.
type elbAPI interface {
	elasticloadbalancing.DescribeLoadBalancersAPIClient
	DescribeLoadBalancerAttributes(ctx context.Context, in *elasticloadbalancing.DescribeLoadBalancerAttributesInput, optFns ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeLoadBalancerAttributesOutput, error)
	DescribeInstanceHealth(ctx context.Context, in *elasticloadbalancing.DescribeInstanceHealthInput, optFns ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeInstanceHealthOutput, error)
	DescribeTags(ctx context.Context, in *elasticloadbalancing.DescribeTagsInput, optFns ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeTagsOutput, error)
}

// elbTagBatch is how many load balancer names one DescribeTags takes.
const elbTagBatch = 20

func runELB(ctx context.Context, t *target, out *unitOut) error {
	return collectELB(ctx, t, out, elasticloadbalancing.NewFromConfig(t.cfg))
}

// collectELB reads classic load balancers with their registered instances
// and each instance's state, and marks each instance target-of its load
// balancer so policies can see a balancer whose instances are all stopped.
func collectELB(ctx context.Context, t *target, out *unitOut, api elbAPI) error {
	var errs []error
	var lbs []inventory.Resource
	pg := elasticloadbalancing.NewDescribeLoadBalancersPaginator(api, &elasticloadbalancing.DescribeLoadBalancersInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe load balancers: %w", err)
		}
		for _, lb := range page.LoadBalancerDescriptions {
			r, err := classicELB(ctx, t, out, api, lb)
			if err != nil {
				errs = append(errs, err)
			}
			lbs = append(lbs, r)
		}
	}
	if err := elbTags(ctx, api, lbs); err != nil {
		errs = append(errs, err)
	}
	for _, r := range lbs {
		out.add(r)
	}
	return joinFew(errs, 3)
}

func classicELB(ctx context.Context, t *target, out *unitOut, api elbAPI, lb elbtypes.LoadBalancerDescription) (inventory.Resource, error) {
	name := str(lb.LoadBalancerName)
	arn := t.arn("elasticloadbalancing", "loadbalancer/"+name)
	r := inventory.Resource{
		ARN: arn, Account: t.account, Region: t.region, Type: "AWS::ElasticLoadBalancing::LoadBalancer",
		ID: name, Name: name, Attrs: inventory.AttrsOf(map[string]any{"scheme": str(lb.Scheme)}),
	}
	if lb.CreatedTime != nil {
		r.Created = lb.CreatedTime.UTC()
	}
	for _, sg := range lb.SecurityGroups {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUsesSG, Target: t.arn("ec2", "security-group/"+sg)})
	}
	// A classic load balancer has at least one listener and one zone, so
	// an empty list is a reader that left them out, not a setting.
	if ls := classicListeners(lb.ListenerDescriptions); len(ls) > 0 {
		r.Attrs.Set("listeners", ls)
	}
	if n := len(lb.AvailabilityZones); n > 0 {
		r.Attrs.Set("availability_zones", float64(n))
	}
	var errs []error
	if a, err := api.DescribeLoadBalancerAttributes(ctx, &elasticloadbalancing.DescribeLoadBalancerAttributesInput{LoadBalancerName: lb.LoadBalancerName}); err != nil {
		errs = append(errs, fmt.Errorf("describe load balancer attributes %s: %w", name, err))
	} else if a.LoadBalancerAttributes != nil {
		la := a.LoadBalancerAttributes
		r.Attrs.Set("access_logs_enabled", la.AccessLog != nil && la.AccessLog.Enabled)
		if la.ConnectionDraining != nil {
			r.Attrs.Set("connection_draining", la.ConnectionDraining.Enabled)
		}
		if la.CrossZoneLoadBalancing != nil {
			r.Attrs.Set("cross_zone", la.CrossZoneLoadBalancing.Enabled)
		}
		for _, x := range la.AdditionalAttributes {
			if str(x.Key) == "elb.http.desyncmitigationmode" {
				r.Attrs.Set("desync_mitigation_mode", str(x.Value))
			}
		}
	}
	h, err := api.DescribeInstanceHealth(ctx, &elasticloadbalancing.DescribeInstanceHealthInput{LoadBalancerName: lb.LoadBalancerName})
	if err != nil {
		errs = append(errs, fmt.Errorf("describe instance health %s: %w", name, err))
	} else {
		instances := []any{}
		for _, s := range h.InstanceStates {
			id := str(s.InstanceId)
			instances = append(instances, map[string]any{"id": id, "state": str(s.State)})
			out.edge(t.arn("ec2", "instance/"+id), inventory.RelTargetOf, arn)
		}
		r.Attrs.Set("instances", instances)
	}
	return r, errors.Join(errs...)
}

// classicListeners lists a classic load balancer's listeners: front-end
// protocol and port, and for SSL and HTTPS the certificate they serve.
func classicListeners(ds []elbtypes.ListenerDescription) []any {
	out := []any{}
	for _, d := range ds {
		l := d.Listener
		if l == nil {
			continue
		}
		out = append(out, map[string]any{
			"protocol":    strings.ToUpper(str(l.Protocol)),
			"port":        float64(l.LoadBalancerPort),
			"certificate": str(l.SSLCertificateId),
			"policies":    stringList(d.PolicyNames),
		})
	}
	return out
}

// elbTags reads tags 20 load balancers per call, the API's batch size.
func elbTags(ctx context.Context, api elbAPI, rs []inventory.Resource) error {
	idx := make(map[string]int, len(rs))
	for i := range rs {
		idx[rs[i].ID] = i
	}
	for lo := 0; lo < len(rs); lo += elbTagBatch {
		hi := min(lo+elbTagBatch, len(rs))
		names := make([]string, 0, hi-lo)
		for _, r := range rs[lo:hi] {
			names = append(names, r.ID)
		}
		out, err := api.DescribeTags(ctx, &elasticloadbalancing.DescribeTagsInput{LoadBalancerNames: names})
		if err != nil {
			return fmt.Errorf("describe tags: %w", err)
		}
		for _, d := range out.TagDescriptions {
			if i, ok := idx[str(d.LoadBalancerName)]; ok {
				rs[i].Tags = inventory.TagsOf(tagMap(d.Tags, func(t elbtypes.Tag) (*string, *string) { return t.Key, t.Value }))
			}
		}
	}
	return nil
}

package aws

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// elbv2API is the Elastic Load Balancing v2 calls the collector makes.
type elbv2API interface {
	elbv2.DescribeLoadBalancersAPIClient
	elbv2.DescribeTargetGroupsAPIClient
	elbv2.DescribeListenersAPIClient
	DescribeLoadBalancerAttributes(ctx context.Context, in *elbv2.DescribeLoadBalancerAttributesInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancerAttributesOutput, error)
	DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	DescribeTags(ctx context.Context, in *elbv2.DescribeTagsInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error)
}

func runELBv2(ctx context.Context, t *target, out *unitOut) error {
	return collectELBv2(ctx, t, out, elbv2.NewFromConfig(t.cfg), cloudwatch.NewFromConfig(t.cfg))
}

// elbID is the part of a load balancer or target group ARN after the
// resource kind: app/name/hash, the form CloudWatch dimensions use.
func elbID(arn string) string {
	if i := strings.Index(arn, ":loadbalancer/"); i >= 0 {
		return arn[i+len(":loadbalancer/"):]
	}
	if i := strings.Index(arn, ":targetgroup/"); i >= 0 {
		return arn[i+len(":targetgroup/"):]
	}
	if i := strings.Index(arn, ":listener/"); i >= 0 {
		return arn[i+len(":listener/"):]
	}
	return arn
}

func collectELBv2(ctx context.Context, t *target, out *unitOut, api elbv2API, cw metricsAPI) error {
	var errs []error
	var lbs []inventory.Resource
	pg := elbv2.NewDescribeLoadBalancersPaginator(api, &elbv2.DescribeLoadBalancersInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe load balancers: %w", err)
		}
		for _, lb := range page.LoadBalancers {
			arn := str(lb.LoadBalancerArn)
			r := inventory.Resource{
				ARN: arn, Account: t.account, Region: t.region, Type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
				ID: elbID(arn), Name: str(lb.LoadBalancerName),
				Attrs: inventory.AttrsOf(map[string]any{"lb_type": string(lb.Type), "scheme": string(lb.Scheme)}),
			}
			if lb.State != nil {
				r.State = lower(string(lb.State.Code))
			}
			if lb.CreatedTime != nil {
				r.Created = lb.CreatedTime.UTC()
			}
			for _, sg := range lb.SecurityGroups {
				r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUsesSG, Target: t.arn("ec2", "security-group/"+sg)})
			}
			attrs, err := api.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
			if err != nil {
				errs = append(errs, fmt.Errorf("describe load balancer attributes %s: %w", r.Name, err))
			} else {
				r.Attrs.Set("access_logs_enabled", false)
				for _, a := range attrs.Attributes {
					switch str(a.Key) {
					case "access_logs.s3.enabled":
						r.Attrs.Set("access_logs_enabled", str(a.Value) == "true")
					case "routing.http.drop_invalid_header_fields.enabled":
						r.Attrs.Set("drop_invalid_header_fields", str(a.Value) == "true")
					case "routing.http.desync_mitigation_mode":
						r.Attrs.Set("desync_mitigation_mode", str(a.Value))
					case "deletion_protection.enabled":
						r.Attrs.Set("deletion_protection", str(a.Value) == "true")
					}
				}
			}
			if n := len(lb.AvailabilityZones); n > 0 {
				r.Attrs.Set("availability_zones", float64(n))
			}
			lbs = append(lbs, r)
		}
	}

	var tgs []inventory.Resource
	tpg := elbv2.NewDescribeTargetGroupsPaginator(api, &elbv2.DescribeTargetGroupsInput{})
	for tpg.HasMorePages() {
		page, err := tpg.NextPage(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("describe target groups: %w", err))
			break
		}
		for _, tg := range page.TargetGroups {
			r, err := targetGroup(ctx, t, out, api, tg)
			if err != nil {
				errs = append(errs, err)
			}
			tgs = append(tgs, r)
		}
	}

	var listeners []inventory.Resource
	for _, lb := range lbs {
		ls, err := lbListeners(ctx, t, api, lb)
		if err != nil {
			errs = append(errs, err)
		}
		listeners = append(listeners, ls...)
	}

	all := append(append(lbs, tgs...), listeners...)
	if err := elbv2Tags(ctx, api, all); err != nil {
		errs = append(errs, err)
	}
	// all holds copies of lbs: the counts go on the copies that are added.
	lbRequestCounts(ctx, t, out, cw, all[:len(lbs)])
	for _, r := range all {
		out.add(r)
	}
	return errors.Join(errs...)
}

func targetGroup(ctx context.Context, t *target, out *unitOut, api elbv2API, tg elbv2types.TargetGroup) (inventory.Resource, error) {
	arn := str(tg.TargetGroupArn)
	r := inventory.Resource{
		ARN: arn, Account: t.account, Region: t.region, Type: "AWS::ElasticLoadBalancingV2::TargetGroup",
		ID: elbID(arn), Name: str(tg.TargetGroupName),
		Attrs: inventory.AttrsOf(map[string]any{"target_type": string(tg.TargetType)}),
	}
	for _, lb := range tg.LoadBalancerArns {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelAttachedTo, Target: lb})
	}
	h, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
	if err != nil {
		return r, fmt.Errorf("describe target health %s: %w", r.Name, err)
	}
	targets := []any{}
	for _, d := range h.TargetHealthDescriptions {
		if d.Target == nil {
			continue
		}
		health := ""
		if d.TargetHealth != nil {
			health = string(d.TargetHealth.State)
		}
		id := str(d.Target.Id)
		targets = append(targets, map[string]any{"id": id, "port": f32(d.Target.Port), "health": health})
		if tg.TargetType == elbv2types.TargetTypeEnumInstance {
			out.edge(t.arn("ec2", "instance/"+id), inventory.RelTargetOf, arn)
		}
	}
	r.Attrs.Set("targets", targets)
	return r, nil
}

// elbv2Tags reads tags 20 resources per call, the API's batch size.
func elbv2Tags(ctx context.Context, api elbv2API, rs []inventory.Resource) error {
	idx := make(map[string]int, len(rs))
	for i := range rs {
		idx[rs[i].ARN] = i
	}
	for lo := 0; lo < len(rs); lo += 20 {
		hi := min(lo+20, len(rs))
		arns := make([]string, 0, hi-lo)
		for _, r := range rs[lo:hi] {
			arns = append(arns, r.ARN)
		}
		out, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: arns})
		if err != nil {
			return fmt.Errorf("describe tags: %w", err)
		}
		for _, d := range out.TagDescriptions {
			i, ok := idx[str(d.ResourceArn)]
			if !ok {
				continue
			}
			rs[i].Tags = inventory.TagsOf(tagMap(d.Tags, func(t elbv2types.Tag) (*string, *string) { return t.Key, t.Value }))
		}
	}
	return nil
}

// lbRequestCounts fills request_count_14d: RequestCount for application
// load balancers, NewFlowCount for network ones, all in batched calls.
func lbRequestCounts(ctx context.Context, t *target, out *unitOut, cw metricsAPI, lbs []inventory.Resource) {
	var qs []metricQuery
	var which []int
	for i, lb := range lbs {
		switch lb.Attrs.Value("lb_type") {
		case "application":
			qs = append(qs, metricQuery{namespace: "AWS/ApplicationELB", metric: "RequestCount", dims: map[string]string{"LoadBalancer": lb.ID}, stat: "Sum"})
		case "network":
			qs = append(qs, metricQuery{namespace: "AWS/NetworkELB", metric: "NewFlowCount", dims: map[string]string{"LoadBalancer": lb.ID}, stat: "Sum"})
		default:
			continue
		}
		which = append(which, i)
	}
	if len(qs) == 0 {
		return
	}
	vals, err := getMetrics(ctx, cw, qs, lookbackStart(t.now, 14), t.now)
	out.sideRead(t, "cloudwatch", err)
	if err != nil {
		return
	}
	for k, i := range which {
		lbs[i].Attrs.Set("request_count_14d", sum(vals[k]))
	}
}

// lbListeners reads the listeners of one load balancer, page by page: the
// API lists listeners only per load balancer (or by listener ARN).
func lbListeners(ctx context.Context, t *target, api elbv2API, lb inventory.Resource) ([]inventory.Resource, error) {
	var out []inventory.Resource
	pg := elbv2.NewDescribeListenersPaginator(api, &elbv2.DescribeListenersInput{LoadBalancerArn: &lb.ARN})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("describe listeners of %s: %w", lb.Name, err)
		}
		for _, l := range page.Listeners {
			out = append(out, listener(t, lb.ARN, l))
		}
	}
	return out, nil
}

func listener(t *target, lbARN string, l elbv2types.Listener) inventory.Resource {
	arn := str(l.ListenerArn)
	certs := []any{}
	for _, c := range l.Certificates {
		if a := str(c.CertificateArn); a != "" {
			certs = append(certs, a)
		}
	}
	r := inventory.Resource{
		ARN: arn, Account: t.account, Region: t.region, Type: "AWS::ElasticLoadBalancingV2::Listener",
		ID: elbID(arn),
		Attrs: inventory.AttrsOf(map[string]any{
			"protocol": string(l.Protocol), "port": f32(l.Port), "ssl_policy": str(l.SslPolicy),
			"certificate_arns": certs,
		}),
		Relations: []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: lbARN}},
	}
	actions := []any{}
	seen := map[string]bool{}
	use := func(tg string) {
		if tg != "" && !seen[tg] {
			seen[tg] = true
			r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUses, Target: tg})
		}
	}
	for _, a := range l.DefaultActions {
		redirect := ""
		if a.RedirectConfig != nil {
			redirect = str(a.RedirectConfig.Protocol)
		}
		var tgs []string
		if tg := str(a.TargetGroupArn); tg != "" {
			tgs = append(tgs, tg)
		}
		if a.ForwardConfig != nil {
			for _, w := range a.ForwardConfig.TargetGroups {
				if tg := str(w.TargetGroupArn); tg != "" && !slices.Contains(tgs, tg) {
					tgs = append(tgs, tg)
				}
			}
		}
		if len(tgs) == 0 {
			tgs = []string{""}
		}
		// A forward to weighted target groups is one entry per group, so
		// a policy sees every group the listener sends traffic to.
		for _, tg := range tgs {
			actions = append(actions, map[string]any{"type": string(a.Type), "target_group_arn": tg, "redirect_protocol": redirect})
			use(tg)
		}
	}
	r.Attrs.Set("default_actions", actions)
	return r
}

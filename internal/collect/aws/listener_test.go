package aws

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/inventory"
)

// listenerEstate is one load balancer with a target group and n listeners:
// even ones plain HTTP redirecting to HTTPS, odd ones HTTPS forwarding.
func listenerEstate(n int) []inventory.Resource {
	const acct, region = "111111111111", "ap-northeast-1"
	lb := "arn:aws:elasticloadbalancing:" + region + ":" + acct + ":loadbalancer/app/shop/abc"
	tg := "arn:aws:elasticloadbalancing:" + region + ":" + acct + ":targetgroup/shop/def"
	rs := []inventory.Resource{
		{ARN: lb, Account: acct, Region: region, Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", ID: "app/shop/abc", Name: "shop",
			Created: testNow.AddDate(0, 0, -30), State: "active",
			Attrs: inventory.AttrsOf(map[string]any{"lb_type": "network", "scheme": "internal", "access_logs_enabled": true})},
		{ARN: tg, Account: acct, Region: region, Type: "AWS::ElasticLoadBalancingV2::TargetGroup", ID: "shop/def", Name: "shop",
			Attrs:     inventory.AttrsOf(map[string]any{"target_type": "ip", "targets": []any{}}),
			Relations: []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: lb}}},
	}
	for i := range n {
		id := fmt.Sprintf("app/shop/abc/l%d", i)
		l := inventory.Resource{ARN: "arn:aws:elasticloadbalancing:" + region + ":" + acct + ":listener/" + id, Account: acct, Region: region,
			Type: "AWS::ElasticLoadBalancingV2::Listener", ID: id,
			Attrs: inventory.AttrsOf(map[string]any{"protocol": "HTTP", "port": float64(8000 + i), "ssl_policy": "", "certificate_arns": []any{},
				"default_actions": []any{map[string]any{"type": "redirect", "target_group_arn": "", "redirect_protocol": "HTTPS"}}}),
			Relations: []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: lb}}}
		if i%2 == 1 {
			l.Attrs.Set("protocol", "HTTPS")
			l.Attrs.Set("ssl_policy", "ELBSecurityPolicy-2016-08")
			l.Attrs.Set("certificate_arns", []any{"arn:aws:acm:" + region + ":" + acct + ":certificate/c" + fmt.Sprint(i)})
			l.Attrs.Set("default_actions", []any{map[string]any{"type": "forward", "target_group_arn": tg, "redirect_protocol": ""}})
			l.Relations = append(l.Relations, inventory.Relation{Kind: inventory.RelUses, Target: tg})
		}
		rs = append(rs, l)
	}
	return rs
}

// TestListenersOverHTTP reads listeners from the fake in the query
// protocol, two to a page, through the real SDK client, and expects them
// exactly as the estate holds them.
func TestListenersOverHTTP(t *testing.T) {
	estate := listenerEstate(5)
	fake := awsfake.New(estate, awsfake.Options{PageSize: 2, Now: testNow})
	defer fake.Close()
	accounts := []string{"111111111111"}
	awsEnv(t, accounts)
	opts := testOptions(fake.URL, accounts)
	opts.Regions, opts.Services = []string{"ap-northeast-1"}, []string{"elasticloadbalancingv2"}
	src, err := New(context.Background(), opts, nil)
	must(t, err)
	col, err := src.Collect(context.Background(), nil)
	must(t, err)
	var got []inventory.Resource
	for _, r := range col.Resources {
		if r.Type == "AWS::ElasticLoadBalancingV2::Listener" {
			got = append(got, r)
		}
	}
	if diff := cmp.Diff(normalize(estate[2:]), normalize(got)); diff != "" {
		t.Errorf("listeners (-want +got):\n%s", diff)
	}
	if n := fake.Calls()["elasticloadbalancingv2:DescribeListeners"]; n != 3 {
		t.Errorf("DescribeListeners calls = %d, want 3 (5 listeners, 2 a page)", n)
	}
}

package aws

import (
	"context"
	"fmt"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// fakeMetrics answers GetMetricData with one value per query, the query's
// index, and counts calls and queries per call.
type fakeMetrics struct {
	calls   int
	perCall []int
	value   func(q cwtypes.MetricDataQuery) float64
}

func (f *fakeMetrics) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.calls++
	f.perCall = append(f.perCall, len(in.MetricDataQueries))
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		out.MetricDataResults = append(out.MetricDataResults, cwtypes.MetricDataResult{Id: q.Id, Values: []float64{f.value(q), 1}})
	}
	return out, nil
}

func TestGetMetricsBatches(t *testing.T) {
	tests := map[string]struct {
		n        int
		perCall  []int
		firstSum float64
	}{
		"one":      {1, []int{1}, 1},
		"one full": {500, []int{500}, 1},
		"two":      {501, []int{500, 1}, 1},
		"three":    {1200, []int{500, 500, 200}, 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cw := &fakeMetrics{value: func(q cwtypes.MetricDataQuery) float64 {
				var i int
				fmt.Sscanf(*q.Id, "m%d", &i)
				return float64(i)
			}}
			qs := make([]metricQuery, tc.n)
			for i := range qs {
				qs[i] = metricQuery{namespace: "AWS/RDS", metric: "DatabaseConnections", dims: map[string]string{"DBInstanceIdentifier": fmt.Sprint(i)}, stat: "Maximum"}
			}
			vals, err := getMetrics(context.Background(), cw, qs, testNow.AddDate(0, 0, -30), testNow)
			must(t, err)
			if diff := cmp.Diff(tc.perCall, cw.perCall); diff != "" {
				t.Errorf("queries per call (-want +got):\n%s", diff)
			}
			for i, v := range vals {
				if want := []float64{float64(i), 1}; !cmp.Equal(want, v) {
					t.Fatalf("values[%d] = %v, want %v (results matched to the wrong resource)", i, v, want)
				}
			}
		})
	}
}

type fakeRDS struct{ rdsAPI }

func (fakeRDS) DescribeDBInstances(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{{
		DBInstanceIdentifier: sdkaws.String("shop-prod-db1"), DBInstanceArn: sdkaws.String("arn:aws:rds:ap-northeast-1:111111111111:db:shop-prod-db1"),
		Engine: sdkaws.String("aurora-mysql"), EngineVersion: sdkaws.String("8.0"), DBInstanceClass: sdkaws.String("db.r6g.large"),
		StorageType: sdkaws.String("aurora"), AllocatedStorage: sdkaws.Int32(1), StorageEncrypted: sdkaws.Bool(false),
		PubliclyAccessible: sdkaws.Bool(true), MultiAZ: sdkaws.Bool(false), DBInstanceStatus: sdkaws.String("Available"),
		InstanceCreateTime: sdkaws.Time(testNow.AddDate(0, 0, -10)), DBClusterIdentifier: sdkaws.String("shop-prod"),
		DBSubnetGroup:     &rdstypes.DBSubnetGroup{Subnets: []rdstypes.Subnet{{SubnetIdentifier: sdkaws.String("subnet-1")}}},
		VpcSecurityGroups: []rdstypes.VpcSecurityGroupMembership{{VpcSecurityGroupId: sdkaws.String("sg-1")}},
		TagList:           []rdstypes.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("prod")}},
		// Settings the response holds become attrs; the ones it leaves out
		// (IAM auth, copy tags, monitoring) stay absent, not false.
		DeletionProtection: sdkaws.Bool(false), AutoMinorVersionUpgrade: sdkaws.Bool(true), BackupRetentionPeriod: sdkaws.Int32(7),
	}}}, nil
}

func (fakeRDS) DescribeDBClusters(context.Context, *rds.DescribeDBClustersInput, ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	return &rds.DescribeDBClustersOutput{}, nil
}

func (fakeRDS) DescribeDBSnapshots(context.Context, *rds.DescribeDBSnapshotsInput, ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error) {
	return &rds.DescribeDBSnapshotsOutput{}, nil
}

func (fakeRDS) DescribeDBClusterSnapshots(context.Context, *rds.DescribeDBClusterSnapshotsInput, ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error) {
	return &rds.DescribeDBClusterSnapshotsOutput{}, nil
}

func (fakeRDS) DescribeEventSubscriptions(context.Context, *rds.DescribeEventSubscriptionsInput, ...func(*rds.Options)) (*rds.DescribeEventSubscriptionsOutput, error) {
	return &rds.DescribeEventSubscriptionsOutput{EventSubscriptionsList: []rdstypes.EventSubscription{
		{SourceType: sdkaws.String("db-instance"), Enabled: sdkaws.Bool(true), EventCategoriesList: []string{"failure"}},
	}}, nil
}

func (fakeRDS) DescribeDBSnapshotAttributes(context.Context, *rds.DescribeDBSnapshotAttributesInput, ...func(*rds.Options)) (*rds.DescribeDBSnapshotAttributesOutput, error) {
	return &rds.DescribeDBSnapshotAttributesOutput{}, nil
}

func (fakeRDS) DescribeDBClusterSnapshotAttributes(context.Context, *rds.DescribeDBClusterSnapshotAttributesInput, ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotAttributesOutput, error) {
	return &rds.DescribeDBClusterSnapshotAttributesOutput{}, nil
}

func TestCollectRDS(t *testing.T) {
	tgt := &target{account: "111111111111", partition: "aws", region: "ap-northeast-1", now: testNow}
	out := &unitOut{}
	cw := &fakeMetrics{value: func(cwtypes.MetricDataQuery) float64 { return 0 }}
	must(t, collectRDS(context.Background(), tgt, out, fakeRDS{}, cw))
	want := []inventory.Resource{{
		ARN: "arn:aws:rds:ap-northeast-1:111111111111:db:shop-prod-db1", Account: "111111111111", Region: "ap-northeast-1",
		Type: "AWS::RDS::DBInstance", ID: "shop-prod-db1", Name: "shop-prod-db1", Tags: inventory.TagsOf(map[string]string{"env": "prod"}),
		Created: testNow.AddDate(0, 0, -10), State: "available",
		Attrs: inventory.AttrsOf(map[string]any{"engine": "aurora-mysql", "engine_version": "8.0", "instance_class": "db.r6g.large", "storage_type": "aurora",
			"allocated_gb": 1.0, "storage_encrypted": false, "publicly_accessible": true, "multi_az": false, "cluster_id": "shop-prod",
			"connections_lookback_days": 10.0, "connections_max": 1.0,
			"deletion_protection": false, "auto_minor_version_upgrade": true, "backup_retention_days": 7.0,
			"log_exports": []any{}, "vpc_id": ""}),
		Relations: []inventory.Relation{
			{Kind: inventory.RelMemberOf, Target: "arn:aws:rds:ap-northeast-1:111111111111:cluster:shop-prod"},
			{Kind: inventory.RelInSubnet, Target: "arn:aws:ec2:ap-northeast-1:111111111111:subnet/subnet-1"},
			{Kind: inventory.RelUsesSG, Target: "arn:aws:ec2:ap-northeast-1:111111111111:security-group/sg-1"},
		},
	}}
	if diff := cmp.Diff(want, out.resources); diff != "" {
		t.Errorf("rds (-want +got):\n%s", diff)
	}
	if cw.calls != 1 {
		t.Errorf("GetMetricData calls = %d, want 1", cw.calls)
	}
	wantSubs := []any{map[string]any{"source_type": "db-instance", "categories": []any{"failure"}, "enabled": true}}
	if diff := cmp.Diff(wantSubs, out.regionAttrs["rds_event_subscriptions"]); diff != "" {
		t.Errorf("rds_event_subscriptions (-want +got):\n%s", diff)
	}
}

type fakeELBv2 struct{ elbv2API }

const (
	lbARN = "arn:aws:elasticloadbalancing:ap-northeast-1:111111111111:loadbalancer/app/shop/abc"
	tgARN = "arn:aws:elasticloadbalancing:ap-northeast-1:111111111111:targetgroup/shop/def"
)

func (fakeELBv2) DescribeLoadBalancers(context.Context, *elbv2.DescribeLoadBalancersInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbv2types.LoadBalancer{{
		LoadBalancerArn: sdkaws.String(lbARN), LoadBalancerName: sdkaws.String("shop"), Type: elbv2types.LoadBalancerTypeEnumApplication,
		Scheme: elbv2types.LoadBalancerSchemeEnumInternetFacing, State: &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnumActive},
		CreatedTime: sdkaws.Time(testNow.AddDate(-1, 0, 0)), SecurityGroups: []string{"sg-1"},
		AvailabilityZones: []elbv2types.AvailabilityZone{{ZoneName: sdkaws.String("ap-northeast-1a")}, {ZoneName: sdkaws.String("ap-northeast-1c")}},
	}}}, nil
}

func (fakeELBv2) DescribeLoadBalancerAttributes(context.Context, *elbv2.DescribeLoadBalancerAttributesInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancerAttributesOutput, error) {
	return &elbv2.DescribeLoadBalancerAttributesOutput{Attributes: []elbv2types.LoadBalancerAttribute{
		{Key: sdkaws.String("access_logs.s3.enabled"), Value: sdkaws.String("false")},
		{Key: sdkaws.String("routing.http.drop_invalid_header_fields.enabled"), Value: sdkaws.String("false")},
		{Key: sdkaws.String("routing.http.desync_mitigation_mode"), Value: sdkaws.String("defensive")},
	}}, nil
}

func (fakeELBv2) DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	return &elbv2.DescribeTargetGroupsOutput{TargetGroups: []elbv2types.TargetGroup{{
		TargetGroupArn: sdkaws.String(tgARN), TargetGroupName: sdkaws.String("shop"), TargetType: elbv2types.TargetTypeEnumInstance,
		LoadBalancerArns: []string{lbARN},
	}}}, nil
}

func (fakeELBv2) DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	return &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbv2types.TargetHealthDescription{{
		Target: &elbv2types.TargetDescription{Id: sdkaws.String("i-1"), Port: sdkaws.Int32(80)}, TargetHealth: &elbv2types.TargetHealth{State: elbv2types.TargetHealthStateEnumUnused},
	}}}, nil
}

func (fakeELBv2) DescribeTags(_ context.Context, in *elbv2.DescribeTagsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error) {
	out := &elbv2.DescribeTagsOutput{}
	for _, a := range in.ResourceArns {
		out.TagDescriptions = append(out.TagDescriptions, elbv2types.TagDescription{ResourceArn: sdkaws.String(a), Tags: []elbv2types.Tag{{Key: sdkaws.String("system"), Value: sdkaws.String("shop")}}})
	}
	return out, nil
}

const (
	httpARN  = "arn:aws:elasticloadbalancing:ap-northeast-1:111111111111:listener/app/shop/abc/l80"
	httpsARN = "arn:aws:elasticloadbalancing:ap-northeast-1:111111111111:listener/app/shop/abc/l443"
	tg2ARN   = "arn:aws:elasticloadbalancing:ap-northeast-1:111111111111:targetgroup/shop-canary/ghi"
)

// DescribeListeners answers one listener per page, so the collector must
// follow NextMarker to see both.
func (fakeELBv2) DescribeListeners(_ context.Context, in *elbv2.DescribeListenersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	if sdkaws.ToString(in.LoadBalancerArn) != lbARN {
		return nil, fmt.Errorf("describe listeners of %q: want the load balancer's arn", sdkaws.ToString(in.LoadBalancerArn))
	}
	if in.Marker == nil {
		return &elbv2.DescribeListenersOutput{NextMarker: sdkaws.String("2"), Listeners: []elbv2types.Listener{{
			ListenerArn: sdkaws.String(httpARN), LoadBalancerArn: sdkaws.String(lbARN), Port: sdkaws.Int32(80), Protocol: elbv2types.ProtocolEnumHttp,
			DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumRedirect, RedirectConfig: &elbv2types.RedirectActionConfig{Protocol: sdkaws.String("HTTPS")}}},
		}}}, nil
	}
	return &elbv2.DescribeListenersOutput{Listeners: []elbv2types.Listener{{
		ListenerArn: sdkaws.String(httpsARN), LoadBalancerArn: sdkaws.String(lbARN), Port: sdkaws.Int32(443), Protocol: elbv2types.ProtocolEnumHttps,
		SslPolicy:    sdkaws.String("ELBSecurityPolicy-TLS13-1-2-2021-06"),
		Certificates: []elbv2types.Certificate{{CertificateArn: sdkaws.String("arn:aws:acm:ap-northeast-1:111111111111:certificate/c1")}},
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: sdkaws.String(tgARN),
			ForwardConfig: &elbv2types.ForwardActionConfig{TargetGroups: []elbv2types.TargetGroupTuple{{TargetGroupArn: sdkaws.String(tgARN)}, {TargetGroupArn: sdkaws.String(tg2ARN)}}}}},
	}}}, nil
}

func TestCollectELBv2(t *testing.T) {
	tgt := &target{account: "111111111111", partition: "aws", region: "ap-northeast-1", now: testNow}
	out := &unitOut{}
	cw := &fakeMetrics{value: func(cwtypes.MetricDataQuery) float64 { return 41 }}
	must(t, collectELBv2(context.Background(), tgt, out, fakeELBv2{}, cw))
	tags := map[string]string{"system": "shop"}
	want := []inventory.Resource{
		{ARN: lbARN, Account: "111111111111", Region: "ap-northeast-1", Type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
			ID: "app/shop/abc", Name: "shop", Tags: inventory.TagsOf(tags), Created: testNow.AddDate(-1, 0, 0), State: "active",
			Attrs: inventory.AttrsOf(map[string]any{"lb_type": "application", "scheme": "internet-facing", "access_logs_enabled": false, "request_count_14d": 42.0,
				"drop_invalid_header_fields": false, "desync_mitigation_mode": "defensive", "availability_zones": 2.0}),
			Relations: []inventory.Relation{{Kind: inventory.RelUsesSG, Target: "arn:aws:ec2:ap-northeast-1:111111111111:security-group/sg-1"}}},
		{ARN: tgARN, Account: "111111111111", Region: "ap-northeast-1", Type: "AWS::ElasticLoadBalancingV2::TargetGroup",
			ID: "shop/def", Name: "shop", Tags: inventory.TagsOf(tags),
			Attrs:     inventory.AttrsOf(map[string]any{"target_type": "instance", "targets": []any{map[string]any{"id": "i-1", "port": 80.0, "health": "unused"}}}),
			Relations: []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: lbARN}}},
		{ARN: httpARN, Account: "111111111111", Region: "ap-northeast-1", Type: "AWS::ElasticLoadBalancingV2::Listener",
			ID: "app/shop/abc/l80", Tags: inventory.TagsOf(tags),
			Attrs: inventory.AttrsOf(map[string]any{"protocol": "HTTP", "port": 80.0, "ssl_policy": "", "certificate_arns": []any{},
				"default_actions": []any{map[string]any{"type": "redirect", "target_group_arn": "", "redirect_protocol": "HTTPS"}}}),
			Relations: []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: lbARN}}},
		{ARN: httpsARN, Account: "111111111111", Region: "ap-northeast-1", Type: "AWS::ElasticLoadBalancingV2::Listener",
			ID: "app/shop/abc/l443", Tags: inventory.TagsOf(tags),
			Attrs: inventory.AttrsOf(map[string]any{"protocol": "HTTPS", "port": 443.0, "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
				"certificate_arns": []any{"arn:aws:acm:ap-northeast-1:111111111111:certificate/c1"},
				"default_actions": []any{
					map[string]any{"type": "forward", "target_group_arn": tgARN, "redirect_protocol": ""},
					map[string]any{"type": "forward", "target_group_arn": tg2ARN, "redirect_protocol": ""},
				}}),
			Relations: []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: lbARN},
				{Kind: inventory.RelUses, Target: tgARN}, {Kind: inventory.RelUses, Target: tg2ARN}}},
	}
	if diff := cmp.Diff(want, out.resources); diff != "" {
		t.Errorf("elbv2 (-want +got):\n%s", diff)
	}
	wantEdges := map[string][]inventory.Relation{"arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1": {{Kind: inventory.RelTargetOf, Target: tgARN}}}
	if diff := cmp.Diff(wantEdges, out.edges); diff != "" {
		t.Errorf("target-of edges (-want +got):\n%s", diff)
	}
}

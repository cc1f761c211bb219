package awsconfig

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// cfgItem is one live item of the test account in Tokyo.
func cfgItem(typ, id, arn, conf, supp string) string {
	if supp == "" {
		supp = "{}"
	}
	return fmt.Sprintf(`{"resourceType":%q,"resourceId":%q,"ARN":%q,"awsAccountId":"111122223333","awsRegion":"ap-northeast-1",
 "configurationItemStatus":"OK","configurationItemCaptureTime":"2024-03-01T00:00:00.000Z","configuration":%s,"supplementaryConfiguration":%s}`,
		typ, id, arn, conf, supp)
}

const (
	tokyoRegion = "arn:aws:steward:ap-northeast-1:111122223333:account-region/ap-northeast-1"
	clb         = "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:loadbalancer/old-web"
	bucketARN   = "arn:aws:s3:::shop-assets"
	clusterARN  = "arn:aws:ecs:ap-northeast-1:111122223333:cluster/batch"
	serviceARN  = "arn:aws:ecs:ap-northeast-1:111122223333:service/batch/report"
	listenerARN = "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:listener/app/web/1/3"
	repoARN     = "arn:aws:ecr:ap-northeast-1:111122223333:repository/app"
)

func instanceItem(id, state string) string {
	return cfgItem("AWS::EC2::Instance", id, "arn:aws:ec2:ap-northeast-1:111122223333:instance/"+id,
		`{"instanceId":"`+id+`","instanceType":"t3.micro","state":{"code":80,"name":"`+state+`"}}`, "")
}

func clbItem(accessLog bool, instances ...string) string {
	list := ""
	for i, id := range instances {
		if i > 0 {
			list += ","
		}
		list += `{"instanceId":"` + id + `"}`
	}
	return cfgItem("AWS::ElasticLoadBalancing::LoadBalancer", "old-web", clb,
		`{"loadBalancerName":"old-web","scheme":"internet-facing","instances":[`+list+`]}`,
		fmt.Sprintf(`{"LoadBalancerAttributes":{"accessLog":{"enabled":%t},"crossZoneLoadBalancing":{"enabled":true}}}`, accessLog))
}

// TestDecidedFromItems checks the attrs that a Config delivery decides for
// the checks the API collector makes, and those it must leave unknown.
func TestDecidedFromItems(t *testing.T) {
	const absent = "<absent>"
	tests := map[string]struct {
		items []string
		arn   string
		want  map[string]any // attr -> value, or absent
	}{
		"a detector that exists but is disabled": {
			items: []string{cfgItem("AWS::GuardDuty::Detector", "abc", "arn:aws:guardduty:ap-northeast-1:111122223333:detector/abc",
				`{"Enable":false,"FindingPublishingFrequency":"SIX_HOURS"}`, "")},
			arn:  tokyoRegion,
			want: map[string]any{"guardduty_enabled": false, "cloudtrail_enabled": false},
		},
		"no detector item leaves GuardDuty unknown; a multi-region trail elsewhere covers the region": {
			items: []string{okItem, `{"resourceType":"AWS::CloudTrail::Trail","resourceId":"org","ARN":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
 "awsAccountId":"111122223333","awsRegion":"us-east-1","configurationItemStatus":"OK","configurationItemCaptureTime":"2024-03-01T00:00:00Z",
 "configuration":{"TrailName":"org","IsMultiRegionTrail":true,"IsLogging":true,"S3BucketName":"logs"}}`},
			arn:  tokyoRegion,
			want: map[string]any{"guardduty_enabled": absent, "cloudtrail_enabled": true},
		},
		"a trail that does not log covers nothing": {
			items: []string{cfgItem("AWS::CloudTrail::Trail", "t", "arn:aws:cloudtrail:ap-northeast-1:111122223333:trail/t",
				`{"TrailName":"t","IsMultiRegionTrail":true,"IsLogging":false}`, "")},
			arn:  tokyoRegion,
			want: map[string]any{"cloudtrail_enabled": false},
		},
		"bucket block with a setting off and no account block": {
			items: []string{cfgItem("AWS::S3::Bucket", "shop-assets", bucketARN, `{"name":"shop-assets"}`,
				`{"PublicAccessBlockConfiguration":{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":false,"restrictPublicBuckets":true}}`)},
			arn:  bucketARN,
			want: map[string]any{"public_access_block": false},
		},
		"bucket settings recorded without a policy": {
			items: []string{cfgItem("AWS::S3::Bucket", "shop-assets", bucketARN, `{"name":"shop-assets"}`,
				`{"BucketVersioningConfiguration":{"status":"Off"}}`)},
			arn:  bucketARN,
			want: map[string]any{"policy_public": false, "encryption": "", "versioning": ""},
		},
		"bucket with no settings recorded": {
			items: []string{cfgItem("AWS::S3::Bucket", "shop-assets", bucketARN, `{"name":"shop-assets"}`, "")},
			arn:   bucketARN,
			want:  map[string]any{"policy_public": absent, "public_access_block": absent},
		},
		"bucket block with a setting off under a full account block": {
			items: []string{
				cfgItem("AWS::S3::AccountPublicAccessBlock", "111122223333", "", `{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":true,"restrictPublicBuckets":true}`, ""),
				cfgItem("AWS::S3::Bucket", "shop-assets", bucketARN, `{"name":"shop-assets"}`,
					`{"PublicAccessBlockConfiguration":{"blockPublicAcls":false}}`),
			},
			arn:  bucketARN,
			want: map[string]any{"public_access_block": true},
		},
		"classic load balancer whose instances are all stopped, access log off": {
			items: []string{instanceItem("i-1", "stopped"), instanceItem("i-2", "stopped"), clbItem(false, "i-1", "i-2")},
			arn:   clb,
			want: map[string]any{"access_logs_enabled": false, "instances": []any{
				map[string]any{"id": "i-1", "state": "OutOfService"}, map[string]any{"id": "i-2", "state": "OutOfService"},
			}},
		},
		"classic load balancer whose instances are stopped or terminated": {
			items: []string{instanceItem("i-1", "stopped"), clbItem(true, "i-1", "i-2"),
				`{"resourceType":"AWS::EC2::Instance","resourceId":"i-2","ARN":"arn:aws:ec2:ap-northeast-1:111122223333:instance/i-2",
 "awsAccountId":"111122223333","awsRegion":"ap-northeast-1","configurationItemStatus":"ResourceDeleted","configurationItemCaptureTime":"2024-03-01T00:00:00Z"}`},
			arn: clb,
			want: map[string]any{"instances": []any{
				map[string]any{"id": "i-1", "state": "OutOfService"}, map[string]any{"id": "i-2", "state": "OutOfService"},
			}},
		},
		"classic load balancer with a running instance: health unknown": {
			items: []string{instanceItem("i-1", "stopped"), instanceItem("i-2", "running"), clbItem(true, "i-1", "i-2")},
			arn:   clb,
			want:  map[string]any{"access_logs_enabled": true, "instances": absent},
		},
		"classic load balancer whose instance is not in the files: health unknown": {
			items: []string{clbItem(true, "i-9")},
			arn:   clb,
			want:  map[string]any{"instances": absent},
		},
		"classic load balancer with no instances": {
			items: []string{clbItem(true)},
			arn:   clb,
			want:  map[string]any{"instances": []any{}},
		},
		"listener serving HTTP with a forward": {
			items: []string{cfgItem("AWS::ElasticLoadBalancingV2::Listener", listenerARN, listenerARN,
				`{"ListenerArn":"`+listenerARN+`","LoadBalancerArn":"arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:loadbalancer/app/web/1",
				  "Port":80,"Protocol":"HTTP","DefaultActions":[{"Type":"forward","TargetGroupArn":"arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:targetgroup/web/2"}]}`, "")},
			arn: listenerARN,
			want: map[string]any{"protocol": "HTTP", "port": 80.0, "ssl_policy": "", "certificate_arns": []any{}, "default_actions": []any{
				map[string]any{"type": "forward", "target_group_arn": "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:targetgroup/web/2", "redirect_protocol": ""},
			}},
		},
		"listener redirecting to HTTPS": {
			items: []string{cfgItem("AWS::ElasticLoadBalancingV2::Listener", listenerARN, listenerARN,
				`{"Port":80,"Protocol":"HTTP","DefaultActions":[{"Type":"redirect","RedirectConfig":{"Protocol":"HTTPS","Port":"443","StatusCode":"HTTP_301"}}]}`, "")},
			arn: listenerARN,
			want: map[string]any{"default_actions": []any{
				map[string]any{"type": "redirect", "target_group_arn": "", "redirect_protocol": "HTTPS"},
			}},
		},
		"repository without a lifecycle policy": {
			items: []string{cfgItem("AWS::ECR::Repository", "app", repoARN, `{"RepositoryName":"app","ImageScanningConfiguration":{"ScanOnPush":false}}`, "")},
			arn:   repoARN,
			want:  map[string]any{"scan_on_push": false, "lifecycle_policy": false, "image_count": absent},
		},
		"repository with a lifecycle policy": {
			items: []string{cfgItem("AWS::ECR::Repository", "app", repoARN,
				`{"RepositoryName":"app","ImageScanningConfiguration":{"ScanOnPush":true},"LifecyclePolicy":{"LifecyclePolicyText":"{\"rules\":[]}"}}`, "")},
			arn:  repoARN,
			want: map[string]any{"scan_on_push": true, "lifecycle_policy": true},
		},
		"ecs cluster with no services": {
			items: []string{cfgItem("AWS::ECS::Cluster", "batch", clusterARN, `{"ClusterName":"batch"}`, "")},
			arn:   clusterARN,
			want:  map[string]any{"active_services": 0.0, "running_tasks": absent},
		},
		"ecs service at desired count 0": {
			items: []string{
				cfgItem("AWS::ECS::Cluster", "batch", clusterARN, `{"ClusterName":"batch"}`, ""),
				cfgItem("AWS::ECS::Service", serviceARN, serviceARN, `{"ServiceName":"report","Cluster":"`+clusterARN+`","DesiredCount":0,"LaunchType":"FARGATE"}`, ""),
			},
			arn:  serviceARN,
			want: map[string]any{"desired_count": 0.0, "last_changed": "2024-03-01T00:00:00Z", "launch_type": "FARGATE", "capacity_providers": []any{}, "running_count": absent},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "s.json"), []byte(snapshot(tc.items...)), 0o644); err != nil {
				t.Fatal(err)
			}
			col, err := NewSource(dir, 0, nil).Collect(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			found := false
			for _, r := range col.Resources {
				if r.ARN != tc.arn {
					continue
				}
				found = true
				for k := range tc.want {
					v, ok := r.Attrs.Get(k)
					if !ok {
						v = absent
					}
					got[k] = v
				}
			}
			if !found {
				t.Fatalf("no resource %s", tc.arn)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("attrs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEdgesFromTheOtherSide checks the edges drawn from the item that
// names them: a NAT gateway names its Elastic IPs, a Classic Load Balancer
// its instances, as the API collector draws them.
func TestEdgesFromTheOtherSide(t *testing.T) {
	const (
		nat  = "arn:aws:ec2:ap-northeast-1:111122223333:natgateway/nat-1"
		eip  = "arn:aws:ec2:ap-northeast-1:111122223333:elastic-ip/eipalloc-1"
		inst = "arn:aws:ec2:ap-northeast-1:111122223333:instance/i-1"
	)
	items := []json.RawMessage{
		json.RawMessage(cfgItem("AWS::EC2::NatGateway", "nat-1", nat, `{"natGatewayId":"nat-1","state":"available","natGatewayAddresses":[{"allocationId":"eipalloc-1"},{"publicIp":"1.2.3.4"}]}`, "")),
		json.RawMessage(cfgItem("AWS::EC2::EIP", "eipalloc-1", eip, `{"allocationId":"eipalloc-1","associationId":"eipassoc-1"}`, "")),
		json.RawMessage(instanceItem("i-1", "running")),
		json.RawMessage(clbItem(true, "i-1")),
	}
	rs, err := MapItems(items)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]inventory.Relation{}
	for _, r := range rs {
		got[r.ARN] = r.Relations
	}
	want := map[string][]inventory.Relation{
		eip:  {{Kind: inventory.RelAttachedTo, Target: nat}},
		inst: {{Kind: inventory.RelTargetOf, Target: clb}},
	}
	for arn, rels := range want {
		if diff := cmp.Diff(rels, got[arn]); diff != "" {
			t.Errorf("%s relations (-want +got):\n%s", arn, diff)
		}
	}
}

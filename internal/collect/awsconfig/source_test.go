package awsconfig

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/golden"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

const (
	acct      = "111122223333"
	tokyo     = "ap-northeast-1"
	estateDir = "testdata/estate"
	gzSnap    = "testdata/estate/AWSLogs/111122223333/Config/ap-northeast-1/2024/3/1/ConfigSnapshot/111122223333_Config_ap-northeast-1_ConfigSnapshot_20240301T000010Z_5ad4f8c0-1b2c-4d3e-9f00-aaaaaaaaaaaa.json.gz"
	usSnap    = "testdata/estate/AWSLogs/111122223333/Config/us-east-1/2024/3/1/ConfigSnapshot/111122223333_Config_us-east-1_ConfigSnapshot_20240301T000010Z_6be5a9d1-2c3d-4e5f-8a11-bbbbbbbbbbbb.json"
)

func ec2ARN(kind, id string) string {
	return "arn:aws:ec2:" + tokyo + ":" + acct + ":" + kind + "/" + id
}

func collect(t *testing.T, path string, logger *slog.Logger) *inventory.Collection {
	t.Helper()
	src := NewSource(path, 0, logger)
	col, err := src.Collect(context.Background(), inventory.NoProgress{})
	if err != nil {
		t.Fatalf("collect %s: %v", path, err)
	}
	return col
}

func byARN(col *inventory.Collection) map[string]inventory.Resource {
	m := make(map[string]inventory.Resource, len(col.Resources))
	for _, r := range col.Resources {
		m[r.ARN] = r
	}
	return m
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestResources checks representative resources of every mapped type
// field by field against what the fixture files say.
func TestResources(t *testing.T) {
	got := byARN(collect(t, estateDir, nil))
	sgWeb := ec2ARN("security-group", "sg-0web0000000000001")
	sgDB := ec2ARN("security-group", "sg-0db00000000000002")
	sgDefault := ec2ARN("security-group", "sg-0def0000000000003")
	subPub := ec2ARN("subnet", "subnet-0pub00000000000a")
	subPriv := ec2ARN("subnet", "subnet-0priv0000000000b")
	vpc := ec2ARN("vpc", "vpc-0a1b2c3d4e5f60001")
	web := ec2ARN("instance", "i-0run0000000000001")
	lb := "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:loadbalancer/app/shop-alb/50dc6c495c0c9188"
	tg := "arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:targetgroup/shop-web/6d0ecf831eec9f09"
	cluster := "arn:aws:rds:ap-northeast-1:111122223333:cluster:shop-aurora"
	ecsCluster := "arn:aws:ecs:ap-northeast-1:111122223333:cluster/shop"
	taskDef := "arn:aws:ecs:ap-northeast-1:111122223333:task-definition/shop-api:42"

	tests := map[string]struct {
		arn  string
		want inventory.Resource
	}{
		"instance: history stopped it after the snapshot": {
			arn: web,
			want: inventory.Resource{
				ARN: web, Account: acct, Region: tokyo, Type: "AWS::EC2::Instance", ID: "i-0run0000000000001",
				Name:    "shop-web-1",
				Tags:    inventory.TagsOf(map[string]string{"Name": "shop-web-1", "system": "shop", "env": "prod", "aws:autoscaling:groupName": "shop-web-asg"}),
				Created: ts("2024-01-15T03:00:00Z"), State: "stopped",
				Attrs: inventory.AttrsOf(map[string]any{
					"instance_type": "t3.medium", "launch_time": "2024-01-15T03:00:00Z", "stopped_at": "2024-03-02T21:30:00Z",
					"public_ip": "", "platform": "linux", "vpc_id": "vpc-0a1b2c3d4e5f60001", "subnet_id": "subnet-0pub00000000000a",
					"asg_name": "shop-web-asg",
				}),
				Relations: []inventory.Relation{
					{Kind: "uses-sg", Target: sgWeb},
					{Kind: "in-subnet", Target: subPub},
					{Kind: "target-of", Target: tg},
				},
			},
		},
		"instance: stopped windows box with stop time from the transition reason": {
			arn: ec2ARN("instance", "i-0stop000000000002"),
			want: inventory.Resource{
				ARN: ec2ARN("instance", "i-0stop000000000002"), Account: acct, Region: tokyo, Type: "AWS::EC2::Instance",
				ID: "i-0stop000000000002", Name: "batch-old", Tags: inventory.TagsOf(map[string]string{"Name": "batch-old"}),
				Created: ts("2023-06-01T00:00:00Z"), State: "stopped",
				Attrs: inventory.AttrsOf(map[string]any{
					"instance_type": "m5.large", "launch_time": "2023-06-01T00:00:00Z", "stopped_at": "2023-11-20T08:15:42Z",
					"public_ip": "", "platform": "windows", "vpc_id": "vpc-0a1b2c3d4e5f60001", "subnet_id": "subnet-0priv0000000000b",
				}),
				Relations: []inventory.Relation{{Kind: "uses-sg", Target: sgDB}, {Kind: "in-subnet", Target: subPriv}},
			},
		},
		"volume: attached": {
			arn: ec2ARN("volume", "vol-0att000000000001"),
			want: inventory.Resource{
				ARN: ec2ARN("volume", "vol-0att000000000001"), Account: acct, Region: tokyo, Type: "AWS::EC2::Volume",
				ID: "vol-0att000000000001", Created: ts("2024-01-15T03:00:00.5Z"), State: "in-use",
				Attrs:     inventory.AttrsOf(map[string]any{"volume_type": "gp3", "size_gb": 30.0, "iops": 3000.0, "encrypted": true, "availability_zone": "ap-northeast-1a"}),
				Relations: []inventory.Relation{{Kind: "attached-to", Target: web}},
			},
		},
		"volume: unattached, state written as an object": {
			arn: ec2ARN("volume", "vol-0free00000000002"),
			want: inventory.Resource{
				ARN: ec2ARN("volume", "vol-0free00000000002"), Account: acct, Region: tokyo, Type: "AWS::EC2::Volume",
				ID: "vol-0free00000000002", Name: "old-data", Tags: inventory.TagsOf(map[string]string{"Name": "old-data"}),
				Created: ts("2022-05-10T10:00:00Z"), State: "available",
				Attrs: inventory.AttrsOf(map[string]any{"volume_type": "gp2", "size_gb": 500.0, "iops": 1500.0, "encrypted": false, "availability_zone": "ap-northeast-1c"}),
			},
		},
		"eip: not associated": {
			arn: "arn:aws:ec2:ap-northeast-1:111122223333:eip-allocation/eipalloc-0abc000000000001",
			want: inventory.Resource{
				ARN: "arn:aws:ec2:ap-northeast-1:111122223333:eip-allocation/eipalloc-0abc000000000001", Account: acct, Region: tokyo,
				Type: "AWS::EC2::EIP", ID: "eipalloc-0abc000000000001",
				Attrs: inventory.AttrsOf(map[string]any{"public_ip": "13.112.0.5", "allocation_id": "eipalloc-0abc000000000001", "association_id": ""}),
			},
		},
		"security group: ingress from IPv4, IPv6 and ranges without duplicates": {
			arn: sgWeb,
			want: inventory.Resource{
				ARN: sgWeb, Account: acct, Region: tokyo, Type: "AWS::EC2::SecurityGroup", ID: "sg-0web0000000000001",
				Name: "prod-web", Tags: inventory.TagsOf(map[string]string{"system": "shop"}),
				Attrs: inventory.AttrsOf(map[string]any{
					"group_name": "prod-web", "vpc_id": "vpc-0a1b2c3d4e5f60001", "is_default": false,
					"ingress": []any{
						map[string]any{"protocol": "tcp", "from_port": 443.0, "to_port": 443.0, "cidr": "0.0.0.0/0", "source_sg": ""},
						map[string]any{"protocol": "tcp", "from_port": 443.0, "to_port": 443.0, "cidr": "::/0", "source_sg": ""},
						map[string]any{"protocol": "tcp", "from_port": 22.0, "to_port": 22.0, "cidr": "203.0.113.10/32", "source_sg": ""},
					},
				}),
				Relations: []inventory.Relation{{Kind: "in-vpc", Target: vpc}},
			},
		},
		"security group: default group, all traffic from itself": {
			arn: sgDefault,
			want: inventory.Resource{
				ARN: sgDefault, Account: acct, Region: tokyo, Type: "AWS::EC2::SecurityGroup", ID: "sg-0def0000000000003",
				Name: "default",
				Attrs: inventory.AttrsOf(map[string]any{
					"group_name": "default", "vpc_id": "vpc-0a1b2c3d4e5f60001", "is_default": true,
					"ingress": []any{
						map[string]any{"protocol": "-1", "from_port": 0.0, "to_port": 65535.0, "cidr": "", "source_sg": "sg-0def0000000000003"},
					},
				}),
				Relations: []inventory.Relation{{Kind: "in-vpc", Target: vpc}},
			},
		},
		"vpc": {
			arn: vpc,
			want: inventory.Resource{
				ARN: vpc, Account: acct, Region: tokyo, Type: "AWS::EC2::VPC", ID: "vpc-0a1b2c3d4e5f60001",
				Name: "prod-vpc", Tags: inventory.TagsOf(map[string]string{"Name": "prod-vpc"}), State: "available",
				Attrs: inventory.AttrsOf(map[string]any{"cidr": "10.20.0.0/16", "is_default": false}),
			},
		},
		"subnet: public through its own route table": {
			arn: subPub,
			want: inventory.Resource{
				ARN: subPub, Account: acct, Region: tokyo, Type: "AWS::EC2::Subnet", ID: "subnet-0pub00000000000a",
				Name: "prod-public-a", Tags: inventory.TagsOf(map[string]string{"Name": "prod-public-a"}), State: "available",
				Attrs: inventory.AttrsOf(map[string]any{
					"vpc_id": "vpc-0a1b2c3d4e5f60001", "cidr": "10.20.0.0/24", "availability_zone": "ap-northeast-1a",
					"default_for_az": false, "public": true,
				}),
				Relations: []inventory.Relation{{Kind: "in-vpc", Target: vpc}},
			},
		},
		"subnet: private through the main route table (0.0.0.0/0 to a NAT)": {
			arn: subPriv,
			want: inventory.Resource{
				ARN: subPriv, Account: acct, Region: tokyo, Type: "AWS::EC2::Subnet", ID: "subnet-0priv0000000000b",
				Name: "prod-private-c", Tags: inventory.TagsOf(map[string]string{"Name": "prod-private-c"}), State: "available",
				Attrs: inventory.AttrsOf(map[string]any{
					"vpc_id": "vpc-0a1b2c3d4e5f60001", "cidr": "10.20.10.0/24", "availability_zone": "ap-northeast-1c",
					"default_for_az": false, "public": false,
				}),
				Relations: []inventory.Relation{{Kind: "in-vpc", Target: vpc}},
			},
		},
		"nat gateway: traffic metrics are not in Config and stay out": {
			arn: "arn:aws:ec2:ap-northeast-1:111122223333:natgateway/nat-0abc12345def67890",
			want: inventory.Resource{
				ARN: "arn:aws:ec2:ap-northeast-1:111122223333:natgateway/nat-0abc12345def67890", Account: acct, Region: tokyo,
				Type: "AWS::EC2::NatGateway", ID: "nat-0abc12345def67890", Name: "prod-nat", Tags: inventory.TagsOf(map[string]string{"Name": "prod-nat"}),
				Created: ts("2023-02-01T00:00:00Z"), State: "available",
				Attrs:     inventory.AttrsOf(map[string]any{"connectivity_type": "public"}),
				Relations: []inventory.Relation{{Kind: "in-subnet", Target: subPub}},
			},
		},
		"load balancer: access logs from supplementary attributes": {
			arn: lb,
			want: inventory.Resource{
				ARN: lb, Account: acct, Region: tokyo, Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", ID: lb,
				Name: "shop-alb", Tags: inventory.TagsOf(map[string]string{"system": "shop"}), Created: ts("2023-03-01T00:00:00Z"), State: "active",
				Attrs:     inventory.AttrsOf(map[string]any{"lb_type": "application", "scheme": "internet-facing", "access_logs_enabled": false}),
				Relations: []inventory.Relation{{Kind: "uses-sg", Target: sgWeb}, {Kind: "in-subnet", Target: subPub}},
			},
		},
		"target group: targets without health, which Config does not record": {
			arn: tg,
			want: inventory.Resource{
				ARN: tg, Account: acct, Region: tokyo, Type: "AWS::ElasticLoadBalancingV2::TargetGroup", ID: tg, Name: "shop-web",
				Attrs: inventory.AttrsOf(map[string]any{
					"target_type": "instance",
					"targets":     []any{map[string]any{"id": "i-0run0000000000001", "port": 80.0}},
				}),
				Relations: []inventory.Relation{{Kind: "attached-to", Target: lb}},
			},
		},
		"db instance: Aurora member, id is the identifier not the dbi resource id": {
			arn: "arn:aws:rds:ap-northeast-1:111122223333:db:shop-aurora-1",
			want: inventory.Resource{
				ARN: "arn:aws:rds:ap-northeast-1:111122223333:db:shop-aurora-1", Account: acct, Region: tokyo,
				Type: "AWS::RDS::DBInstance", ID: "shop-aurora-1", Name: "shop-aurora-1",
				Tags: inventory.TagsOf(map[string]string{"system": "shop", "env": "prod"}), Created: ts("2023-04-01T00:10:00Z"), State: "available",
				Attrs: inventory.AttrsOf(map[string]any{
					"engine": "aurora-postgresql", "engine_version": "15.4", "instance_class": "db.r6g.large", "storage_type": "aurora",
					"allocated_gb": 1.0, "storage_encrypted": true, "publicly_accessible": false, "multi_az": false, "cluster_id": "shop-aurora",
				}),
				Relations: []inventory.Relation{
					{Kind: "uses-sg", Target: sgDB},
					{Kind: "member-of", Target: cluster},
					{Kind: "in-subnet", Target: subPriv},
				},
			},
		},
		"db instance: stopped, public, unencrypted": {
			arn: "arn:aws:rds:ap-northeast-1:111122223333:db:legacy-mysql",
			want: inventory.Resource{
				ARN: "arn:aws:rds:ap-northeast-1:111122223333:db:legacy-mysql", Account: acct, Region: tokyo,
				Type: "AWS::RDS::DBInstance", ID: "legacy-mysql", Name: "legacy-mysql", Created: ts("2021-09-01T00:00:00Z"), State: "stopped",
				Attrs: inventory.AttrsOf(map[string]any{
					"engine": "mysql", "engine_version": "8.0.35", "instance_class": "db.t3.medium", "storage_type": "gp2",
					"allocated_gb": 100.0, "storage_encrypted": false, "publicly_accessible": true, "multi_az": false,
				}),
				Relations: []inventory.Relation{{Kind: "uses-sg", Target: sgDB}, {Kind: "in-subnet", Target: subPub}},
			},
		},
		"db cluster": {
			arn: cluster,
			want: inventory.Resource{
				ARN: cluster, Account: acct, Region: tokyo, Type: "AWS::RDS::DBCluster", ID: "shop-aurora", Name: "shop-aurora",
				Tags: inventory.TagsOf(map[string]string{"system": "shop", "env": "prod"}), Created: ts("2023-04-01T00:00:00Z"), State: "available",
				Attrs:     inventory.AttrsOf(map[string]any{"engine": "aurora-postgresql", "engine_version": "15.4", "storage_encrypted": true, "members": 1.0}),
				Relations: []inventory.Relation{{Kind: "uses-sg", Target: sgDB}},
			},
		},
		"db snapshot: manual, of a DB in the files": {
			arn: "arn:aws:rds:ap-northeast-1:111122223333:snapshot:legacy-mysql-before-upgrade",
			want: inventory.Resource{
				ARN: "arn:aws:rds:ap-northeast-1:111122223333:snapshot:legacy-mysql-before-upgrade", Account: acct, Region: tokyo,
				Type: "AWS::RDS::DBSnapshot", ID: "legacy-mysql-before-upgrade", Name: "legacy-mysql-before-upgrade",
				Created: ts("2022-01-10T00:00:00Z"), State: "available",
				Attrs:     inventory.AttrsOf(map[string]any{"snapshot_type": "manual", "allocated_gb": 100.0, "encrypted": false, "db_instance": "legacy-mysql"}),
				Relations: []inventory.Relation{{Kind: "snapshot-of", Target: "arn:aws:rds:ap-northeast-1:111122223333:db:legacy-mysql"}},
			},
		},
		"db cluster snapshot": {
			arn: "arn:aws:rds:ap-northeast-1:111122223333:cluster-snapshot:shop-aurora-manual-1",
			want: inventory.Resource{
				ARN: "arn:aws:rds:ap-northeast-1:111122223333:cluster-snapshot:shop-aurora-manual-1", Account: acct, Region: tokyo,
				Type: "AWS::RDS::DBClusterSnapshot", ID: "shop-aurora-manual-1", Name: "shop-aurora-manual-1",
				Created: ts("2023-12-01T00:00:00Z"), State: "available",
				Attrs:     inventory.AttrsOf(map[string]any{"snapshot_type": "manual", "allocated_gb": 0.0, "encrypted": true, "db_cluster": "shop-aurora"}),
				Relations: []inventory.Relation{{Kind: "snapshot-of", Target: cluster}},
			},
		},
		"bucket: locked down, KMS, versioned, logged, two lifecycle rules": {
			arn: "arn:aws:s3:::shop-assets-prod",
			want: inventory.Resource{
				ARN: "arn:aws:s3:::shop-assets-prod", Account: acct, Region: tokyo, Type: "AWS::S3::Bucket",
				ID: "shop-assets-prod", Name: "shop-assets-prod", Tags: inventory.TagsOf(map[string]string{"system": "shop", "env": "prod"}),
				Created: ts("2022-02-02T00:00:00Z"),
				Attrs: inventory.AttrsOf(map[string]any{
					"public_access_block": true, "policy_public": false, "acl_public": false, "acl_grants_others": false, "policy_denies_http": false, "policy_cross_account_control": false, "event_notifications": false, "encryption": "aws:kms",
					"versioning": "Enabled", "logging_enabled": true, "lifecycle_rules": 2.0,
				}),
			},
		},
		"bucket: public policy and public ACL, no block at either level": {
			arn: "arn:aws:s3:::campaign-2019",
			want: inventory.Resource{
				ARN: "arn:aws:s3:::campaign-2019", Account: acct, Region: tokyo, Type: "AWS::S3::Bucket",
				ID: "campaign-2019", Name: "campaign-2019", Created: ts("2019-04-01T00:00:00Z"),
				Attrs: inventory.AttrsOf(map[string]any{
					"public_access_block": false, "policy_public": true, "acl_public": true, "acl_grants_others": true, "policy_denies_http": false, "policy_cross_account_control": false, "event_notifications": false, "encryption": "",
					"versioning": "", "logging_enabled": false, "lifecycle_rules": 0.0,
				}),
			},
		},
		"bucket: wildcard principal narrowed by a condition is not public": {
			arn: "arn:aws:s3:::internal-reports",
			want: inventory.Resource{
				ARN: "arn:aws:s3:::internal-reports", Account: acct, Region: tokyo, Type: "AWS::S3::Bucket",
				ID: "internal-reports", Name: "internal-reports", Created: ts("2022-02-02T00:00:00Z"),
				Attrs: inventory.AttrsOf(map[string]any{
					"public_access_block": false, "policy_public": false, "acl_public": false, "acl_grants_others": false, "policy_denies_http": false, "policy_cross_account_control": false, "encryption": "AES256",
					"versioning": "Suspended", "logging_enabled": false, "lifecycle_rules": 0.0,
				}),
			},
		},
		"bucket: other region, ACL encoded twice, account block not recorded there": {
			arn: "arn:aws:s3:::cf-templates-1abc2def3ghi-us-east-1",
			want: inventory.Resource{
				ARN: "arn:aws:s3:::cf-templates-1abc2def3ghi-us-east-1", Account: acct, Region: "us-east-1", Type: "AWS::S3::Bucket",
				ID: "cf-templates-1abc2def3ghi-us-east-1", Name: "cf-templates-1abc2def3ghi-us-east-1", Created: ts("2020-12-28T03:36:13Z"),
				Attrs: inventory.AttrsOf(map[string]any{
					// The account-level block is account-wide: read in Tokyo, it counts here too.
					"public_access_block": false, "policy_public": false, "acl_public": false, "acl_grants_others": false, "policy_denies_http": false, "policy_cross_account_control": false, "encryption": "AES256",
					"versioning": "", "logging_enabled": false, "lifecycle_rules": 0.0,
				}),
			},
		},
		"log group: no retention means never expire; stored bytes unknown": {
			arn: "arn:aws:logs:ap-northeast-1:111122223333:log-group:/aws/lambda/shop-resize",
			want: inventory.Resource{
				ARN: "arn:aws:logs:ap-northeast-1:111122223333:log-group:/aws/lambda/shop-resize", Account: acct, Region: tokyo,
				Type: "AWS::Logs::LogGroup", ID: "/aws/lambda/shop-resize", Name: "/aws/lambda/shop-resize",
				Attrs: inventory.AttrsOf(map[string]any{"retention_days": 0.0}),
			},
		},
		"log group: 30 days": {
			arn: "arn:aws:logs:ap-northeast-1:111122223333:log-group:/ecs/shop-api",
			want: inventory.Resource{
				ARN: "arn:aws:logs:ap-northeast-1:111122223333:log-group:/ecs/shop-api", Account: acct, Region: tokyo,
				Type: "AWS::Logs::LogGroup", ID: "/ecs/shop-api", Name: "/ecs/shop-api", Tags: inventory.TagsOf(map[string]string{"system": "shop"}),
				Attrs: inventory.AttrsOf(map[string]any{"retention_days": 30.0}),
			},
		},
		"iam user: global, credentials state unknown to Config": {
			arn: "arn:aws:iam::111122223333:user/deploy-bot",
			want: inventory.Resource{
				ARN: "arn:aws:iam::111122223333:user/deploy-bot", Account: acct, Region: "global", Type: "AWS::IAM::User",
				ID: "deploy-bot", Name: "deploy-bot", Created: ts("2020-05-05T05:05:05Z"),
				// The user's own policies are in the item.
				Attrs: inventory.AttrsOf(map[string]any{"attached_policies": []any{"PowerUserAccess"}, "inline_policies": 0.0}),
			},
		},
		"ecs cluster": {
			arn: ecsCluster,
			want: inventory.Resource{
				ARN: ecsCluster, Account: acct, Region: tokyo, Type: "AWS::ECS::Cluster", ID: "shop", Name: "shop",
				Tags: inventory.TagsOf(map[string]string{"system": "shop"}), State: "active",
				// The one service in the files is counted; tasks are no
				// Config items, so running_tasks stays unknown.
				Attrs: inventory.AttrsOf(map[string]any{"capacity_providers": []any{"FARGATE", "FARGATE_SPOT"}, "active_services": 1.0}),
			},
		},
		"ecs service: size from its task definition, capacity providers instead of a launch type": {
			arn: "arn:aws:ecs:ap-northeast-1:111122223333:service/shop/shop-api",
			want: inventory.Resource{
				ARN: "arn:aws:ecs:ap-northeast-1:111122223333:service/shop/shop-api", Account: acct, Region: tokyo,
				Type: "AWS::ECS::Service", ID: "arn:aws:ecs:ap-northeast-1:111122223333:service/shop/shop-api", Name: "shop-api",
				Tags: inventory.TagsOf(map[string]string{"system": "shop", "env": "prod"}), State: "active",
				Attrs: inventory.AttrsOf(map[string]any{
					"cluster": "shop", "desired_count": 2.0, "launch_type": "", "capacity_providers": []any{"FARGATE_SPOT", "FARGATE"},
					"task_definition": "shop-api:42", "cpu": 512.0, "memory_mb": 1024.0, "load_balancers": 1.0,
					"last_changed": "2024-03-01T00:00:10Z", // the item's capture time
				}),
				Relations: []inventory.Relation{
					{Kind: "in-cluster", Target: ecsCluster},
					{Kind: "uses", Target: taskDef},
					{Kind: "uses-sg", Target: sgWeb},
				},
			},
		},
		"task definition": {
			arn: taskDef,
			want: inventory.Resource{
				ARN: taskDef, Account: acct, Region: tokyo, Type: "AWS::ECS::TaskDefinition", ID: taskDef, Name: "shop-api:42",
				Attrs: inventory.AttrsOf(map[string]any{"family": "shop-api", "revision": 42.0, "cpu": 512.0, "memory_mb": 1024.0}),
			},
		},
		"lambda: +0000 offsets, role and VPC edges": {
			arn: "arn:aws:lambda:ap-northeast-1:111122223333:function:shop-resize",
			want: inventory.Resource{
				ARN: "arn:aws:lambda:ap-northeast-1:111122223333:function:shop-resize", Account: acct, Region: tokyo,
				Type: "AWS::Lambda::Function", ID: "shop-resize", Name: "shop-resize", State: "active",
				Attrs: inventory.AttrsOf(map[string]any{"runtime": "python3.8", "memory_mb": 512.0, "last_modified": "2022-07-14T09:12:33Z"}),
				Relations: []inventory.Relation{
					{Kind: "uses", Target: "arn:aws:iam::111122223333:role/shop-resize-role"},
					{Kind: "uses-sg", Target: sgWeb},
					{Kind: "in-subnet", Target: subPriv},
				},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, ok := got[tc.arn]
			if !ok {
				t.Fatalf("no resource %s", tc.arn)
			}
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("resource mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFolded checks what history and deletions leave out.
func TestFolded(t *testing.T) {
	got := byARN(collect(t, estateDir, nil))
	for _, arn := range []string{
		ec2ARN("volume", "vol-0gone00000000003"),                                         // deleted in the snapshot
		ec2ARN("volume", "vol-0tmp000000000004"),                                         // deleted later in history, listed first
		ec2ARN("route-table", "rtb-0pub0000000000002"),                                   // read for subnets, not a steward type
		"arn:aws:dynamodb:ap-northeast-1:111122223333:table/carts",                       // unknown type
		"arn:aws:ec2:ap-northeast-1:111122223333:internet-gateway/igw-0aa11bb22cc33dd44", // unknown type
	} {
		if _, ok := got[arn]; ok {
			t.Errorf("resource %s is present, want it left out", arn)
		}
	}
	// 29 resources and the account-region of each of the two regions.
	if n, want := len(got), 31+2; n != want {
		t.Errorf("got %d resources, want %d", n, want)
	}
}

func TestCoverage(t *testing.T) {
	col := collect(t, estateDir, nil)
	want := []inventory.Coverage{
		{Account: acct, Region: tokyo, Service: "ec2", OK: true, Resources: 12},
		{Account: acct, Region: tokyo, Service: "ecs", OK: true, Resources: 3},
		{Account: acct, Region: tokyo, Service: "elasticloadbalancingv2", OK: true, Resources: 2},
		{Account: acct, Region: tokyo, Service: "lambda", OK: true, Resources: 1},
		{Account: acct, Region: tokyo, Service: "logs", OK: true, Resources: 2},
		{Account: acct, Region: tokyo, Service: "rds", OK: true, Resources: 5},
		{Account: acct, Region: tokyo, Service: "s3", OK: true, Resources: 3},
		{Account: acct, Region: "global", Service: "iam", OK: true, Resources: 1},
		{Account: acct, Region: "us-east-1", Service: "lambda", OK: true, Resources: 1},
		{Account: acct, Region: "us-east-1", Service: "s3", OK: true, Resources: 1},
	}
	if diff := cmp.Diff(want, col.Coverage); diff != "" {
		t.Errorf("coverage mismatch (-want +got):\n%s", diff)
	}
	if col.APICalls != nil {
		t.Errorf("APICalls = %v, want none for an offline source", col.APICalls)
	}
}

// TestGolden pins the whole collection as JSON, so any change in mapping
// shows up in review. Regenerate with: go test ./internal/collect/awsconfig -update
func TestGolden(t *testing.T) {
	col := collect(t, estateDir, nil)
	got, err := json.MarshalIndent(struct {
		Resources []inventory.Resource `json:"resources"`
		Coverage  []inventory.Coverage `json:"coverage"`
	}{col.Resources, col.Coverage}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("testdata", "golden", "estate.json"), got)
}

func TestSkippedTypesLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	collect(t, estateDir, logger)
	var lines []string
	for l := range strings.Lines(buf.String()) {
		if strings.Contains(l, "types steward does not know") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	if len(lines) != 1 {
		t.Fatalf("got %d summary lines, want 1:\n%s", len(lines), buf.String())
	}
	for _, want := range []string{
		"items=4",
		`types="AWS::DynamoDB::Table=2 AWS::EC2::InternetGateway=1 AWS::KMS::Key=1"`,
		"component=awsconfig",
	} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("summary %q lacks %q", lines[0], want)
		}
	}
	if strings.Contains(buf.String(), "level=ERROR") || strings.Contains(buf.String(), "level=WARN") {
		t.Errorf("unknown types must not be reported as problems:\n%s", buf.String())
	}
}

func TestSingleFileAndName(t *testing.T) {
	src := NewSource(usSnap, 0, nil)
	if got, want := src.Name(), "config:"+usSnap; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	col := collect(t, usSnap, nil)
	var arns []string
	for _, r := range col.Resources {
		arns = append(arns, r.ARN)
	}
	want := []string{
		"arn:aws:iam::111122223333:user/deploy-bot",
		"arn:aws:lambda:us-east-1:111122223333:function:edge-redirect",
		"arn:aws:s3:::cf-templates-1abc2def3ghi-us-east-1",
		"arn:aws:steward:us-east-1:111122223333:account-region/us-east-1",
	}
	if diff := cmp.Diff(want, arns); diff != "" {
		t.Errorf("resources mismatch (-want +got):\n%s", diff)
	}
	// Config records the account-level block only when the account has
	// one; these files hold none and the bucket has no block of its own,
	// so the bucket is not protected.
	if got, ok := col.Resources[2].Attrs.Get("public_access_block"); !ok || got != false {
		t.Errorf("public_access_block = %v (present %v), want false when neither level has a block", got, ok)
	}
}

// TestGzipFixtureMatchesSource keeps the readable copy of the gzipped
// snapshot honest.
func TestGzipFixtureMatchesSource(t *testing.T) {
	gz, err := os.ReadFile(gzSnap)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/src/ap-northeast-1-snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s does not decompress to testdata/src/ap-northeast-1-snapshot.json", gzSnap)
	}
}

func TestProgressAndCancel(t *testing.T) {
	var p recordProgress
	if _, err := NewSource(estateDir, 0, nil).Collect(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][2]int{{1, 3}, {2, 3}, {3, 3}}, p.updates); diff != "" {
		t.Errorf("progress mismatch (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	col, err := NewSource(estateDir, 0, nil).Collect(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "context canceled") || col != nil {
		t.Errorf("Collect after cancel = %v, %v; want nil and a canceled error", col, err)
	}
}

type recordProgress struct{ updates [][2]int }

func (r *recordProgress) Update(done, total, calls, errors int) {
	r.updates = append(r.updates, [2]int{done, total})
}

// TestAttrsFollowTheTypeTable: what Config files map to has the kinds the
// type table gives each attr, as a saved scan must; a string where a bool
// belongs would make policies quietly not match.
func TestAttrsFollowTheTypeTable(t *testing.T) {
	for _, path := range []string{estateDir, "testdata/src"} {
		col := collect(t, path, nil)
		for i := range col.Resources {
			if err := inventory.CheckAttrs(&col.Resources[i]); err != nil {
				t.Errorf("%s: %s: %v", path, col.Resources[i].ARN, err)
			}
		}
	}
}

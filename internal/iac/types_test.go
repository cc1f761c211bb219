package iac

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// Every row of the type table has a case here: what a state instance of
// the type holds, the ARN it must resolve to, and the import id.
func TestTypeTable(t *testing.T) {
	sc := scope{partition: "aws", region: "ap-northeast-1", account: "111111111111"}
	const p = "arn:aws:"
	const ra = "ap-northeast-1:111111111111:"
	tests := map[string]struct {
		attrs    map[string]any
		want     string
		importID string
	}{
		"aws_instance":                {map[string]any{"id": "i-1"}, p + "ec2:" + ra + "instance/i-1", "i-1"},
		"aws_s3_bucket":               {map[string]any{"id": "b", "bucket": "b"}, p + "s3:::b", "b"},
		"aws_db_instance":             {map[string]any{"id": "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "identifier": "main"}, p + "rds:" + ra + "db:main", "main"},
		"aws_rds_cluster_instance":    {map[string]any{"id": "main-1", "identifier": "main-1"}, p + "rds:" + ra + "db:main-1", "main-1"},
		"aws_rds_cluster":             {map[string]any{"id": "aurora", "cluster_identifier": "aurora"}, p + "rds:" + ra + "cluster:aurora", "aurora"},
		"aws_lb":                      {map[string]any{"id": p + "elasticloadbalancing:" + ra + "loadbalancer/app/x/1"}, p + "elasticloadbalancing:" + ra + "loadbalancer/app/x/1", p + "elasticloadbalancing:" + ra + "loadbalancer/app/x/1"},
		"aws_alb":                     {map[string]any{"arn": p + "elasticloadbalancing:" + ra + "loadbalancer/app/y/2"}, p + "elasticloadbalancing:" + ra + "loadbalancer/app/y/2", p + "elasticloadbalancing:" + ra + "loadbalancer/app/y/2"},
		"aws_lb_target_group":         {map[string]any{"id": p + "elasticloadbalancing:" + ra + "targetgroup/tg/1"}, p + "elasticloadbalancing:" + ra + "targetgroup/tg/1", p + "elasticloadbalancing:" + ra + "targetgroup/tg/1"},
		"aws_alb_target_group":        {map[string]any{"id": p + "elasticloadbalancing:" + ra + "targetgroup/tg/2"}, p + "elasticloadbalancing:" + ra + "targetgroup/tg/2", p + "elasticloadbalancing:" + ra + "targetgroup/tg/2"},
		"aws_elb":                     {map[string]any{"id": "classic"}, p + "elasticloadbalancing:" + ra + "loadbalancer/classic", "classic"},
		"aws_security_group":          {map[string]any{"id": "sg-1"}, p + "ec2:" + ra + "security-group/sg-1", "sg-1"},
		"aws_ebs_volume":              {map[string]any{"id": "vol-1"}, p + "ec2:" + ra + "volume/vol-1", "vol-1"},
		"aws_ebs_snapshot":            {map[string]any{"id": "snap-1"}, p + "ec2:" + ra + "snapshot/snap-1", "snap-1"},
		"aws_eip":                     {map[string]any{"id": "eipalloc-1", "allocation_id": "eipalloc-1"}, p + "ec2:" + ra + "elastic-ip/eipalloc-1", "eipalloc-1"},
		"aws_nat_gateway":             {map[string]any{"id": "nat-1"}, p + "ec2:" + ra + "natgateway/nat-1", "nat-1"},
		"aws_vpc":                     {map[string]any{"id": "vpc-1"}, p + "ec2:" + ra + "vpc/vpc-1", "vpc-1"},
		"aws_subnet":                  {map[string]any{"id": "subnet-1"}, p + "ec2:" + ra + "subnet/subnet-1", "subnet-1"},
		"aws_ecs_cluster":             {map[string]any{"id": p + "ecs:" + ra + "cluster/c", "name": "c"}, p + "ecs:" + ra + "cluster/c", "c"},
		"aws_ecs_service":             {map[string]any{"id": p + "ecs:" + ra + "service/c/s", "name": "s"}, p + "ecs:" + ra + "service/c/s", "c/s"},
		"aws_ecs_task_definition":     {map[string]any{"id": "fam", "arn": p + "ecs:" + ra + "task-definition/fam:3"}, p + "ecs:" + ra + "task-definition/fam:3", p + "ecs:" + ra + "task-definition/fam:3"},
		"aws_cloudwatch_log_group":    {map[string]any{"id": "/app/x", "arn": p + "logs:" + ra + "log-group:/app/x:*"}, p + "logs:" + ra + "log-group:/app/x", "/app/x"},
		"aws_iam_role":                {map[string]any{"id": "deploy", "arn": p + "iam::111111111111:role/ci/deploy"}, p + "iam::111111111111:role/ci/deploy", "deploy"},
		"aws_iam_user":                {map[string]any{"id": "alice", "name": "alice"}, p + "iam::111111111111:user/alice", "alice"},
		"aws_lambda_function":         {map[string]any{"id": "fn", "function_name": "fn"}, p + "lambda:" + ra + "function:fn", "fn"},
		"aws_cloudfront_distribution": {map[string]any{"id": "E123"}, p + "cloudfront::111111111111:distribution/E123", "E123"},
		"aws_route53_zone":            {map[string]any{"id": "Z123", "zone_id": "Z123"}, p + "route53:::hostedzone/Z123", "Z123"},
		"aws_sqs_queue":               {map[string]any{"id": "https://sqs.us-east-1.amazonaws.com/222222222222/q"}, p + "sqs:us-east-1:222222222222:q", "https://sqs.us-east-1.amazonaws.com/222222222222/q"},
		"aws_sns_topic":               {map[string]any{"id": p + "sns:" + ra + "t"}, p + "sns:" + ra + "t", p + "sns:" + ra + "t"},
		"aws_dynamodb_table":          {map[string]any{"id": "orders", "name": "orders"}, p + "dynamodb:" + ra + "table/orders", "orders"},
		"aws_elasticache_cluster":     {map[string]any{"id": "cache", "cluster_id": "cache"}, p + "elasticache:" + ra + "cluster:cache", "cache"},
		"aws_kms_key":                 {map[string]any{"id": "1234abcd-12ab-34cd-56ef-1234567890ab"}, p + "kms:" + ra + "key/1234abcd-12ab-34cd-56ef-1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890ab"},
		"aws_ecr_repository":          {map[string]any{"id": "app", "name": "app"}, p + "ecr:" + ra + "repository/app", "app"},
		"aws_autoscaling_group":       {map[string]any{"id": "asg", "arn": p + "autoscaling:" + ra + "autoScalingGroup:uuid:autoScalingGroupName/asg"}, p + "autoscaling:" + ra + "autoScalingGroup:uuid:autoScalingGroupName/asg", "asg"},
		"aws_cloudtrail":              {map[string]any{"id": "main", "name": "main"}, p + "cloudtrail:" + ra + "trail/main", "main"},
		"aws_guardduty_detector":      {map[string]any{"id": "abc"}, p + "guardduty:" + ra + "detector/abc", "abc"},
		"aws_db_snapshot":             {map[string]any{"id": "s1", "db_snapshot_arn": p + "rds:" + ra + "snapshot:s1"}, p + "rds:" + ra + "snapshot:s1", "s1"},
		"aws_db_cluster_snapshot":     {map[string]any{"id": "c1", "db_cluster_snapshot_identifier": "c1"}, p + "rds:" + ra + "cluster-snapshot:c1", "c1"},
	}
	for _, name := range TerraformTypes() {
		if _, ok := tests[name]; !ok {
			t.Errorf("type table row %s has no test case", name)
		}
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			row, ok := byTF[name]
			if !ok {
				t.Fatalf("%s is not in the type table", name)
			}
			got, err := row.resolveARN(tc.attrs, sc)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("ARN = %q, want %q", got, tc.want)
			}
			if !inventory.KnownType(row.cfn) && row.cfn[:5] != "AWS::" {
				t.Errorf("CloudFormation type %q is not a CloudFormation name", row.cfn)
			}
			// The inventory's id is the native id, which for types keyed
			// by ARN in the state is the name.
			id := row.id(tc.attrs)
			if n, ok := tc.attrs["name"].(string); ok {
				id = n
			}
			if got := row.importIDOf(tc.want, id); got != tc.importID {
				t.Errorf("import id = %q, want %q", got, tc.importID)
			}
		})
	}
}

func TestResolveARNNeedsScope(t *testing.T) {
	row := byTF["aws_nat_gateway"]
	if _, err := row.resolveARN(map[string]any{"id": "nat-1"}, scope{}); !errors.Is(err, errNeedsContext) {
		t.Errorf("error = %v, want errNeedsContext", err)
	}
	// The S3 ARN needs neither region nor account.
	if got, err := byTF["aws_s3_bucket"].resolveARN(map[string]any{"id": "b"}, scope{}); err != nil || got != "arn:aws:s3:::b" {
		t.Errorf("bucket ARN = %q, %v", got, err)
	}
}

func TestProviderScopes(t *testing.T) {
	st := readStates(t, "app.tfstate")[0]
	got := providerScopes(st)
	want := map[string]scope{
		`provider["registry.terraform.io/hashicorp/aws"]`: {partition: "aws", region: "ap-northeast-1", account: "111111111111"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(scope{})); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
}

package iac

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// tfType is one row of the Terraform type table: how a state instance of
// the type becomes an ARN, which CloudFormation type it is, and what
// `terraform import` wants as its id. Adding a type is one row here and one
// case in types_test.go.
type tfType struct {
	tf  string // aws_instance
	cfn string // AWS::EC2::Instance
	// arnAttrs hold the ARN in the state when the provider records it;
	// the first non-empty one wins. Default: "arn".
	arnAttrs []string
	// arn builds the ARN when the state holds none, from {partition},
	// {region}, {account} and {id}. Empty when the ARN cannot be built (it
	// carries a generated part): such instances match by type and id.
	arn string
	// idAttrs hold the native id, first non-empty wins. Default: "id".
	idAttrs []string
	// pick, when set, replaces idAttrs for ids that need reading.
	pick func(attrs map[string]any) string
	// importID is what `terraform import` takes, from the inventory
	// resource: "" its ID, "arn" its ARN, "strip:PREFIX" the ARN's resource
	// part without PREFIX, "sqs-url" the queue URL.
	importID string
}

var tfTypes = []tfType{
	{tf: "aws_instance", cfn: "AWS::EC2::Instance", arn: "arn:{partition}:ec2:{region}:{account}:instance/{id}"},
	{tf: "aws_s3_bucket", cfn: "AWS::S3::Bucket", arn: "arn:{partition}:s3:::{id}", idAttrs: []string{"bucket", "id"}},
	// Provider v5 made id the DbiResourceId (db-ABC...); the ARN names the identifier.
	{tf: "aws_db_instance", cfn: "AWS::RDS::DBInstance", arn: "arn:{partition}:rds:{region}:{account}:db:{id}", pick: dbIdentifier, importID: "strip:db:"},
	{tf: "aws_rds_cluster_instance", cfn: "AWS::RDS::DBInstance", arn: "arn:{partition}:rds:{region}:{account}:db:{id}", idAttrs: []string{"identifier", "id"}, importID: "strip:db:"},
	{tf: "aws_rds_cluster", cfn: "AWS::RDS::DBCluster", arn: "arn:{partition}:rds:{region}:{account}:cluster:{id}", idAttrs: []string{"cluster_identifier", "id"}, importID: "strip:cluster:"},
	{tf: "aws_lb", cfn: "AWS::ElasticLoadBalancingV2::LoadBalancer", importID: "arn"},
	{tf: "aws_alb", cfn: "AWS::ElasticLoadBalancingV2::LoadBalancer", importID: "arn"},
	{tf: "aws_lb_target_group", cfn: "AWS::ElasticLoadBalancingV2::TargetGroup", importID: "arn"},
	{tf: "aws_alb_target_group", cfn: "AWS::ElasticLoadBalancingV2::TargetGroup", importID: "arn"},
	{tf: "aws_elb", cfn: "AWS::ElasticLoadBalancing::LoadBalancer", arn: "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{id}"},
	{tf: "aws_security_group", cfn: "AWS::EC2::SecurityGroup", arn: "arn:{partition}:ec2:{region}:{account}:security-group/{id}"},
	{tf: "aws_ebs_volume", cfn: "AWS::EC2::Volume", arn: "arn:{partition}:ec2:{region}:{account}:volume/{id}"},
	{tf: "aws_ebs_snapshot", cfn: "AWS::EC2::Snapshot", arn: "arn:{partition}:ec2:{region}:{account}:snapshot/{id}"},
	{tf: "aws_eip", cfn: "AWS::EC2::EIP", arn: "arn:{partition}:ec2:{region}:{account}:elastic-ip/{id}", idAttrs: []string{"allocation_id", "id"}},
	{tf: "aws_nat_gateway", cfn: "AWS::EC2::NatGateway", arn: "arn:{partition}:ec2:{region}:{account}:natgateway/{id}"},
	{tf: "aws_vpc", cfn: "AWS::EC2::VPC", arn: "arn:{partition}:ec2:{region}:{account}:vpc/{id}"},
	{tf: "aws_subnet", cfn: "AWS::EC2::Subnet", arn: "arn:{partition}:ec2:{region}:{account}:subnet/{id}"},
	{tf: "aws_ecs_cluster", cfn: "AWS::ECS::Cluster", arn: "arn:{partition}:ecs:{region}:{account}:cluster/{id}", idAttrs: []string{"arn", "name", "id"}, importID: "strip:cluster/"},
	{tf: "aws_ecs_service", cfn: "AWS::ECS::Service", importID: "strip:service/"},
	{tf: "aws_ecs_task_definition", cfn: "AWS::ECS::TaskDefinition", importID: "arn"},
	{tf: "aws_cloudwatch_log_group", cfn: "AWS::Logs::LogGroup", arn: "arn:{partition}:logs:{region}:{account}:log-group:{id}", idAttrs: []string{"name", "id"}},
	{tf: "aws_iam_role", cfn: "AWS::IAM::Role", arn: "arn:{partition}:iam::{account}:role/{id}", idAttrs: []string{"name", "id"}, importID: "last"},
	{tf: "aws_iam_user", cfn: "AWS::IAM::User", arn: "arn:{partition}:iam::{account}:user/{id}", idAttrs: []string{"name", "id"}, importID: "last"},
	{tf: "aws_lambda_function", cfn: "AWS::Lambda::Function", arn: "arn:{partition}:lambda:{region}:{account}:function:{id}", idAttrs: []string{"function_name", "id"}},
	{tf: "aws_cloudfront_distribution", cfn: "AWS::CloudFront::Distribution", arn: "arn:{partition}:cloudfront::{account}:distribution/{id}"},
	{tf: "aws_route53_zone", cfn: "AWS::Route53::HostedZone", arn: "arn:{partition}:route53:::hostedzone/{id}", idAttrs: []string{"zone_id", "id"}},
	{tf: "aws_sqs_queue", cfn: "AWS::SQS::Queue", pick: sqsARN, importID: "sqs-url"},
	{tf: "aws_sns_topic", cfn: "AWS::SNS::Topic", importID: "arn"},
	{tf: "aws_dynamodb_table", cfn: "AWS::DynamoDB::Table", arn: "arn:{partition}:dynamodb:{region}:{account}:table/{id}", idAttrs: []string{"name", "id"}},
	{tf: "aws_elasticache_cluster", cfn: "AWS::ElastiCache::CacheCluster", arn: "arn:{partition}:elasticache:{region}:{account}:cluster:{id}", idAttrs: []string{"cluster_id", "id"}},
	{tf: "aws_kms_key", cfn: "AWS::KMS::Key", arn: "arn:{partition}:kms:{region}:{account}:key/{id}", idAttrs: []string{"key_id", "id"}},
	{tf: "aws_ecr_repository", cfn: "AWS::ECR::Repository", arn: "arn:{partition}:ecr:{region}:{account}:repository/{id}", idAttrs: []string{"name", "id"}},
	{tf: "aws_autoscaling_group", cfn: "AWS::AutoScaling::AutoScalingGroup", idAttrs: []string{"name", "id"}},
	{tf: "aws_cloudtrail", cfn: "AWS::CloudTrail::Trail", arn: "arn:{partition}:cloudtrail:{region}:{account}:trail/{id}", idAttrs: []string{"name", "id"}, importID: "strip:trail/"},
	{tf: "aws_guardduty_detector", cfn: "AWS::GuardDuty::Detector", arn: "arn:{partition}:guardduty:{region}:{account}:detector/{id}"},
	{tf: "aws_db_snapshot", cfn: "AWS::RDS::DBSnapshot", arnAttrs: []string{"db_snapshot_arn"}, arn: "arn:{partition}:rds:{region}:{account}:snapshot:{id}", idAttrs: []string{"db_snapshot_identifier", "id"}, importID: "strip:snapshot:"},
	{tf: "aws_db_cluster_snapshot", cfn: "AWS::RDS::DBClusterSnapshot", arnAttrs: []string{"db_cluster_snapshot_arn"}, arn: "arn:{partition}:rds:{region}:{account}:cluster-snapshot:{id}", idAttrs: []string{"db_cluster_snapshot_identifier", "id"}, importID: "strip:cluster-snapshot:"},
}

var (
	byTF  = map[string]*tfType{}
	byCFN = map[string]*tfType{} // the first row of a CloudFormation type is the one import suggests
)

func init() {
	for i := range tfTypes {
		t := &tfTypes[i]
		if _, dup := byTF[t.tf]; dup {
			panic("iac: terraform type " + t.tf + " appears twice in the type table")
		}
		byTF[t.tf] = t
		if _, ok := byCFN[t.cfn]; !ok {
			byCFN[t.cfn] = t
		}
	}
}

// TerraformTypes lists the Terraform types steward matches, sorted.
func TerraformTypes() []string {
	out := make([]string, 0, len(tfTypes))
	for _, t := range tfTypes {
		out = append(out, t.tf)
	}
	sort.Strings(out)
	return out
}

// CloudFormationType returns the CloudFormation type of a Terraform type.
func CloudFormationType(tf string) (string, bool) {
	t, ok := byTF[tf]
	if !ok {
		return "", false
	}
	return t.cfn, true
}

// TerraformType returns the Terraform type import suggests for a
// CloudFormation type.
func TerraformType(cfn string) (string, bool) {
	t, ok := byCFN[cfn]
	if !ok {
		return "", false
	}
	return t.tf, true
}

// errNeedsContext is why an ARN could not be built: the template needs a
// region or account the state does not say.
var errNeedsContext = errors.New("region or account unknown")

// scope is what the ARN templates fill in besides the id.
type scope struct{ partition, region, account string }

// id returns the instance's native id as the table row reads it.
func (t *tfType) id(attrs map[string]any) string {
	if t.pick != nil {
		return t.pick(attrs)
	}
	keys := t.idAttrs
	if len(keys) == 0 {
		keys = []string{"id"}
	}
	for _, k := range keys {
		if v := attrString(attrs, k); v != "" {
			return v
		}
	}
	return ""
}

// resolveARN returns the ARN of a state instance: the one the state
// records, the id when it is an ARN, or one built from the template. It
// returns "" and no error when the type has no template; the caller then
// matches by type and id.
func (t *tfType) resolveARN(attrs map[string]any, sc scope) (string, error) {
	keys := t.arnAttrs
	if len(keys) == 0 {
		keys = []string{"arn"}
	}
	for _, k := range keys {
		if v := attrString(attrs, k); strings.HasPrefix(v, "arn:") {
			return normalizeARN(v), nil
		}
	}
	id := t.id(attrs)
	if id == "" {
		return "", fmt.Errorf("no id attribute (%s)", strings.Join(append(keys, t.idAttrs...), ", "))
	}
	if strings.HasPrefix(id, "arn:") {
		return normalizeARN(id), nil
	}
	if t.arn == "" {
		return "", nil
	}
	if sc.partition == "" {
		sc.partition = "aws"
	}
	if (strings.Contains(t.arn, "{region}") && sc.region == "") || (strings.Contains(t.arn, "{account}") && sc.account == "") {
		return "", errNeedsContext
	}
	return strings.NewReplacer("{partition}", sc.partition, "{region}", sc.region, "{account}", sc.account, "{id}", id).Replace(t.arn), nil
}

// normalizeARN drops the ":*" older AWS providers append to log group ARNs.
func normalizeARN(a string) string { return strings.TrimSuffix(a, ":*") }

// arnParts splits an ARN into partition, service, region, account and
// resource. ok is false when s is not an ARN.
func arnParts(s string) (partition, service, region, account, resource string, ok bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return "", "", "", "", "", false
	}
	return p[1], p[2], p[3], p[4], p[5], true
}

var dbResourceID = regexp.MustCompile(`^db-[A-Z0-9]{20,}$`)

// dbIdentifier reads an aws_db_instance's identifier. Provider v5 stores the
// DbiResourceId as id, which no ARN contains.
func dbIdentifier(attrs map[string]any) string {
	if v := attrString(attrs, "identifier"); v != "" {
		return v
	}
	if id := attrString(attrs, "id"); !dbResourceID.MatchString(id) {
		return id
	}
	return ""
}

// sqsARN builds a queue's ARN from its id, which is the queue URL
// (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME).
func sqsARN(attrs map[string]any) string {
	id := attrString(attrs, "id")
	u, err := url.Parse(id)
	if err != nil || u.Host == "" {
		return id
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	host := strings.Split(u.Host, ".")
	if len(parts) != 2 || len(host) < 3 {
		return id
	}
	region := host[1]
	if host[0] != "sqs" { // legacy REGION.queue.amazonaws.com
		region = host[0]
	}
	partition := "aws"
	if strings.HasSuffix(u.Host, ".amazonaws.com.cn") {
		partition = "aws-cn"
	}
	return "arn:" + partition + ":sqs:" + region + ":" + parts[0] + ":" + parts[1]
}

// importIDOf is the id `terraform import` takes for a resource.
func (t *tfType) importIDOf(arn, id string) string {
	_, _, region, account, res, ok := arnParts(arn)
	switch {
	case t.importID == "arn":
		return arn
	case t.importID == "last" && ok:
		return res[strings.LastIndex(res, "/")+1:]
	case strings.HasPrefix(t.importID, "strip:") && ok:
		return strings.TrimPrefix(res, strings.TrimPrefix(t.importID, "strip:"))
	case t.importID == "sqs-url" && ok:
		return "https://sqs." + region + ".amazonaws.com/" + account + "/" + res
	}
	if id != "" {
		return id
	}
	return arn
}

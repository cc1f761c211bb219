package awsconfig

import (
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// Type names used by the mappers and the relation rules.
const (
	tInstance     = "AWS::EC2::Instance"
	tVolume       = "AWS::EC2::Volume"
	tEIP          = "AWS::EC2::EIP"
	tSG           = "AWS::EC2::SecurityGroup"
	tVPC          = "AWS::EC2::VPC"
	tSubnet       = "AWS::EC2::Subnet"
	tRouteTable   = "AWS::EC2::RouteTable"
	tNAT          = "AWS::EC2::NatGateway"
	tSnapshot     = "AWS::EC2::Snapshot"
	tLB           = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	tTargetGroup  = "AWS::ElasticLoadBalancingV2::TargetGroup"
	tClassicLB    = "AWS::ElasticLoadBalancing::LoadBalancer"
	tDB           = "AWS::RDS::DBInstance"
	tDBCluster    = "AWS::RDS::DBCluster"
	tDBSnapshot   = "AWS::RDS::DBSnapshot"
	tDBClusterSnp = "AWS::RDS::DBClusterSnapshot"
	tBucket       = "AWS::S3::Bucket"
	tAccountPAB   = "AWS::S3::AccountPublicAccessBlock"
	tLogGroup     = "AWS::Logs::LogGroup"
	tUser         = "AWS::IAM::User"
	tRole         = "AWS::IAM::Role"
	tECSCluster   = "AWS::ECS::Cluster"
	tECSService   = "AWS::ECS::Service"
	tTaskDef      = "AWS::ECS::TaskDefinition"
	tFunction     = "AWS::Lambda::Function"
	tASG          = "AWS::AutoScaling::AutoScalingGroup"
	tTrail        = "AWS::CloudTrail::Trail"
	tDetector     = "AWS::GuardDuty::Detector"
	tAccountRgn   = "Steward::Account::Region"
	tDistribution = "AWS::CloudFront::Distribution"
	tListener     = "AWS::ElasticLoadBalancingV2::Listener"
	tRepository   = "AWS::ECR::Repository"
)

// helperTypes are read for what they tell about other resources (route
// tables make subnets public, the account-level public access block covers
// buckets) and are not themselves steward resources, so they are not
// reported as skipped.
var helperTypes = map[string]bool{
	tRouteTable: true,
	tAccountPAB: true,
}

// canonicalType returns steward's spelling of a type name, matching
// case-insensitively (relationships say AWS::EC2::Vpc where items say
// AWS::EC2::VPC), or "" when steward does not know the type.
func canonicalType(t string) string {
	if inventory.KnownType(t) || helperTypes[t] || t == tRole {
		return t
	}
	for _, n := range inventory.TypeNames() {
		if strings.EqualFold(n, t) {
			return n
		}
	}
	for _, n := range []string{tRouteTable, tAccountPAB, tRole} {
		if strings.EqualFold(n, t) {
			return n
		}
	}
	return ""
}

// relSources lists, per relation kind, the source types that may carry it,
// following the comments on the kinds in inventory/resource.go (plus
// functions and load balancers where they use security groups and subnets
// the same way, so an unused-group policy does not misfire).
var relSources = map[string]map[string]bool{
	inventory.RelAttachedTo: set(tVolume, tEIP, tTargetGroup),
	inventory.RelTargetOf:   set(tInstance),
	inventory.RelInSubnet:   set(tInstance, tNAT, tDB, tLB, tFunction),
	inventory.RelInVPC:      set(tSubnet, tSG),
	inventory.RelUsesSG:     set(tInstance, tDB, tDBCluster, tLB, tClassicLB, tECSService, tFunction),
	inventory.RelInCluster:  set(tECSService),
	inventory.RelMemberOf:   set(tDB, tInstance),
	inventory.RelUses:       set(tECSService, tFunction),
	inventory.RelSnapshotOf: set(tSnapshot, tDBSnapshot, tDBClusterSnp),
}

func set(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// relationKind maps a Config relationship ("Is attached to Instance",
// "IscontainedinVpc") from a resource of type src to a target of type dst
// onto a steward relation kind, or "" when the edge points the other way
// ("Contains ...", a group "is associated with" its instances) or steward
// has no kind for it.
func relationKind(src, name, dst string) string {
	verb := strings.ToLower(strings.ReplaceAll(name, " ", ""))
	if strings.HasPrefix(verb, "contains") {
		return ""
	}
	var kind string
	switch dst {
	case tSG:
		kind = inventory.RelUsesSG
	case tSubnet:
		kind = inventory.RelInSubnet
	case tVPC:
		if strings.HasPrefix(verb, "iscontainedin") {
			kind = inventory.RelInVPC
		}
	case tInstance, tLB:
		kind = inventory.RelAttachedTo
	case tDBCluster, tASG:
		kind = inventory.RelMemberOf
	case tECSCluster:
		kind = inventory.RelInCluster
	case tTaskDef, tRole:
		kind = inventory.RelUses
	case tTargetGroup:
		kind = inventory.RelTargetOf
	}
	if kind == "" || !relSources[kind][src] {
		return ""
	}
	return kind
}

// partitionOf returns the partition of an ARN (aws, aws-cn, aws-us-gov).
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) >= 2 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// buildARN spells the ARN of a resource from its type and native id or
// name, for relation targets that are not themselves in the files. It
// returns "" for types whose ARN cannot be spelled from an id.
func buildARN(typ, partition, region, account, id string) string {
	if id == "" {
		return ""
	}
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	ec2 := func(kind string) string {
		return fmt.Sprintf("arn:%s:ec2:%s:%s:%s/%s", partition, region, account, kind, id)
	}
	switch typ {
	case tInstance:
		return ec2("instance")
	case tVolume:
		return ec2("volume")
	case tSG:
		return ec2("security-group")
	case tVPC:
		return ec2("vpc")
	case tSubnet:
		return ec2("subnet")
	case tRouteTable:
		return ec2("route-table")
	case tNAT:
		return ec2("natgateway")
	case tEIP:
		return ec2("eip-allocation")
	case tSnapshot:
		return fmt.Sprintf("arn:%s:ec2:%s::snapshot/%s", partition, region, id)
	case tDB:
		return fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", partition, region, account, id)
	case tDBCluster:
		return fmt.Sprintf("arn:%s:rds:%s:%s:cluster:%s", partition, region, account, id)
	case tDBSnapshot:
		return fmt.Sprintf("arn:%s:rds:%s:%s:snapshot:%s", partition, region, account, id)
	case tDBClusterSnp:
		return fmt.Sprintf("arn:%s:rds:%s:%s:cluster-snapshot:%s", partition, region, account, id)
	case tECSCluster:
		return fmt.Sprintf("arn:%s:ecs:%s:%s:cluster/%s", partition, region, account, id)
	case tBucket:
		return fmt.Sprintf("arn:%s:s3:::%s", partition, id)
	case tUser:
		return fmt.Sprintf("arn:%s:iam::%s:user/%s", partition, account, id)
	case tRole:
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, id)
	case tFunction:
		return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition, region, account, id)
	case tLogGroup:
		return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, region, account, id)
	}
	return ""
}

// needsName reports whether Config's resourceId for the type is an
// internal id (db-ABC..., cluster-ABC..., AIDA...) so that relations and
// ARNs must use resourceName instead.
func needsName(typ string) bool {
	switch typ {
	case tDB, tDBCluster, tUser, tRole:
		return true
	}
	return false
}

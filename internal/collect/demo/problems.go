package demo

import (
	"slices"
	"time"
)

// ProblemKeys documents the keys of Problems: what a resource listed under
// the key has, in terms of its type, state, tags and attrs. Each list in
// Problems is complete: every resource of the demo estate that has the
// problem is listed, so a policy may be tested for finding exactly that set.
//
// Naming keys apply to every type except AWS::::Account,
// Steward::Account::Region, AWS::IAM::User (people), AWS::Logs::LogGroup
// (path names), AWS::ECS::TaskDefinition (family:revision), snapshots
// (AWS::EC2::Snapshot, AWS::RDS::DBSnapshot, AWS::RDS::DBClusterSnapshot)
// and AWS::GuardDuty::Detector (id only). Tagging keys apply to every type
// except AWS::::Account and Steward::Account::Region.
var ProblemKeys = map[string]string{
	// naming
	"name-breaks-rule": "name is set and does not match NamePattern ({system}-{env}-{role})",
	"name-tag-missing": "name is empty: no Name tag",
	// tagging
	"tag-missing-required": "one of the tags env, system, owner is missing",
	"tag-env-invalid":      "env tag is set to a value outside Envs (production, test)",
	// waste and idle
	"alb-no-targets":          "application load balancer whose target groups have no targets, or that has none",
	"alb-targets-stopped":     "application load balancer with targets, every one an instance in state stopped",
	"alb-targets-unhealthy":   "application load balancer with targets, none healthy, not all stopped",
	"ebs-unattached":          "EBS volume in state available, attached to nothing",
	"eip-unassociated":        "Elastic IP with an empty association_id",
	"ec2-stopped-long":        "EC2 instance stopped, stopped_at 90 or more days ago",
	"rds-idle":                "DB instance or cluster in state available with connections_max 0 over connections_lookback_days of 30 or more",
	"rds-stopped-long":        "DB instance or cluster stopped, stopped_at 30 or more days ago",
	"ebs-snapshot-old":        "manual EBS snapshot created 365 or more days ago",
	"rds-snapshot-old":        "manual RDS or Aurora cluster snapshot created 365 or more days ago",
	"logs-no-retention":       "log group with retention_days 0 (never expires)",
	"logs-huge":               "log group with stored_bytes of 1 TB (1e12) or more",
	"nat-idle":                "NAT gateway with bytes_out_14d under 1 MB (1e6)",
	"ebs-gp2":                 "EBS volume of volume_type gp2",
	"ec2-previous-generation": "EC2 instance of a previous-generation type (t2, m4, c4, r4 ...; pricing.PreviousGeneration)",
	// security
	"s3-no-public-access-block": "bucket with public_access_block false",
	"s3-public-policy":          "bucket with policy_public true",
	"s3-public-acl":             "bucket with acl_public true",
	"s3-no-encryption":          "bucket with an empty encryption",
	"rds-unencrypted":           "DB instance or cluster with storage_encrypted false",
	"rds-public":                "DB instance with publicly_accessible true",
	"db-in-public-subnet":       "DB instance whose in-subnet target is a subnet with public true",
	"sg-open-ssh":               "security group admitting 0.0.0.0/0 or ::/0 on tcp port 22",
	"sg-open-rdp":               "security group admitting 0.0.0.0/0 or ::/0 on tcp port 3389",
	"sg-open-db":                "security group admitting 0.0.0.0/0 or ::/0 on tcp port 3306 or 5432",
	"guardduty-disabled":        "account x region with guardduty_enabled false",
	"securityhub-disabled":      "account x region with securityhub_enabled false",
	"inspector-disabled":        "account x region with inspector_enabled false",
	"cloudtrail-disabled":       "account x region with cloudtrail_enabled false",
	"config-disabled":           "account x region with config_recorder_enabled false",
	"lb-no-access-logs":         "load balancer (ELBv2 or classic) with access_logs_enabled false",
	"iam-user-console-no-mfa":   "IAM user with console_access true and mfa_enabled false",
	"iam-access-key-old":        "IAM user with access_key_max_age_days over 90",
	"root-no-mfa":               "account with root_mfa_enabled false",
	"cloudfront-no-waf":         "CloudFront distribution with an empty web_acl_id",
}

// Problems maps each key of ProblemKeys to the ARNs of the demo estate that
// have the problem, sorted. ARNs do not depend on the time the estate is
// built for, so this table holds for New(now) whatever now is.
var Problems = func() map[string][]string {
	b := &builder{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), problems: map[string][]string{}}
	b.estate(demoAccounts)
	for _, arns := range b.problems {
		slices.Sort(arns)
	}
	return b.problems
}()

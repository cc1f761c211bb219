package inventory

import (
	"sort"
	"strings"
)

// TypeInfo documents one resource type and the attrs collectors fill for it.
// It is the contract between collectors (demo, AWS APIs, AWS Config files)
// and policies: a policy may rely on exactly these keys, and a collector that
// cannot read one leaves it out (policies test with has()) rather than
// writing a zero that would read as a fact.
type TypeInfo struct {
	Type  string
	Attrs map[string]string // key -> meaning and JSON kind
}

// Types steward knows. Times in attrs are RFC 3339 strings; sizes are
// numbers (JSON numbers decode as float64); booleans are booleans.
var types = []TypeInfo{
	{"AWS::::Account", map[string]string{
		"alias":                     "string: account alias, if any",
		"root_mfa_enabled":          "bool: the root user has MFA",
		"root_access_keys":          "bool: the root user has access keys",
		"root_hardware_mfa":         "bool: the root user's MFA is a hardware device (not a virtual one)",
		"password_min_length":       "number: the password policy's minimum length; 0 when the account has no policy",
		"password_reuse_prevention": "number: previous passwords a new one may not repeat; 0 when unlimited",
		"password_complexity":       "bool: passwords need upper and lower case letters, numbers and symbols",
	}},
	{"Steward::Account::Region", map[string]string{
		// One per account x enabled region, so that "not enabled" has a subject.
		"guardduty_enabled":       "bool: a GuardDuty detector is enabled in the region",
		"securityhub_enabled":     "bool: Security Hub is enabled in the region",
		"inspector_enabled":       "bool: Inspector (EC2 or ECR scanning) is enabled in the region",
		"cloudtrail_enabled":      "bool: a logging trail covers the region (a multi-region trail counts)",
		"config_recorder_enabled": "bool: an AWS Config recorder is recording in the region",
		"ebs_default_encryption":  "bool: new EBS volumes are encrypted by default",
		"rds_event_subscriptions": "list of {source_type: string (db-instance, db-cluster, db-parameter-group, db-security-group), categories: list of string (empty for all), enabled: bool}; only in regions holding databases",
	}},
	{"AWS::IAM::User", map[string]string{
		"mfa_enabled":             "bool: the user has an MFA device",
		"console_access":          "bool: the user has a login profile (console password)",
		"access_key_max_age_days": "number: age in days of the oldest active access key; absent when none",
		"access_key_unused_days":  "number: days the least used active access key has gone unused (since creation if never used); absent when none",
		"password_last_used":      "string(time): last console sign-in",
		"attached_policies":       "list of string: names of the managed policies attached to the user itself",
		"inline_policies":         "number: inline policies of the user itself",
	}},
	{"AWS::EC2::Instance", map[string]string{
		"instance_type":       "string: t3.micro ...",
		"launch_time":         "string(time)",
		"stopped_at":          "string(time): when the instance last stopped (state reason), if stopped",
		"public_ip":           "string: public IPv4, empty when none",
		"vpc_id":              "string",
		"subnet_id":           "string",
		"asg_name":            "string: the Auto Scaling group that launched it, if any",
		"platform":            "string: linux or windows",
		"imdsv2_required":     "bool: the instance metadata service requires session tokens (IMDSv2)",
		"virtualization_type": "string: hvm or paravirtual",
		"network_interfaces":  "number: network interfaces attached",
	}},
	{"AWS::EC2::Volume", map[string]string{
		"volume_type":       "string: gp2, gp3, io1, io2, st1, sc1, standard",
		"size_gb":           "number",
		"iops":              "number",
		"encrypted":         "bool",
		"availability_zone": "string",
	}},
	{"AWS::EC2::Snapshot", map[string]string{
		"volume_size_gb": "number",
		"volume_id":      "string: source volume",
		"encrypted":      "bool",
		"manual":         "bool: created by a person or a script, not by Data Lifecycle Manager or AWS Backup",
		"public":         "bool: any AWS account may restore or copy it",
	}},
	{"AWS::EC2::EIP", map[string]string{
		"public_ip":      "string",
		"association_id": "string: empty when the address is not associated",
		"allocation_id":  "string",
	}},
	{"AWS::EC2::SecurityGroup", map[string]string{
		"group_name": "string",
		"vpc_id":     "string",
		"is_default": "bool: the VPC's default group",
		"ingress":    "list of {protocol: string (tcp, udp, icmp, -1 for all), from_port: number, to_port: number, cidr: string (IPv4 or IPv6 range), source_sg: string}",
	}},
	{"AWS::EC2::VPC", map[string]string{
		"cidr":       "string",
		"is_default": "bool",
		"flow_logs":  "bool: an active flow log records the VPC's traffic",
	}},
	{"AWS::EC2::Subnet", map[string]string{
		"vpc_id":                  "string",
		"cidr":                    "string",
		"availability_zone":       "string",
		"public":                  "bool: its route table sends 0.0.0.0/0 or ::/0 to an internet gateway",
		"default_for_az":          "bool",
		"map_public_ip_on_launch": "bool: instances launched here get a public IPv4 address by default",
	}},
	{"AWS::EC2::NatGateway", map[string]string{
		"connectivity_type": "string: public or private",
		"bytes_out_14d":     "number: BytesOutToDestination summed over the last 14 days",
	}},
	{"AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]string{
		"lb_type":                    "string: application, network, gateway",
		"scheme":                     "string: internet-facing or internal",
		"access_logs_enabled":        "bool",
		"request_count_14d":          "number: RequestCount (ALB) or new flows (NLB) summed over 14 days",
		"drop_invalid_header_fields": "bool: the ALB drops HTTP headers with invalid names",
		"desync_mitigation_mode":     "string: monitor, defensive or strictest (ALB)",
		"availability_zones":         "number: Availability Zones the load balancer is enabled in",
		"deletion_protection":        "bool: deletion protection on",
	}},
	{"AWS::ElasticLoadBalancingV2::TargetGroup", map[string]string{
		// The target group points at its load balancer(s) with attached-to;
		// each instance target points at the group with target-of.
		"target_type": "string: instance, ip, lambda, alb",
		"targets":     "list of {id: string, port: number, health: string (healthy, unhealthy, unused, draining, initial, unavailable)}",
	}},
	{"AWS::ElasticLoadBalancingV2::Listener", map[string]string{
		// The listener is attached-to its load balancer and uses the target
		// groups its default actions forward to.
		"protocol":         "string: HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE",
		"port":             "number",
		"ssl_policy":       "string: the TLS policy name, empty for plain protocols",
		"certificate_arns": "list of string: the default certificates",
		"default_actions":  "list of {type: string (forward, redirect, fixed-response, authenticate-oidc, authenticate-cognito), target_group_arn: string, redirect_protocol: string (HTTPS, HTTP, #{protocol}; empty unless a redirect)}",
	}},
	{"AWS::ElasticLoadBalancing::LoadBalancer", map[string]string{
		"scheme":                 "string",
		"access_logs_enabled":    "bool",
		"instances":              "list of {id: string, state: string (InService, OutOfService, Unknown)}",
		"listeners":              "list of {protocol: string (HTTP, HTTPS, TCP, SSL), port: number, certificate: string (ARN, empty for plain protocols), policies: list of string}",
		"availability_zones":     "number: Availability Zones the load balancer is enabled in",
		"connection_draining":    "bool: connection draining on",
		"cross_zone":             "bool: cross-zone load balancing on",
		"desync_mitigation_mode": "string: monitor, defensive or strictest",
	}},
	{"AWS::RDS::DBInstance", map[string]string{
		"engine":                     "string: mysql, postgres, aurora-mysql ...",
		"engine_version":             "string",
		"instance_class":             "string: db.t3.medium ...",
		"storage_type":               "string",
		"allocated_gb":               "number",
		"storage_encrypted":          "bool",
		"publicly_accessible":        "bool",
		"multi_az":                   "bool",
		"stopped_at":                 "string(time): when it was stopped, if stopped",
		"connections_lookback_days":  "number: days of DatabaseConnections history read",
		"connections_max":            "number: maximum daily DatabaseConnections over that window",
		"cluster_id":                 "string: the Aurora cluster, if a member",
		"deletion_protection":        "bool: deletion protection on (absent when the source does not say)",
		"auto_minor_version_upgrade": "bool: minor engine upgrades are applied automatically",
		"iam_auth_enabled":           "bool: IAM database authentication on",
		"copy_tags_to_snapshot":      "bool: snapshots get the instance's tags",
		"backup_retention_days":      "number: days automated backups are kept; 0 when off",
		"monitoring_interval":        "number: Enhanced Monitoring interval in seconds; 0 when off",
		"log_exports":                "list of string: log types exported to CloudWatch Logs (error, general, postgresql ...)",
		"vpc_id":                     "string: the VPC of its subnet group; empty when it is in none",
		"master_username":            "string: the administrator user name",
		"port":                       "number: the port its endpoint listens on",
	}},
	{"AWS::RDS::DBCluster", map[string]string{
		"engine":                    "string",
		"engine_version":            "string",
		"storage_encrypted":         "bool",
		"members":                   "number: instances in the cluster",
		"stopped_at":                "string(time)",
		"deletion_protection":       "bool: deletion protection on",
		"iam_auth_enabled":          "bool: IAM database authentication on",
		"copy_tags_to_snapshot":     "bool: snapshots get the cluster's tags",
		"master_username":           "string: the administrator user name",
		"backtrack_window":          "number: Aurora MySQL backtrack window in seconds; 0 when off",
		"multi_az":                  "bool: the cluster has instances in more than one Availability Zone",
		"connections_lookback_days": "number",
		"connections_max":           "number",
	}},
	{"AWS::RDS::DBSnapshot", map[string]string{
		"snapshot_type": "string: manual or automated",
		"allocated_gb":  "number",
		"encrypted":     "bool",
		"db_instance":   "string",
		"public":        "bool: any AWS account may restore or copy it",
	}},
	{"AWS::RDS::DBClusterSnapshot", map[string]string{
		"snapshot_type": "string: manual or automated",
		"allocated_gb":  "number",
		"encrypted":     "bool",
		"db_cluster":    "string",
		"public":        "bool: any AWS account may restore or copy it",
	}},
	{"AWS::S3::Bucket", map[string]string{
		"public_access_block":          "bool: all four Block Public Access settings on (bucket or account level)",
		"policy_public":                "bool: the bucket policy grants public access",
		"acl_public":                   "bool: the ACL grants AllUsers or AuthenticatedUsers",
		"acl_grants_others":            "bool: the ACL grants access to anyone but the bucket owner",
		"policy_denies_http":           "bool: the bucket policy refuses requests without TLS (aws:SecureTransport false)",
		"policy_cross_account_control": "bool: the bucket policy lets another account change its policy, ACLs or encryption",
		"event_notifications":          "bool: the bucket sends event notifications (SNS, SQS, Lambda or EventBridge)",
		"encryption":                   "string: default encryption (AES256, aws:kms, aws:kms:dsse); empty when none",
		"versioning":                   "string: Enabled, Suspended or empty",
		"logging_enabled":              "bool: server access logging on",
		"lifecycle_rules":              "number: lifecycle rules configured",
		"size_bytes":                   "number: BucketSizeBytes, all storage classes",
	}},
	{"AWS::Logs::LogGroup", map[string]string{
		"retention_days": "number: 0 when logs never expire",
		"stored_bytes":   "number",
	}},
	{"AWS::ECS::Cluster", map[string]string{
		"active_services":    "number",
		"running_tasks":      "number",
		"capacity_providers": "list of string",
		"container_insights": "bool: CloudWatch Container Insights on",
	}},
	{"AWS::ECS::Service", map[string]string{
		"cluster":            "string: cluster name",
		"desired_count":      "number",
		"running_count":      "number",
		"launch_type":        "string: FARGATE, EC2, EXTERNAL, or empty with capacity providers",
		"capacity_providers": "list of string: FARGATE, FARGATE_SPOT ...",
		"task_definition":    "string: family:revision",
		"cpu":                "number: task CPU units",
		"memory_mb":          "number: task memory",
		"last_changed":       "string(time): when a deployment last changed (desired count or task definition)",
		"load_balancers":     "number: target groups and load balancers it serves (0: a worker)",
		"iac_desired_count":  "number: the desired_count its Terraform state sets (the next apply puts it back)",
		"assign_public_ip":   "bool: tasks get a public IP address (awsvpc network mode)",
		"platform_version":   "string: Fargate platform version (LATEST, 1.4.0 ...)",
		"platform_family":    "string: Fargate platform family (Linux, Windows ...)",
	}},
	{"AWS::Events::Rule", map[string]string{
		"schedule_expression": "string: cron(...) or rate(...)",
		"event_bus":           "string: the event bus (default)",
		"ecs_task_count":      "number: ECS tasks each run starts",
		"task_definitions":    "list of string: task definition ARNs it runs",
	}},
	{"AWS::ECS::TaskDefinition", map[string]string{
		"family":       "string",
		"revision":     "number",
		"cpu":          "number",
		"memory_mb":    "number",
		"network_mode": "string: awsvpc, bridge, host, none; empty for the default",
		"pid_mode":     "string: host or task; empty for the default",
		"containers":   "list of {name: string, privileged: bool, user: string, readonly_root_fs: bool, env_names: list of string (names of plain environment variables)}",
	}},
	{"AWS::Lambda::Function", map[string]string{
		"runtime":       "string",
		"memory_mb":     "number",
		"last_modified": "string(time)",
		"policy_public": "bool: the function's resource policy lets anyone invoke it",
		"vpc_subnets":   "number: subnets of its VPC configuration; absent when not in a VPC",
	}},
	{"AWS::ECR::Repository", map[string]string{
		"scan_on_push":     "bool",
		"lifecycle_policy": "bool",
		"tag_immutable":    "bool: image tags cannot be overwritten",
		"image_count":      "number",
	}},
	{"AWS::AutoScaling::AutoScalingGroup", map[string]string{
		"min_size":         "number",
		"max_size":         "number",
		"desired_capacity": "number",
		"instance_types":   "list of string",
	}},
	{"AWS::CloudFront::Distribution", map[string]string{
		"web_acl_id":          "string: empty when no WAF is attached",
		"logging_enabled":     "bool",
		"enabled":             "bool",
		"default_root_object": "string: object served for the root URL; empty when none",
		"allows_http":         "bool: a cache behavior lets viewers use plain HTTP (allow-all)",
		"origins":             "list of {id: string, domain: string, type: string (s3, custom, vpc), access_control: bool (S3: an origin access identity or control), protocol_policy: string (custom: http-only, match-viewer, https-only), ssl_protocols: list of string (custom)}",
		"origin_groups":       "number: origin groups (failover) configured",
		"default_certificate": "bool: viewers get the *.cloudfront.net certificate",
		"ssl_support_method":  "string: sni-only, vip or static-ip; empty with the default certificate",
	}},
	{"AWS::CloudTrail::Trail", map[string]string{
		"multi_region":        "bool",
		"logging":             "bool",
		"s3_bucket":           "string",
		"log_file_validation": "bool: log file integrity validation on",
		"kms_encrypted":       "bool: log files are encrypted with a KMS key",
		"cloudwatch_logs":     "bool: the trail delivers to a CloudWatch Logs group",
	}},
	{"AWS::GuardDuty::Detector", map[string]string{
		"status": "string: ENABLED or DISABLED",
	}},
}

var typeIndex = func() map[string]*TypeInfo {
	m := make(map[string]*TypeInfo, len(types))
	for i := range types {
		m[types[i].Type] = &types[i]
	}
	return m
}()

// KnownType reports whether steward knows the type.
func KnownType(t string) bool { _, ok := typeIndex[t]; return ok }

// Type returns the documentation of a type.
func Type(t string) (TypeInfo, bool) {
	ti, ok := typeIndex[t]
	if !ok {
		return TypeInfo{}, false
	}
	return *ti, true
}

// TypeNames lists the known types, sorted.
func TypeNames() []string {
	names := make([]string, 0, len(types))
	for _, t := range types {
		names = append(names, t.Type)
	}
	sort.Strings(names)
	return names
}

// Types steward made up to give account- and region-wide settings a
// subject; they are not AWS resource types.
const (
	TypeAccount       = "AWS::::Account"
	TypeAccountRegion = "Steward::Account::Region"
)

// displayTypes name, in words, types whose CloudFormation-style name would
// mean nothing to a person. Other types are shown without the "AWS::"
// every type shares (EC2::Volume).
var displayTypes = map[string]string{
	TypeAccount:       "account",
	TypeAccountRegion: "region",
}

// DisplayType is the one name of a type that people read in tables and
// messages; JSON, CSV and SARIF keep the full type name.
func DisplayType(t string) string {
	if d, ok := displayTypes[t]; ok {
		return d
	}
	if rest, ok := strings.CutPrefix(t, "AWS::"); ok && rest != "" {
		return rest
	}
	return t
}

// RegionWide reports whether a resource of type t stands for a whole
// account x region (its name is the region, not a resource's name).
func RegionWide(t string) bool { return t == TypeAccountRegion }

package aws

// collectors are every service steward reads, by coverage name.
var collectors = []collector{
	{service: "ec2", run: runEC2},
	{service: "elasticloadbalancingv2", run: runELBv2},
	{service: "rds", run: runRDS},
	{service: "s3", global: true, run: runS3},
	{service: "logs", untagged: true, run: runLogs},
	{service: "guardduty", run: runGuardDuty},
	{service: "securityhub", run: runSecurityHub},
	{service: "inspector2", run: runInspector},
	{service: "cloudtrail", untagged: true, run: runCloudTrail},
	{service: "config", run: runConfig},
	{service: "iam", global: true, run: runIAM},
}

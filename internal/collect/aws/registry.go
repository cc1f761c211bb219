package aws

// collectors are every service steward reads, by coverage name.
var collectors = []collector{
	{service: "ec2", run: runEC2, fromConfig: runEC2FromConfig},
	{service: "elasticloadbalancingv2", run: runELBv2},
	{service: "rds", run: runRDS, fromConfig: runRDSFromConfig},
	{service: "s3", global: true, run: runS3},
	{service: "elasticloadbalancing", run: runELB},
	{service: "logs", untagged: true, run: runLogs},
	{service: "ecs", run: runECS},
	{service: "events", run: runEvents},
	{service: "lambda", untagged: true, run: runLambda},
	{service: "ecr", untagged: true, run: runECR},
	{service: "autoscaling", run: runAutoScaling},
	{service: "cloudfront", global: true, untagged: true, run: runCloudFront},
	{service: "guardduty", run: runGuardDuty},
	{service: "securityhub", run: runSecurityHub},
	{service: "inspector2", run: runInspector},
	{service: "cloudtrail", untagged: true, run: runCloudTrail},
	{service: "config", run: runConfig},
	{service: "iam", global: true, run: runIAM},
}

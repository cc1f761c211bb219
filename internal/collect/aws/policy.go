package aws

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// apiSurface is one service's interface of SDK calls: the complete list of
// what steward may call on it, since collectors reach the SDK only through
// these interfaces.
type apiSurface struct {
	service string // coverage / call-count name
	iface   reflect.Type
}

var apiSurfaces = []apiSurface{
	{"ec2", reflect.TypeFor[ec2API]()},
	{"ec2", reflect.TypeFor[regionsAPI]()},
	{"elasticloadbalancingv2", reflect.TypeFor[elbv2API]()},
	{"rds", reflect.TypeFor[rdsAPI]()},
	{"elasticloadbalancing", reflect.TypeFor[elbAPI]()},
	{"s3", reflect.TypeFor[s3API]()},
	{"s3control", reflect.TypeFor[s3ControlAPI]()},
	{"ecs", reflect.TypeFor[ecsAPI]()},
	{"events", reflect.TypeFor[eventsAPI]()},
	{"lambda", reflect.TypeFor[lambdaAPI]()},
	{"ecr", reflect.TypeFor[ecrAPI]()},
	{"autoscaling", reflect.TypeFor[autoScalingAPI]()},
	{"cloudfront", reflect.TypeFor[cloudFrontAPI]()},
	{"logs", reflect.TypeFor[logsAPI]()},
	{"guardduty", reflect.TypeFor[guardDutyAPI]()},
	{"securityhub", reflect.TypeFor[securityHubAPI]()},
	{"inspector2", reflect.TypeFor[inspectorAPI]()},
	{"cloudtrail", reflect.TypeFor[cloudTrailAPI]()},
	{"config", reflect.TypeFor[configAPI]()},
	{"config", reflect.TypeFor[aggregatorAPI]()},
	{"iam", reflect.TypeFor[iamAPI]()},
	{"tagging", reflect.TypeFor[taggingAPI]()},
	{"cloudwatch", reflect.TypeFor[metricsAPI]()},
	{"organizations", reflect.TypeFor[organizationsAPI]()},
	{"cloudformation", reflect.TypeFor[StacksAPI]()},
	{"cloudtrail", reflect.TypeFor[EventsAPI]()},
	{"ecs", reflect.TypeFor[DeploymentsAPI]()},
	{"codedeploy", reflect.TypeFor[CodeDeployAPI]()},
	{"codepipeline", reflect.TypeFor[CodePipelineAPI]()},
}

// iamPrefixes maps call-count service names to IAM action prefixes where
// they differ.
var iamPrefixes = map[string]string{
	"elasticloadbalancingv2": "elasticloadbalancing",
	"tagging":                "tag",
	"s3control":              "s3",
	"costexplorer":           "ce",
}

// s3Actions are the S3 operations whose IAM action has another name.
var s3Actions = map[string]string{
	"ListBuckets":                        "ListAllMyBuckets",
	"GetPublicAccessBlock":               "GetBucketPublicAccessBlock",
	"GetBucketEncryption":                "GetEncryptionConfiguration",
	"GetBucketLifecycleConfiguration":    "GetLifecycleConfiguration",
	"ListObjectsV2":                      "ListBucket",
	"GetBucketNotificationConfiguration": "GetBucketNotification",
}

// IAMAction is the IAM action that allows an SDK operation of a service
// (by its call-count name: s3, costexplorer, cloudformation ...); false
// when none is needed.
func IAMAction(service, op string) (string, bool) { return iamAction(service, op) }

// iamAction is the IAM action that allows an SDK operation. sts calls need
// none: GetCallerIdentity is always allowed and AssumeRole is granted by the
// role's trust policy, not by this policy.
func iamAction(service, op string) (string, bool) {
	if service == "sts" {
		return "", false
	}
	prefix := service
	if p, ok := iamPrefixes[service]; ok {
		prefix = p
	}
	if service == "s3" {
		if a, ok := s3Actions[op]; ok {
			op = a
		}
	}
	if service == "s3control" && op == "GetPublicAccessBlock" {
		op = "GetAccountPublicAccessBlock"
	}
	return prefix + ":" + op, true
}

// Actions lists every IAM action steward's AWS collection needs, sorted.
func Actions() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range apiSurfaces {
		for i := 0; i < s.iface.NumMethod(); i++ {
			a, ok := iamAction(s.service, s.iface.Method(i).Name)
			if ok && !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	sort.Strings(out)
	return out
}

// IAMPolicy is the least-privilege IAM policy document, as JSON, for
// everything the collectors call. Accounts reached by AssumeRole need it on
// the assumed role; the caller needs sts:AssumeRole on those roles besides.
func IAMPolicy() ([]byte, error) {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":      "StewardReadOnlyScan",
			"Effect":   "Allow",
			"Action":   Actions(),
			"Resource": "*",
		}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode iam policy: %w", err)
	}
	return append(b, '\n'), nil
}

package aws

import (
	"context"
	"sort"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// serviceNames maps the SDK's service ids to the names coverage rows and
// API call counts use (inventory.ServiceOf of the types each one reads).
var serviceNames = map[string]string{
	"EC2":                         "ec2",
	"Elastic Load Balancing v2":   "elasticloadbalancingv2",
	"Elastic Load Balancing":      "elasticloadbalancing",
	"RDS":                         "rds",
	"S3":                          "s3",
	"S3 Control":                  "s3control",
	"CloudWatch Logs":             "logs",
	"ECS":                         "ecs",
	"EventBridge":                 "events",
	"Lambda":                      "lambda",
	"ECR":                         "ecr",
	"Auto Scaling":                "autoscaling",
	"CloudFront":                  "cloudfront",
	"IAM":                         "iam",
	"CloudTrail":                  "cloudtrail",
	"CloudFormation":              "cloudformation",
	"GuardDuty":                   "guardduty",
	"SecurityHub":                 "securityhub",
	"Inspector2":                  "inspector2",
	"Config Service":              "config",
	"CloudWatch":                  "cloudwatch",
	"Resource Groups Tagging API": "tagging",
	"STS":                         "sts",
	"Organizations":               "organizations",
}

func serviceName(id string) string {
	if n, ok := serviceNames[id]; ok {
		return n
	}
	return strings.ToLower(strings.ReplaceAll(id, " ", ""))
}

// callCounter counts API operations per service. It travels in the context
// of one Collect, so two scans by the same source never mix their counts.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int // service -> calls
	ops   map[string]int // "service:Operation" -> calls
}

func newCallCounter() *callCounter {
	return &callCounter{calls: map[string]int{}, ops: map[string]int{}}
}

func (c *callCounter) add(service, op string) {
	c.mu.Lock()
	c.calls[service]++
	c.ops[service+":"+op]++
	c.mu.Unlock()
}

func (c *callCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

func (c *callCounter) byService() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.calls))
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

// operations lists the "service:Operation" pairs called, sorted.
func (c *callCounter) operations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.ops))
	for k := range c.ops {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type counterKey struct{}

func withCounter(ctx context.Context, c *callCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

// countCalls is an SDK middleware that counts each operation once, however
// many times the retryer attempts it: the count measures the work asked of
// AWS by steward, retries are the SDK's business.
func countCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("StewardCountCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if c, ok := ctx.Value(counterKey{}).(*callCounter); ok {
				c.add(serviceName(awsmiddleware.GetServiceID(ctx)), awsmiddleware.GetOperationName(ctx))
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

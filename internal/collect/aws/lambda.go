package aws

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/steward-sre/steward/internal/awspolicy"
	"github.com/steward-sre/steward/internal/inventory"
)

// lambdaAPI is the Lambda call the collector makes. Tags come from the
// tagging API in bulk rather than one ListTags call per function.
type lambdaAPI interface {
	lambda.ListFunctionsAPIClient
	GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
}

func runLambda(ctx context.Context, t *target, out *unitOut) error {
	return collectLambda(ctx, t, out, lambda.NewFromConfig(t.cfg))
}

// lambdaTime is how Lambda writes LastModified: 2024-03-01T10:00:00.000+0000.
const lambdaTime = "2006-01-02T15:04:05.000-0700"

// collectLambda reads every function. Lambda tells when a function last
// changed but not when it was created, so Created stays unknown.
func collectLambda(ctx context.Context, t *target, out *unitOut, api lambdaAPI) error {
	var errs []error
	pg := lambda.NewListFunctionsPaginator(api, &lambda.ListFunctionsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list functions: %w", err)
		}
		for _, f := range page.Functions {
			name := str(f.FunctionName)
			attrs := map[string]any{"runtime": string(f.Runtime), "memory_mb": f32(f.MemorySize)}
			if lm, ok := lambdaModified(str(f.LastModified)); ok {
				attrs["last_modified"] = lm
			}
			r := inventory.Resource{
				ARN: str(f.FunctionArn), Account: t.account, Region: t.region, Type: "AWS::Lambda::Function",
				ID: name, Name: name, State: lower(string(f.State)), Attrs: inventory.AttrsOf(attrs),
			}
			if r.ARN == "" {
				r.ARN = t.arn("lambda", "function:"+name)
			}
			if v := f.VpcConfig; v != nil && len(v.SubnetIds) > 0 {
				r.Attrs.Set("vpc_subnets", float64(len(v.SubnetIds)))
				for _, sn := range v.SubnetIds {
					r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelInSubnet, Target: t.arn("ec2", "subnet/"+sn)})
				}
			}
			if public, err := functionPolicyPublic(ctx, api, f.FunctionName); err != nil {
				errs = append(errs, fmt.Errorf("function %s: %w", name, err))
			} else {
				r.Attrs.Set("policy_public", public)
			}
			out.add(r)
		}
	}
	return joinFew(errs, 3)
}

// functionPolicyPublic reports whether the function's resource policy lets
// anyone invoke it without a condition; a function without a policy lets
// nobody else in.
func functionPolicyPublic(ctx context.Context, api lambdaAPI, name *string) (bool, error) {
	p, err := api.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: name})
	if isCode(err, "ResourceNotFoundException") {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get policy: %w", err)
	}
	d, err := awspolicy.Parse(str(p.Policy))
	if err != nil {
		return false, fmt.Errorf("read policy: %w", err)
	}
	return d.Public(), nil
}

// lambdaModified turns Lambda's LastModified into RFC 3339 in UTC; an
// unreadable value is reported as unknown.
func lambdaModified(s string) (string, bool) {
	at, err := time.Parse(lambdaTime, s)
	if err != nil {
		at, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		return "", false
	}
	return at.UTC().Format(time.RFC3339), true
}

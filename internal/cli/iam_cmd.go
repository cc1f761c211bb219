package cli

import (
	"context"
	"fmt"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/iampolicy"
)

// IAMPolicyCmd prints the read-only IAM policy steward's features need.
type IAMPolicyCmd struct {
	Feature   []string `help:"Features to allow, comma-separated: scan (the default), cost (billing exports in S3), cost-explorer (cost ingest --cost-explorer), iac (CloudFormation stacks, CloudTrail creators, states and trail logs in S3), events (steward serve's SQS queue of EventBridge events)." enum:"scan,cost,cost-explorer,iac,events" placeholder:"FEATURE" sep:","`
	All       bool     `help:"Allow every feature."`
	Bills     []string `help:"With the cost feature: s3://bucket/prefix of the billing exports; object reads are scoped to them (default: any object). Repeatable." placeholder:"URL"`
	States    []string `help:"With the iac feature: s3://bucket/key or prefix of Terraform states (their workspaces too). Repeatable." placeholder:"URL"`
	TrailLogs []string `name:"trail-logs" help:"With the iac feature: s3://bucket/prefix of CloudTrail log files. Repeatable." placeholder:"URL"`
	Partition string   `help:"ARN partition of the S3 locations: aws, aws-cn, aws-us-gov." default:"aws" enum:"aws,aws-cn,aws-us-gov"`
	Actions   bool     `help:"Print instead the separate policy the actions need (stop and start: ECS, RDS, EC2, Auto Scaling; mark, snapshot and delete: EBS, Elastic IPs, RDS, load balancers), to grant only where schedules and cleanups run."`
}

// Run prints the policy.
func (c *IAMPolicyCmd) Run(ctx context.Context, r *runner) error {
	if c.Actions {
		doc, err := action.IAMPolicy()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(r.env.Stdout, "%s", doc)
		return err
	}
	o := iampolicy.Options{Features: c.Feature, Bills: c.Bills, States: c.States, TrailLogs: c.TrailLogs, Partition: c.Partition}
	if c.All {
		o.Features = iampolicy.Features
	}
	doc, err := iampolicy.Build(o)
	if err != nil {
		return usageError{i18n.Wrap(i18n.Say("iam.ctx"), err)}
	}
	b, err := doc.JSON()
	if err != nil {
		return err
	}
	_, err = r.env.Stdout.Write(b)
	return err
}

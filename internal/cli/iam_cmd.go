package cli

import (
	"fmt"

	"github.com/steward-sre/steward/internal/action"

	"github.com/steward-sre/steward/internal/collect/aws"
)

// IAMPolicyCmd prints the read-only IAM policy a live scan needs.
type IAMPolicyCmd struct {
	Actions bool `help:"Print instead the separate policy the actions need (stop and start: ECS, RDS, EC2, Auto Scaling), to grant only where schedules run."`
}

// Run prints the policy.
func (c IAMPolicyCmd) Run(r *runner) error {
	if c.Actions {
		doc, err := action.IAMPolicy()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(r.env.Stdout, "%s", doc)
		return err
	}
	doc, err := aws.IAMPolicy()
	if err != nil {
		return fmt.Errorf("build iam policy: %w", err)
	}
	_, err = fmt.Fprintf(r.env.Stdout, "%s\n", doc)
	return err
}

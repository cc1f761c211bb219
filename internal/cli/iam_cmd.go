package cli

import (
	"fmt"

	"github.com/steward-sre/steward/internal/collect/aws"
)

// IAMPolicyCmd prints the read-only IAM policy a live scan (and deploy
// collect) needs.
type IAMPolicyCmd struct{}

// Run prints the policy.
func (IAMPolicyCmd) Run(r *runner) error {
	doc, err := aws.IAMPolicy()
	if err != nil {
		return fmt.Errorf("build iam policy: %w", err)
	}
	_, err = fmt.Fprintf(r.env.Stdout, "%s\n", doc)
	return err
}

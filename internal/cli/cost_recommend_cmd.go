package cli

import (
	"context"

	"github.com/steward-sre/steward/internal/cost"
)

// CostRecommendCmd lists savings.
type CostRecommendCmd struct {
	CostFlags
}

// Run recommends.
func (c *CostRecommendCmd) Run(ctx context.Context, r *runner) error {
	o, closeFn, err := r.costCommon(ctx, c.Format)
	if err != nil {
		return err
	}
	defer closeFn()
	return cost.RunRecommend(ctx, o, r.env.Stdout)
}

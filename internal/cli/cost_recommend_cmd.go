package cli

import (
	"github.com/steward-sre/steward/internal/cost"
)

// CostRecommendCmd lists savings.
type CostRecommendCmd struct {
	CostFlags
}

// Run recommends.
func (c *CostRecommendCmd) Run(r *runner) error {
	o, closeFn, err := r.costCommon(c.Format)
	if err != nil {
		return err
	}
	defer closeFn()
	return cost.RunRecommend(r.ctx, o, r.env.Stdout)
}

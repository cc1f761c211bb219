package cli

import (
	"context"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/report/costreport"
)

// CostRecommendCmd lists savings.
type CostRecommendCmd struct {
	CostFlags
}

// Run recommends.
func (c *CostRecommendCmd) Run(ctx context.Context, r *runner) error {
	o, closeFn, err := r.costCommon(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	res, err := cost.Recommend(ctx, o)
	if err != nil {
		return err
	}
	return costreport.Recommend(r.env.Stdout, res, r.costOutput(c.Format))
}

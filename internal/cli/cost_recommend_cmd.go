package cli

import (
	"errors"

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
	err = cost.RunRecommend(r.ctx, o, r.env.Stdout)
	var fe *cost.FieldError
	if errors.As(err, &fe) {
		return usageError{err}
	}
	return err
}

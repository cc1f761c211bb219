package cost_test

import (
	"testing"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/costtest"
)

func TestMemStoreConformance(t *testing.T) {
	costtest.Run(t, func(*testing.T) cost.RollupStore { return cost.NewMemStore() })
}

package policy

import (
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/pricing"
)

// ListPrices is the Pricer backed by steward's public on-demand price
// table (internal/pricing).
type ListPrices struct{}

func (ListPrices) Estimate(r *inventory.Resource) (float64, bool)   { return pricing.Estimate(r) }
func (ListPrices) GP3Savings(r *inventory.Resource) (float64, bool) { return pricing.GP3Savings(r) }
func (ListPrices) GenerationSavings(r *inventory.Resource) (float64, bool) {
	return pricing.CurrentGenerationSavings(r)
}
func (ListPrices) PreviousGeneration(t string) bool            { return pricing.PreviousGeneration(t) }
func (ListPrices) CurrentGenerationOf(t string) (string, bool) { return pricing.CurrentGenerationOf(t) }

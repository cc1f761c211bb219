package cost

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/pricing"
)

// TestDemoSavingsAgree checks that the policy helpers (gp3_savings,
// generation_savings, as the built-in ebs-gp2 and ec2-previous-generation
// policies report them) and `cost recommend` from list prices give the same
// saving for every demo resource, and that it is the pricing package's.
func TestDemoSavingsAgree(t *testing.T) {
	ctx := context.Background()
	c := demoCommon(t)
	c.Store = NewMemStore() // no bill: every saving is from the price table
	ps, err := policy.Load(ctx, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := policy.Compile(ps, policy.Options{Now: demoNow, Naming: c.Naming, Pricer: policy.ListPrices{}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(ctx, c.Resources)
	if err != nil {
		t.Fatal(err)
	}
	cents := func(usd float64) string { return fmt.Sprintf("%.2f", math.Round(usd*100)/100) }
	fromPolicy := map[string]string{}
	for _, f := range fs {
		if (f.Policy == "ebs-gp2" || f.Policy == "ec2-previous-generation") && f.MonthlyWaste > 0 {
			fromPolicy[f.Policy+" "+f.ARN] = cents(f.MonthlyWaste)
		}
	}
	rec, err := Recommend(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	fromRecommend := map[string]string{}
	for _, it := range rec.Items {
		kind := map[string]string{RecGP3: "ebs-gp2", RecGeneration: "ec2-previous-generation"}[it.Kind]
		if kind == "" {
			continue
		}
		if it.Basis != BasisPrices {
			t.Errorf("%s %s: basis %s without a bill", it.Kind, it.ARN, it.Basis)
		}
		fromRecommend[kind+" "+it.ARN] = cents(it.Monthly.Float64())
	}
	fromPricing := map[string]string{}
	for i := range c.Resources {
		r := &c.Resources[i]
		if usd, ok := pricing.GP3Savings(r); ok && usd > 0 {
			fromPricing["ebs-gp2 "+r.ARN] = cents(usd)
		}
		if usd, ok := pricing.CurrentGenerationSavings(r); ok && usd > 0 && r.Type == "AWS::EC2::Instance" {
			fromPricing["ec2-previous-generation "+r.ARN] = cents(usd)
		}
	}
	if len(fromPricing) < 2 {
		t.Fatalf("the demo should have gp2 volumes and previous-generation instances to save on, found %v", fromPricing)
	}
	t.Logf("%d savings compared", len(fromPricing))
	if diff := cmp.Diff(fromPricing, fromPolicy); diff != "" {
		t.Errorf("policy helpers differ from pricing (-pricing +policy):\n%s", diff)
	}
	if diff := cmp.Diff(fromPricing, fromRecommend); diff != "" {
		t.Errorf("cost recommend differs from pricing (-pricing +recommend):\n%s", diff)
	}
}

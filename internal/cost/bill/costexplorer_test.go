package bill

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/steward-sre/steward/internal/money"
)

// FuzzCostExplorerGroup feeds arbitrary Cost Explorer groups to the
// reader: each is either rolled up or counted as skipped, and the
// rollups total what the stats say was read.
func FuzzCostExplorerGroup(f *testing.F) {
	f.Add("2025-02-01", "system$shop", "Amazon EC2", "10.5", "9.25", true)
	f.Add("2025-02-30", "Credit", "Tax", "-1E-3", "x", false)
	f.Add("", "$", "", "", "1", true)
	f.Fuzz(func(t *testing.T, day, k1, k2, billed, amortized string, usage bool) {
		a := NewAggregator("cost-explorer")
		var fs FileStats
		g := ceGroup(k1, k2, billed, amortized)
		a.addCostExplorer(&fs, 1, "system", usage, day, g)
		a.addCostExplorer(&fs, 1, "system", usage, day, g)
		var lines int64
		var sum money.Amount
		for _, b := range a.Batches() {
			for _, r := range b.Rollups {
				lines += r.Lines
				sum = sum.Add(r.Billed)
				if r.Source != "cost-explorer" || (usage != (r.Kind == KindUsage)) {
					t.Fatalf("rollup %+v from a usage=%v group", r, usage)
				}
			}
		}
		if lines+fs.Skipped != fs.Lines || fs.Lines != 2 {
			t.Fatalf("%d rolled up + %d skipped != %d read", lines, fs.Skipped, fs.Lines)
		}
		if sum != fs.Billed {
			t.Fatalf("rollups total %s, read %s", sum, fs.Billed)
		}
	})
}

func ceGroup(k1, k2, billed, amortized string) types.Group {
	return types.Group{Keys: []string{k1, k2}, Metrics: map[string]types.MetricValue{
		"UnblendedCost": {Amount: aws.String(billed), Unit: aws.String("USD")},
		"AmortizedCost": {Amount: aws.String(amortized), Unit: aws.String("USD")},
	}}
}

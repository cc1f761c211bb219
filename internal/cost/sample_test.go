package cost

import (
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const focusSample = "../../../shared/testdata/focus-1.0-sample.csv"

// TestFOCUSSample reads data steward did not write: the FinOps
// Foundation's FOCUS 1.0 sample. Its BilledCost must total to the digit
// (20.52022672899, summed independently with Python's decimal module).
func TestFOCUSSample(t *testing.T) {
	f, err := os.Open(focusSample)
	if err != nil {
		t.Skipf("FOCUS sample not present: %v", err)
	}
	defer f.Close()
	a := NewAggregator("")
	fs, err := a.ReadCSV(context.Background(), "focus-1.0-sample.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Format         Format
		Lines, Skipped int64
		Billed         string
	}{fs.Format, fs.Lines, fs.Skipped, fs.Billed.String()}
	want := struct {
		Format         Format
		Lines, Skipped int64
		Billed         string
	}{FOCUS10, 1000, 0, "20.52022672899"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sample (-want +got):\n%s", d)
	}
	var sum Money
	kinds := map[Kind]int64{}
	spaceKey := false
	var batches []string
	for _, b := range a.Batches() {
		batches = append(batches, b.Source+" "+b.Period)
		for _, r := range b.Rollups {
			sum = sum.Add(r.Billed)
			kinds[r.Kind] += r.Lines
			for k := range r.Tags.Map() {
				if k != "" && (k[0] == ' ' || k[len(k)-1] == ' ') {
					spaceKey = true
				}
			}
			if r.Kind == KindCredit && r.Tags != "" {
				t.Errorf("credit carries tags %s", r.Tags)
			}
		}
	}
	wantBatches := []string{
		"payer:/providers/Microsoft.Billing/billingAccounts/8611537 2024-09",
		"payer:1234567890123 2024-09",
		"payer:20209880 2024-09",
		"payer:20209880 2024-10",
	}
	if d := cmp.Diff(wantBatches, batches); d != "" {
		t.Errorf("batches (-want +got):\n%s", d)
	}
	if sum.String() != "20.52022672899" {
		t.Errorf("rollups total %s, want 20.52022672899", sum)
	}
	if d := cmp.Diff(map[Kind]int64{KindUsage: 997, KindCredit: 1, KindAdjustment: 2}, kinds); d != "" {
		t.Errorf("kinds (-want +got):\n%s", d)
	}
	if spaceKey {
		t.Error("a tag key kept its surrounding space")
	}
	if a.Stats().EffectiveFromBilled == 0 {
		t.Error("EffectiveCost is 0 on most AWS rows of the sample, yet no line fell back to billed cost")
	}
}

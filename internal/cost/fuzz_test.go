package cost

import (
	"context"
	"os"
	"strings"
	"testing"
)

// FuzzReadCSV feeds arbitrary exports to the CSV reader: it may refuse a
// header, but it must never panic, and every line it reads is either
// rolled up or counted as skipped.
func FuzzReadCSV(f *testing.F) {
	for _, p := range []string{"testdata/bills/cur-legacy.csv", "testdata/bills/cur2.csv", "testdata/bills/not-a-bill.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("BilledCost,ChargePeriodStart,ServiceName,ChargeCategory,Tags\n1,2024-02-30,x,Usage,\"{\"\" k\"\":1}\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		a := NewAggregator("")
		fs, err := a.ReadCSV(context.Background(), "fuzz.csv", strings.NewReader(s))
		if err != nil {
			return
		}
		var lines int64
		var sum Money
		for _, b := range a.Batches() {
			for _, r := range b.Rollups {
				lines += r.Lines
				sum = sum.Add(r.Billed)
			}
		}
		if lines+fs.Skipped != fs.Lines {
			t.Fatalf("%d rolled up + %d skipped != %d read", lines, fs.Skipped, fs.Lines)
		}
		if sum != fs.Billed {
			t.Fatalf("rollups total %s, file total %s", sum, fs.Billed)
		}
	})
}

package bill

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/steward-sre/steward/internal/money"
)

// focusSample is the FinOps Foundation's public FOCUS 1.0 sample: 1,000
// lines of anonymised real billing data (AWS, Microsoft, Oracle;
// September 2024), gzipped.
const focusSample = "testdata/bills/focus-1.0-sample.csv.gz"

func readSample(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open(focusSample)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFOCUSSample reads data steward did not write: the FinOps
// Foundation's FOCUS 1.0 sample. Its BilledCost must total to the digit
// (20.52022672899, summed independently with Python's decimal module).
func TestFOCUSSample(t *testing.T) {
	a := NewAggregator("")
	fs, err := a.ReadCSV(context.Background(), "focus-1.0-sample.csv", bytes.NewReader(readSample(t)))
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
	var sum money.Amount
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

// TestClassCacheChangesNothing reads the FOCUS sample and synthetic
// legacy CURs (hourly lines, and a line per resource a day) with the
// class caches starting again at every line and at every other line, and
// with the whole-line cache in use, and not, from the first line: the
// rollups and stats must be the ones the caches give, line for line.
func TestClassCacheChangesNothing(t *testing.T) {
	var cur, wide bytes.Buffer
	if err := WriteSyntheticCUR(&cur, 20_000); err != nil {
		t.Fatal(err)
	}
	if err := WriteSyntheticCURWide(&wide, 2_000); err != nil {
		t.Fatal(err)
	}
	type caches struct {
		classes  int
		lines    string // the whole-line cache always "on", "off", or as it decides
		describe string
	}
	bills := map[string][]byte{"FOCUS sample": readSample(t), "synthetic CUR": cur.Bytes(), "synthetic wide CUR": wide.Bytes()}
	def := defaultTuning()
	for name, bill := range bills {
		for _, piped := range []bool{false, true} {
			read := func(t *testing.T, c caches) *Aggregator {
				a := NewAggregator("")
				a.tune.maxClasses = c.classes
				switch c.lines {
				case "on":
					a.tune.lineWindow, a.tune.lineMinRepeat = 1, 0
				case "off":
					a.tune.lineWindow, a.tune.lineMinRepeat = 1, 1<<30
				}
				if _, err := a.readCSV(context.Background(), "bill", bytes.NewReader(bill), piped); err != nil {
					t.Fatal(err)
				}
				return a
			}
			t.Run(fmt.Sprintf("%s, piped %t", name, piped), func(t *testing.T) {
				t.Parallel()
				want := read(t, caches{classes: def.maxClasses})
				for _, c := range []caches{
					{classes: 1, describe: "class caches of 1"},
					{classes: 2, describe: "class caches of 2"},
					{classes: def.maxClasses, lines: "off", describe: "whole-line cache off"},
					{classes: def.maxClasses, lines: "on", describe: "whole-line cache on"},
				} {
					t.Run(c.describe, func(t *testing.T) {
						t.Parallel()
						got := read(t, c)
						if d := diffAmounts(want.Stats(), got.Stats()); d != "" {
							t.Errorf("stats (-cached +uncached):\n%s", d)
						}
						if d := diffAmounts(want.Batches(), got.Batches()); d != "" {
							t.Errorf("rollups (-cached +uncached):\n%s", d)
						}
					})
				}
			})
		}
	}
}

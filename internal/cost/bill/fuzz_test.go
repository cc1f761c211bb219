package bill

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/steward-sre/steward/internal/money"
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
	// Ragged rows, and files cut inside their last row.
	f.Add("BilledCost,ChargePeriodStart,ServiceName,ChargeCategory\n1,2024-11-01,x\n2,2024-11-01,x,Usage,y\n98")
	f.Add("BilledCost,ChargePeriodStart,ServiceName,ChargeCategory,Tags\n1,2024-11-01,x,Usage,\"{\"\"a\"\":\n")
	f.Fuzz(func(t *testing.T, s string) {
		a := NewAggregator("")
		fs, err := a.readCSV(context.Background(), "fuzz.csv", strings.NewReader(s), true)
		if err != nil {
			return
		}
		var lines int64
		var sum money.Amount
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
		// Reading in one goroutine or two gives the same answer.
		seq := NewAggregator("")
		if _, err := seq.readCSV(context.Background(), "fuzz.csv", strings.NewReader(s), false); err != nil {
			t.Fatalf("piped read succeeded, sequential failed: %v", err)
		}
		if d := diffAmounts(seq.Stats(), a.Stats()); d != "" {
			t.Fatalf("stats (-sequential +piped):\n%s", d)
		}
		if d := diffAmounts(seq.Batches(), a.Batches()); d != "" {
			t.Fatalf("rollups (-sequential +piped):\n%s", d)
		}
	})
}

// FuzzReadParquet feeds damaged Parquet files to the column-chunk
// reader: it may refuse a file, but it must never panic, and what it
// reads is either rolled up or counted as skipped.
func FuzzReadParquet(f *testing.F) {
	var plain, dict bytes.Buffer
	if err := WriteSyntheticFOCUSParquet(&plain, 50); err != nil {
		f.Fatal(err)
	}
	if err := WriteSyntheticFOCUSParquetDict(&dict, 50); err != nil {
		f.Fatal(err)
	}
	f.Add(plain.Bytes(), uint32(0), byte(0))
	f.Add(dict.Bytes(), uint32(0), byte(0))
	// Repeated MAP tags over small pages, and legacy CUR's Athena layout
	// (doubles, text dates, dictionary pages, nulls), so every page
	// reader is fuzzed.
	var mapRows []focusMapRow
	for _, l := range genFocusLines(60) {
		mapRows = append(mapRows, focusMapRow{l.payer, l.currency, l.category, l.start, l.service, l.account, l.resource, l.region, l.usage, l.billed, l.effective, l.tags})
	}
	f.Add(writeParquetRows(f, mapRows, parquet.PageBufferSize(256), parquet.MaxRowsPerRowGroup(25)), uint32(0), byte(0))
	f.Add(athenaParquet(f), uint32(0), byte(0))
	f.Add(plain.Bytes(), uint32(700), byte(0xff))
	f.Add(dict.Bytes(), uint32(1200), byte(3))
	f.Fuzz(func(t *testing.T, b []byte, at uint32, x byte) {
		// Flip one byte, so most inputs keep a readable footer and the
		// damage lands in pages, where the reader does its own work.
		if len(b) > 0 {
			b = bytes.Clone(b)
			b[int(at)%len(b)] ^= x
		}
		a := NewAggregator("")
		fs, err := a.ReadParquet(context.Background(), "fuzz.parquet", bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		var lines int64
		var sum money.Amount
		for _, bt := range a.Batches() {
			for _, r := range bt.Rollups {
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

package costdb

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/bill"
	"github.com/steward-sre/steward/internal/store"
)

// openStore opens the cost tables in a fresh steward store, as the CLI
// does (same connection settings).
func openStore(tb testing.TB, ctx context.Context) *DB {
	tb.Helper()
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "steward.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	cs, err := Open(ctx, st.(store.SQLDatabase).SQLDB())
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

// BenchmarkIngestWide is `steward cost ingest` of a resource-granularity
// bill (every line its own daily rollup) into the store, and `cost show`'s
// read of the month back. STEWARD_BENCH_LINES sets the lines (200k).
func BenchmarkIngestWide(b *testing.B) {
	ctx := context.Background()
	n := 200_000
	if s := os.Getenv("STEWARD_BENCH_LINES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	p := filepath.Join(b.TempDir(), "cur.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := bill.WriteSyntheticCURWide(f, n); err != nil {
		b.Fatal(err)
	}
	f.Close()
	cs := openStore(b, ctx)
	// The reads below read what one ingest stored, whichever runs.
	if _, err := cost.Ingest(ctx, cs, cost.IngestOptions{Paths: []string{p}, Source: "bench", Now: bill.SynthNow}); err != nil {
		b.Fatal(err)
	}
	b.Run("ingest", func(b *testing.B) {
		for b.Loop() {
			res, err := cost.Ingest(ctx, cs, cost.IngestOptions{Paths: []string{p}, Source: "bench", Now: bill.SynthNow})
			if err != nil {
				b.Fatal(err)
			}
			if got := res.Periods[0].Rollups; got != int64(n) {
				b.Fatalf("%d rollups, want %d", got, n)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			got := 0
			if err := cs.Scan(ctx, cost.Filter{}, func(cost.Rollup) error { got++; return nil }); err != nil {
				b.Fatal(err)
			}
			if got != n {
				b.Fatalf("scanned %d rollups, want %d", got, n)
			}
		}
	})
	for _, by := range []string{"system", "resource", "tag:env"} {
		b.Run("show-"+by, func(b *testing.B) {
			for b.Loop() {
				res, err := cost.Show(ctx, cost.ShowOptions{Common: cost.Common{Store: cs, Keys: cost.Keys{System: "system", Env: "env", Owner: "owner"},
					Now: bill.SynthNow}, By: by, From: bill.SynthStart, To: bill.SynthStart.AddDate(0, 1, 0), Top: 20})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Groups) == 0 {
					b.Fatal("no groups")
				}
			}
		})
	}
}

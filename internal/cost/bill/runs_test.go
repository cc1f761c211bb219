package bill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/steward-sre/steward/internal/money"
)

// TestSpilledRunsMatchMemory reads the same bills holding every rollup
// in memory and spilling sorted runs of a few hundred: the stored
// rollups must be the same and in order, each key once with its amounts summed
// across the runs, and the memory the second holds must stay bounded.
func TestSpilledRunsMatchMemory(t *testing.T) {
	tests := map[string]struct {
		write func(io.Writer, int) error
		lines int
		// parquet bills are merged from row groups read in parallel.
		name string
	}{
		"resource-level CSV, every line its own rollup": {WriteSyntheticCURWide, 5_000, "wide.csv"},
		"CSV, the same rollups in every run":            {WriteSyntheticCUR, 40_000, "cur.csv"},
		// Row groups of 3,000 lines: the bill has every rollup key and
		// 7 row groups for the workers to share, as a long export's
		// 128k-row groups would.
		"Parquet row groups merged": {func(w io.Writer, n int) error {
			return writeSynthFOCUS(w, n, 3_000, func(r synthFOCUS) synthFOCUS { return r })
		}, SynthKeys + 5_000, "focus.parquet"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.name)
			var buf bytes.Buffer
			if err := tc.write(&buf, tc.lines); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			read := func(spill int) []Rollup {
				t.Helper()
				a := NewAggregator("")
				a.spillAt = spill
				a.tune.workers = 3
				defer a.Close()
				if err := a.readFile(context.Background(), localFile(p)); err != nil {
					t.Fatal(err)
				}
				var got []Rollup
				if err := a.Sorted(context.Background(), func(r *Rollup) error { got = append(got, *r); return nil }); err != nil {
					t.Fatal(err)
				}
				return got
			}
			want := read(0)
			got := read(300)
			if d := diffAmounts(want, got); d != "" {
				t.Errorf("rollups (-in memory +spilled):\n%s", d)
			}
			var total money.Amount
			for _, r := range got {
				total = total.Add(r.Billed)
			}
			if total != SynthTotal(tc.lines) {
				t.Errorf("billed %s, want %s", total, SynthTotal(tc.lines))
			}
		})
	}
}

// TestSpillBoundsMemory: with runs of 300 rollups, the aggregator never
// holds many more, and writes runs to a file it removes.
func TestSpillBoundsMemory(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSyntheticCURWide(&buf, 3_000); err != nil {
		t.Fatal(err)
	}
	a := NewAggregator("")
	a.spillAt = 300
	if _, err := a.readCSV(context.Background(), "wide.csv", &buf, false); err != nil {
		t.Fatal(err)
	}
	if a.Len() >= 300 {
		t.Errorf("holds %d rollups, want fewer than 300", a.Len())
	}
	if a.runBytes() == 0 || len(a.runs.blocks) < 9 {
		t.Fatalf("wrote no runs")
	}
	n := 0
	var last Rollup
	err := a.Sorted(context.Background(), func(r *Rollup) error {
		if n > 0 && ComparePeriodRollups(&last, r) >= 0 {
			t.Fatalf("rollup %d out of order", n)
		}
		last = *r
		n++
		return nil
	})
	if err != nil || n != 3_000 {
		t.Fatalf("streamed %d rollups (%v), want 3000", n, err)
	}
	stop := errors.New("stop")
	if err := a.Sorted(context.Background(), func(*Rollup) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("err %v, want the callback's", err)
	}
	name := a.runs.f.Name()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run file %s left behind: %v", name, err)
	}
}

// TestSortedEntriesOrder: the packed ranks sort entries as compareKeys
// does, and so do keys too far apart for them (the fallback); two
// classes of the same texts sort side by side and compare equal.
func TestSortedEntriesOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	tests := map[string]struct {
		days int32
		n    int
	}{
		"a month":                    {30, 5_000},
		"days too far apart to pack": {1 << 21, 2_000},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := NewAggregator("")
			m := make(map[aggKey]*aggVal)
			var made []aggKey
			for len(m) < tc.n {
				var k aggKey
				if len(made) > 0 && r.IntN(10) == 0 {
					// A key of the same texts in another class, as after
					// the interning starts again.
					k = made[r.IntN(len(made))]
					c := *k.cls
					k.cls = &c
				} else {
					c := keyClass{kind: Kind(pick("usage", "tax")), source: pick("a", "b", ""),
						period: pick("2025-01", "2024-12"), account: pick("1", "2", "10"), region: pick("", "us-east-1"),
						service: pick("EC2", "S3", "RDS"), usage: pick("Box", "Bytes", ""),
						tags: Tags(pick("", `{"a":"b"}`)), currency: pick("USD", "JPY")}
					k = aggKey{cls: a.keyClassOf(c), day: 20000 + r.Int32N(tc.days), resource: fmt.Sprint(r.IntN(50)), rname: pick("", "web")}
				}
				made = append(made, k)
				m[k] = &aggVal{}
			}
			es, compare := sortedEntries(m)
			if len(es) != len(m) {
				t.Fatalf("%d entries of %d", len(es), len(m))
			}
			equal := 0
			for i := 1; i < len(es); i++ {
				want := compareKeys(es[i-1].k, es[i].k)
				if want > 0 {
					t.Fatalf("entry %d %+v not before %d %+v", i-1, *es[i-1].k, i, *es[i].k)
				}
				if got := compare(&es[i-1], &es[i]); got != want {
					t.Fatalf("entries %d and %d compare %d, want %d", i-1, i, got, want)
				}
				if want == 0 {
					equal++
				}
			}
			if equal == 0 {
				t.Error("no two classes of the same texts met")
			}
		})
	}
}

// Package costtest is the conformance suite every cost.RollupStore must
// pass: the in-memory store and the SQLite one run the same cases. It
// knows only the cost.RollupStore interface.
package costtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/bill"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func row(source, period, d, res, billed string) cost.Rollup {
	return cost.Rollup{
		Day: day(d), Source: source, Period: period, Account: "111111111111", Region: "ap-northeast-1",
		Service: "AmazonEC2", UsageType: "BoxUsage", Resource: res, Tags: cost.MakeTags(map[string]string{"system": "shop"}),
		Kind: cost.KindUsage, Currency: "USD", Billed: cost.MustMoney(billed), Effective: cost.MustMoney(billed), Lines: 3,
	}
}

var at = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// replace stores one period.
func replace(ctx context.Context, st cost.RollupStore, source, period string, ingested time.Time, rows []cost.Rollup) error {
	return st.ReplacePeriods(ctx, ingested, []cost.Batch{{Source: source, Period: period, Rollups: rows}})
}

// Run runs the suite; newStore returns an empty store.
func Run(t *testing.T, newStore func(t *testing.T) cost.RollupStore) {
	ctx := context.Background()
	t.Run("replace never doubles", func(t *testing.T) {
		st := newStore(t)
		sep := []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-1", "1.000000000001"), row("a", "2024-09", "2024-09-02", "i-1", "2")}
		oct := []cost.Rollup{row("a", "2024-10", "2024-10-01", "i-1", "5")}
		other := []cost.Rollup{row("b", "2024-09", "2024-09-01", "i-9", "7")}
		for _, step := range []struct {
			p    string
			src  string
			rows []cost.Rollup
		}{{"2024-09", "a", sep}, {"2024-10", "a", oct}, {"2024-09", "b", other}, {"2024-09", "a", sep[:1]}} {
			if err := replace(ctx, st, step.src, step.p, at, step.rows); err != nil {
				t.Fatal(err)
			}
		}
		var got []cost.Rollup
		if err := st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		want := []cost.Rollup{sep[0], other[0], oct[0]}
		if d := cmp.Diff(want, got, cmp.Comparer(func(a, b cost.Money) bool { return a.Cmp(b) == 0 })); d != "" {
			t.Errorf("rollups (-want +got):\n%s", d)
		}
		ps, err := st.Periods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var gotP []string
		for _, p := range ps {
			gotP = append(gotP, p.Source+" "+p.Period+" "+p.Billed.String())
		}
		if d := cmp.Diff([]string{"a 2024-09 1.000000000001", "a 2024-10 5", "b 2024-09 7"}, gotP); d != "" {
			t.Errorf("periods (-want +got):\n%s", d)
		}
	})
	t.Run("filter by day", func(t *testing.T) {
		st := newStore(t)
		rows := []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-1", "1"), row("a", "2024-09", "2024-09-02", "i-1", "2"), row("a", "2024-09", "2024-09-03", "i-1", "3")}
		if err := replace(ctx, st, "a", "2024-09", at, rows); err != nil {
			t.Fatal(err)
		}
		var got []string
		err := st.Scan(ctx, cost.Filter{From: day("2024-09-02"), To: day("2024-09-03")}, func(r cost.Rollup) error {
			got = append(got, r.Day.Format(time.DateOnly))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"2024-09-02"}, got); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
	t.Run("a row of another period is refused and nothing changes", func(t *testing.T) {
		st := newStore(t)
		good := []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-1", "1")}
		if err := replace(ctx, st, "a", "2024-09", at, good); err != nil {
			t.Fatal(err)
		}
		bad := []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-2", "9"), row("a", "2024-10", "2024-10-01", "i-2", "9")}
		if err := replace(ctx, st, "a", "2024-09", at, bad); err == nil {
			t.Fatal("want an error for a row of another period")
		}
		var n int
		st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error {
			if r.Resource != "i-1" {
				t.Errorf("half a replace is visible: %s", r.Resource)
			}
			n++
			return nil
		})
		if n != 1 {
			t.Errorf("%d rollups after a refused replace, want 1", n)
		}
	})
	t.Run("periods are replaced all together or not at all", func(t *testing.T) {
		st := newStore(t)
		old := []cost.Batch{
			{Source: "a", Period: "2024-09", Rollups: []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-old", "1")}},
			{Source: "a", Period: "2024-10", Rollups: []cost.Rollup{row("a", "2024-10", "2024-10-01", "i-old", "2")}},
		}
		if err := st.ReplacePeriods(ctx, at, old); err != nil {
			t.Fatal(err)
		}
		// The second batch is refused: the first must not be replaced.
		bad := []cost.Batch{
			{Source: "a", Period: "2024-09", Rollups: []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-new", "5")}},
			{Source: "a", Period: "2024-10", Rollups: []cost.Rollup{row("a", "2024-11", "2024-11-01", "i-new", "5")}},
		}
		if err := st.ReplacePeriods(ctx, at, bad); err == nil {
			t.Fatal("want an error for a row of another period")
		}
		// A cancelled context replaces nothing either.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := st.ReplacePeriods(cctx, at, bad[:1]); err == nil {
			t.Fatal("a cancelled replace succeeded")
		}
		var got []string
		if err := st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error { got = append(got, r.Period+" "+r.Resource); return nil }); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"2024-09 i-old", "2024-10 i-old"}, got); d != "" {
			t.Errorf("after refused replaces (-want +got):\n%s", d)
		}
		good := []cost.Batch{bad[0], {Source: "a", Period: "2024-10", Rollups: []cost.Rollup{row("a", "2024-10", "2024-10-02", "i-new", "6")}}}
		if err := st.ReplacePeriods(ctx, at, good); err != nil {
			t.Fatal(err)
		}
		got = nil
		if err := st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error { got = append(got, r.Period+" "+r.Resource); return nil }); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"2024-09 i-new", "2024-10 i-new"}, got); d != "" {
			t.Errorf("after a replace of two periods (-want +got):\n%s", d)
		}
	})
	t.Run("scan stops on the callback's error", func(t *testing.T) {
		st := newStore(t)
		rows := []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-1", "1"), row("a", "2024-09", "2024-09-02", "i-1", "2")}
		if err := replace(ctx, st, "a", "2024-09", at, rows); err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		n := 0
		err := st.Scan(ctx, cost.Filter{}, func(cost.Rollup) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("err %v after %d calls, want stop after 1", err, n)
		}
	})
	t.Run("many rollups of overlapping periods scan in day order", func(t *testing.T) {
		st := newStore(t)
		// Two sources share days; each period has more rollups than a
		// block of the SQLite store holds, given out of order.
		var batches []cost.Batch
		var all []cost.Rollup
		for _, src := range []string{"b", "a"} {
			for _, p := range []string{"2024-10", "2024-09"} {
				b := cost.Batch{Source: src, Period: p}
				for i := range 9000 {
					d := fmt.Sprintf("%s-%02d", p, 30-i%30)
					r := row(src, p, d, fmt.Sprintf("i-%05d", (i*7919)%9000), fmt.Sprintf("%d.%03d", i, i%1000))
					r.ResourceName = fmt.Sprint(i % 3)
					b.Rollups = append(b.Rollups, r)
				}
				batches = append(batches, b)
				all = append(all, b.Rollups...)
			}
		}
		if err := st.ReplacePeriods(ctx, at, batches); err != nil {
			t.Fatal(err)
		}
		from, to := day("2024-09-20"), day("2024-10-05")
		var want []cost.Rollup
		for _, r := range all {
			if !r.Day.Before(from) && r.Day.Before(to) {
				want = append(want, r)
			}
		}
		var got []cost.Rollup
		if err := st.Scan(ctx, cost.Filter{From: from, To: to}, func(r cost.Rollup) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Day.Before(got[i-1].Day) {
				t.Fatalf("rollup %d is of %s, after one of %s", i, got[i].Day, got[i-1].Day)
			}
		}
		byKey := func(x, y cost.Rollup) int { return bill.CompareRollups(&x, &y) }
		slices.SortFunc(want, byKey)
		slices.SortFunc(got, byKey)
		if d := cmp.Diff(want, got, cmp.Comparer(func(a, b cost.Money) bool { return a.Cmp(b) == 0 })); d != "" {
			t.Errorf("rollups (-want +got):\n%s", d)
		}
		ps, err := st.Periods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Rollups != 9000 {
				t.Errorf("%s %s: %d rollups, want 9000", p.Source, p.Period, p.Rollups)
			}
			if last := day(p.Period + "-30"); !p.Last.IsZero() && !p.Last.Equal(last) {
				t.Errorf("%s %s: last day %s, want %s", p.Source, p.Period, p.Last, last)
			}
		}
	})
	t.Run("a sorted stream that fails or is out of order replaces nothing", func(t *testing.T) {
		st := newStore(t)
		old := []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-old", "1")}
		if err := replace(ctx, st, "a", "2024-09", at, old); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		streams := map[string]func(yield func(*cost.Rollup) error) error{
			"fails midway": func(yield func(*cost.Rollup) error) error {
				for i := range 5000 {
					r := row("a", "2024-09", "2024-09-02", fmt.Sprintf("i-%05d", i), "1")
					if err := yield(&r); err != nil {
						return err
					}
				}
				return boom
			},
			"out of order": func(yield func(*cost.Rollup) error) error {
				for _, d := range []string{"2024-09-02", "2024-09-01"} {
					r := row("a", "2024-09", d, "i-new", "1")
					if err := yield(&r); err != nil {
						return err
					}
				}
				return nil
			},
			"a period twice": func(yield func(*cost.Rollup) error) error {
				for _, r := range []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-new", "1"), row("a", "2024-10", "2024-10-01", "i-new", "1"),
					row("a", "2024-09", "2024-09-02", "i-new", "1")} {
					if err := yield(&r); err != nil {
						return err
					}
				}
				return nil
			},
		}
		for name, stream := range streams {
			if _, err := st.ReplaceSorted(ctx, at, stream); err == nil {
				t.Errorf("%s: no error", name)
			}
			var got []string
			if err := st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error { got = append(got, r.Period+" "+r.Resource); return nil }); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{"2024-09 i-old"}, got); d != "" {
				t.Errorf("%s: after a refused replace (-want +got):\n%s", name, d)
			}
		}
		ps, err := st.ReplaceSorted(ctx, at, func(yield func(*cost.Rollup) error) error {
			for _, r := range []cost.Rollup{row("a", "2024-09", "2024-09-02", "i-new", "1.5"), row("a", "2024-09", "2024-09-03", "i-new", "2")} {
				if err := yield(&r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].Rollups != 2 || ps[0].Billed.String() != "3.5" || !ps[0].Ingested.Equal(at) {
			t.Errorf("stored %+v, want one period of 2 rollups billed 3.5", ps)
		}
	})
	t.Run("a batch without rollups empties its period", func(t *testing.T) {
		st := newStore(t)
		if err := replace(ctx, st, "a", "2024-09", at, []cost.Rollup{row("a", "2024-09", "2024-09-01", "i-1", "1")}); err != nil {
			t.Fatal(err)
		}
		if err := replace(ctx, st, "a", "2024-09", at, nil); err != nil {
			t.Fatal(err)
		}
		n := 0
		if err := st.Scan(ctx, cost.Filter{}, func(cost.Rollup) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		ps, err := st.Periods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 || len(ps) != 1 || ps[0].Rollups != 0 || !ps[0].Billed.IsZero() {
			t.Errorf("%d rollups, periods %+v; want none and one empty period", n, ps)
		}
	})
}

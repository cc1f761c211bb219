package cost

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// trendStore holds a bill of EC2 at 10 a day and RDS at 5 a day from
// 2026-02-01 to 2026-03-17, RDS at 8 a day from March, and one credit.
func trendStore(t *testing.T) *MemStore {
	t.Helper()
	st := NewMemStore()
	var batches []Batch
	for _, period := range []string{"2026-02", "2026-03"} {
		b := Batch{Source: "s", Period: period}
		start, _ := time.Parse("2006-01", period)
		for d := start; d.Before(start.AddDate(0, 1, 0)) && d.Before(time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
			rds := "5"
			if period == "2026-03" {
				rds = "8"
			}
			for _, x := range []struct{ svc, amount string }{{"AmazonEC2", "10"}, {"AmazonRDS", rds}} {
				b.Rollups = append(b.Rollups, Rollup{Day: d, Source: "s", Period: period, Account: "111111111111", Service: x.svc,
					Kind: KindUsage, Currency: "USD", Billed: MustMoney(x.amount), Effective: MustMoney(x.amount), Lines: 1})
			}
		}
		b.Rollups = append(b.Rollups, Rollup{Day: start, Source: "s", Period: period, Account: "111111111111", Service: "AmazonEC2",
			Kind: KindCredit, Currency: "USD", Billed: MustMoney("-100"), Effective: MustMoney("-100"), Lines: 1})
		batches = append(batches, b)
	}
	if err := st.ReplacePeriods(context.Background(), time.Now(), batches); err != nil {
		t.Fatal(err)
	}
	return st
}

func trendCommon(st RollupStore, now time.Time, currency string, rate float64) Common {
	return Common{Store: st, Keys: Keys{System: "system", Env: "env", Owner: "owner"}, Now: now, Currency: currency, Rate: rate}
}

func TestDaily(t *testing.T) {
	st := trendStore(t)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		o        ShowOptions
		currency string
		days     int
		first    DayCost
		last     DayCost
	}{
		"last 30 days, credits left out": {o: ShowOptions{Common: trendCommon(st, now, "USD", 1)}, currency: "USD", days: 30,
			first: DayCost{"2026-02-16", MustMoney("15")}, last: DayCost{"2026-03-17", MustMoney("18")}},
		"a window past the bill has zero days": {o: ShowOptions{Common: trendCommon(st, now, "USD", 1),
			From: time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)},
			currency: "USD", days: 4, first: DayCost{"2026-03-16", MustMoney("18")}, last: DayCost{"2026-03-19", Money{}}},
		"converted to yen": {o: ShowOptions{Common: trendCommon(st, now, "JPY", 150)}, currency: "JPY", days: 30,
			first: DayCost{"2026-02-16", MustMoney("2250")}, last: DayCost{"2026-03-17", MustMoney("2700")}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Daily(context.Background(), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if got.Currency != tc.currency || len(got.Days) != tc.days {
				t.Fatalf("currency %s, %d days; want %s, %d", got.Currency, len(got.Days), tc.currency, tc.days)
			}
			if diff := cmp.Diff([]DayCost{tc.first, tc.last}, []DayCost{got.Days[0], got.Days[len(got.Days)-1]}, cmp.Comparer(func(a, b Money) bool { return a.Cmp(b) == 0 })); diff != "" {
				t.Errorf("first and last day (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMonth(t *testing.T) {
	st := trendStore(t)
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, time.UTC)
	got, err := Month(context.Background(), ShowOptions{Common: trendCommon(st, now, "USD", 1), By: "service"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := &MonthResult{Month: "2026-03", Previous: "2026-02", Days: 17, Currency: "USD",
		Current: MustMoney(fmt.Sprint(17 * 18)), PreviousSame: MustMoney(fmt.Sprint(17 * 15)), PreviousTotal: MustMoney(fmt.Sprint(28 * 15)),
		Rises: []Rise{{Key: "AmazonRDS", Previous: MustMoney("85"), Current: MustMoney("136"), Change: MustMoney("51")}}}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b Money) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// 31 March against a 28-day February compares the whole of February.
	st31 := NewMemStore()
	end := Rollup{Day: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), Source: "s", Period: "2026-02", Account: "1", Service: "X",
		Kind: KindUsage, Currency: "USD", Billed: MustMoney("7"), Effective: MustMoney("7"), Lines: 1}
	if err := st31.ReplacePeriods(context.Background(), time.Now(), []Batch{{Source: "s", Period: "2026-02", Rollups: []Rollup{end}}}); err != nil {
		t.Fatal(err)
	}
	got, err = Month(context.Background(), ShowOptions{Common: trendCommon(st31, time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), "USD", 1), By: "service"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got.PreviousSame.Cmp(MustMoney("7")) != 0 || got.PreviousTotal.Cmp(MustMoney("7")) != 0 || len(got.Rises) != 0 {
		t.Errorf("31 March: previous %s of %s, rises %v; want 7 of 7 and none", got.PreviousSame, got.PreviousTotal, got.Rises)
	}
}

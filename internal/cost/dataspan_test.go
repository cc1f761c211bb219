package cost

import (
	"errors"
	"testing"
	"time"
)

func TestDataEnd(t *testing.T) {
	ctx := t.Context()
	st := NewMemStore()
	if _, err := DataEnd(ctx, st); !errors.Is(err, ErrNoBill) {
		t.Fatalf("empty store: error = %v, want ErrNoBill", err)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }
	rows := func(period string, days ...time.Time) []Rollup {
		var rs []Rollup
		for _, d := range days {
			rs = append(rs, Rollup{Day: d, Source: "bill", Period: period, Account: "1", Service: "AmazonEC2", Kind: KindUsage, Currency: "USD"})
		}
		return rs
	}
	if err := st.ReplacePeriods(ctx, day(9, 1), []Batch{{Source: "bill", Period: "2025-08", Rollups: rows("2025-08", day(8, 1), day(8, 31))}}); err != nil {
		t.Fatal(err)
	}
	if err := st.ReplacePeriods(ctx, day(10, 1), []Batch{{Source: "bill", Period: "2025-09", Rollups: rows("2025-09", day(9, 1), day(9, 17))}}); err != nil {
		t.Fatal(err)
	}
	got, err := DataEnd(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if want := day(9, 18); !got.Equal(want) {
		t.Errorf("DataEnd = %v, want %v (the day after the last day billed)", got, want)
	}
}

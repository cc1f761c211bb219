package cost

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoBill is returned when the store holds no billing data: every cost
// report would be empty, which must not read as "no cost".
var ErrNoBill = errors.New("no bill ingested: run `steward cost ingest PATH` with your FOCUS or CUR export (or `steward cost ingest --demo` to try it)")

// DataEnd is the day after the last day of billing data in the store, so
// that reports with no dates show the data there is rather than an empty
// window when the latest bill is from an earlier month. ErrNoBill when
// nothing was ingested.
func DataEnd(ctx context.Context, st RollupStore) (time.Time, error) {
	ps, err := st.Periods(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read billing periods: %w", err)
	}
	latest := ""
	var last time.Time
	known := true // every period knows its last day
	for _, p := range ps {
		if p.Rollups > 0 && p.Period > latest {
			latest = p.Period
		}
		if p.Rollups > 0 {
			known = known && !p.Last.IsZero()
			if p.Last.After(last) {
				last = p.Last
			}
		}
	}
	if latest == "" {
		return time.Time{}, ErrNoBill
	}
	if known {
		return dayTime(dayOf(last) + 1), nil
	}
	last = time.Time{}
	start, err := time.Parse("2006-01", latest)
	if err != nil {
		return time.Time{}, fmt.Errorf("billing period %q: %w", latest, err)
	}
	err = st.Scan(ctx, Filter{From: start.AddDate(0, -1, 0)}, func(r Rollup) error {
		if r.Day.After(last) {
			last = r.Day
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read billing days: %w", err)
	}
	if last.IsZero() {
		return time.Time{}, ErrNoBill
	}
	return dayTime(dayOf(last) + 1), nil
}

package cost

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// DayCost is one day's usage spend.
type DayCost struct {
	Day  string `json:"day"` // YYYY-MM-DD, UTC
	Cost Money  `json:"cost"`
}

// DailyResult is usage spend day by day over a window; days with no bill
// line are there with zero, so a chart shows the gap.
type DailyResult struct {
	From     string    `json:"from"`
	To       string    `json:"to"` // exclusive
	Currency string    `json:"currency"`
	Days     []DayCost `json:"days"`
}

// Daily sums usage spend per day over o's window (the last 30 days by
// default), in the display currency.
func Daily(ctx context.Context, o ShowOptions) (*DailyResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	from, to := window(o.Now, o.From, o.To)
	if !from.Before(to) {
		return nil, i18n.Say("cli.date.order", from.Format(time.DateOnly), to.Format(time.DateOnly)).Err()
	}
	first := dayOf(from)
	sums := make([]Money, dayOf(to)-first)
	currency := ""
	err := o.Store.Scan(ctx, Filter{From: from, To: to}, func(r Rollup) error {
		if r.Kind != KindUsage {
			return nil
		}
		if currency == "" {
			currency = r.Currency
		} else if r.Currency != "" && r.Currency != currency {
			return fmt.Errorf("the bill mixes currencies %s and %s between %s and %s; show one period at a time", currency, r.Currency, from.Format(time.DateOnly), to.Format(time.DateOnly))
		}
		if i := dayOf(r.Day) - first; i >= 0 && int(i) < len(sums) {
			sums[i] = sums[i].Add(r.Cost(o.Amortized))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost daily: %w", err)
	}
	cv, err := o.converter(currency)
	if err != nil {
		return nil, err
	}
	res := &DailyResult{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Currency: cv.to, Days: make([]DayCost, len(sums))}
	for i, s := range sums {
		res.Days[i] = DayCost{Day: dayTime(first + int32(i)).Format(time.DateOnly), Cost: cv.conv(s)}
	}
	return res, nil
}

// Rise is one group's change from last month to this one.
type Rise struct {
	Key      string `json:"key"`
	Previous Money  `json:"previous"`
	Current  Money  `json:"current"`
	Change   Money  `json:"change"`
}

// MonthResult compares this month's usage so far with the same days of
// last month, so a month two weeks in is not compared with a whole one.
type MonthResult struct {
	Month    string `json:"month"`    // YYYY-MM
	Previous string `json:"previous"` // YYYY-MM
	// Days is how many days of each month are compared.
	Days         int    `json:"days"`
	Currency     string `json:"currency"`
	Current      Money  `json:"current"`
	PreviousSame Money  `json:"previous_same_days"`
	// PreviousTotal is the whole of last month.
	PreviousTotal Money `json:"previous_total"`
	// Rises are the groups that grew most, largest first.
	Rises []Rise `json:"rises"`
}

// Month compares the month to date (up to o.Now's day, included) with the
// same days of the month before, grouped by o.By, keeping the top rises.
func Month(ctx context.Context, o ShowOptions, top int) (*MonthResult, error) {
	now := o.Now.UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	prev := start.AddDate(0, -1, 0)
	days := now.Day()
	prevEnd := prev.AddDate(0, 0, days)
	if prevEnd.After(start) {
		prevEnd = start // 31 March against a 28-day February
	}
	show := func(from, to time.Time) (*ShowResult, error) {
		so := o
		so.From, so.To = from, to
		return Show(ctx, so)
	}
	cur, err := show(start, start.AddDate(0, 0, days))
	if err != nil {
		return nil, err
	}
	same, err := show(prev, prevEnd)
	if err != nil {
		return nil, err
	}
	whole, err := show(prev, start)
	if err != nil {
		return nil, err
	}
	res := &MonthResult{Month: start.Format("2006-01"), Previous: prev.Format("2006-01"), Days: days,
		Currency: cur.Currency, Current: cur.Usage, PreviousSame: same.Usage, PreviousTotal: whole.Usage}
	before := map[string]Money{}
	for _, g := range same.Groups {
		before[g.Key] = g.Cost
	}
	for _, g := range cur.Groups {
		if ch := g.Cost.Sub(before[g.Key]); ch.Sign() > 0 {
			res.Rises = append(res.Rises, Rise{Key: g.Key, Previous: before[g.Key], Current: g.Cost, Change: ch})
		}
	}
	slices.SortFunc(res.Rises, func(a, b Rise) int { return cmp.Or(b.Change.Cmp(a.Change), cmp.Compare(a.Key, b.Key)) })
	if top > 0 && len(res.Rises) > top {
		res.Rises = res.Rises[:top]
	}
	return res, nil
}

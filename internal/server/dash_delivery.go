package server

import (
	"cmp"
	"slices"
	"time"

	"github.com/steward-sre/steward/internal/delivery"
)

// trendWeeks is how many weeks the delivery page's trend covers.
const trendWeeks = 12

// trendSeriesShown bounds the services drawn: the busiest first.
const trendSeriesShown = 6

// deployTrend is deploys per week per service over the last trendWeeks
// weeks (weeks start on Monday in the configured time zone), for one
// service when service is set.
func deployTrend(deps []delivery.Deployment, service string, now time.Time, loc *time.Location, xLabel string) chartData {
	n := now.In(loc)
	monday := time.Date(n.Year(), n.Month(), n.Day()-(int(n.Weekday())+6)%7, 0, 0, 0, 0, loc)
	first := monday.AddDate(0, 0, -7*(trendWeeks-1))
	c := chartData{Kind: "count", XLabel: xLabel}
	for i := range trendWeeks {
		c.X = append(c.X, first.AddDate(0, 0, 7*i).Unix())
	}
	counts := map[string][]float64{}
	total := map[string]int{}
	for _, d := range deps {
		if service != "" && d.Service != service {
			continue
		}
		at := d.Finished.In(loc)
		if at.Before(first) || !at.Before(monday.AddDate(0, 0, 7)) {
			continue
		}
		w := int(at.Sub(first).Hours()) / (24 * 7)
		w = min(w, trendWeeks-1)
		if counts[d.Service] == nil {
			counts[d.Service] = make([]float64, trendWeeks)
		}
		counts[d.Service][w]++
		total[d.Service]++
	}
	names := make([]string, 0, len(counts))
	for s := range counts {
		names = append(names, s)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(total[b], total[a]), cmp.Compare(a, b)) })
	for _, s := range names[:min(len(names), trendSeriesShown)] {
		c.Series = append(c.Series, chartSeries{Label: s, Values: counts[s]})
	}
	return c
}

package server

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/i18n"
)

// trendWeeks is how many weeks the delivery page's trends cover.
const trendWeeks = 12

// trendSeriesShown bounds the services drawn: the busiest first.
const trendSeriesShown = 6

// keysTrend is the Four Keys week by week, one chart per key and one
// line per service.
type keysTrend struct {
	Deploys, Lead, Failure, Restore chartData
}

// fourKeysTrend works out the Four Keys of each of the last trendWeeks
// weeks (weeks start on Monday in the configured time zone) for each
// service, or for service alone when it is set, with delivery.Compute
// over each week: the figures the Four Keys table gives for a window of
// that week. A week in which a key has nothing to measure (no change
// shipped, no deployment, no failure to recover from) is a gap in its
// line, not a zero; deployments are a count, so a week without one is 0.
func fourKeysTrend(data delivery.Data, service string, now time.Time, loc *time.Location, l i18n.Lang) keysTrend {
	n := now.In(loc)
	monday := time.Date(n.Year(), n.Month(), n.Day()-(int(n.Weekday())+6)%7, 0, 0, 0, 0, loc)
	first := monday.AddDate(0, 0, -7*(trendWeeks-1))
	xLabel := l.T("web.delivery.week")
	t := keysTrend{
		Deploys: chartData{Kind: "count", XLabel: xLabel},
		Lead:    chartData{Kind: "hours", XLabel: xLabel},
		Failure: chartData{Kind: "percent", XLabel: xLabel},
		Restore: chartData{Kind: "hours", XLabel: xLabel},
	}
	var weeks []time.Time
	for i := range trendWeeks + 1 {
		weeks = append(weeks, first.AddDate(0, 0, 7*i))
	}
	for _, c := range []*chartData{&t.Deploys, &t.Lead, &t.Failure, &t.Restore} {
		for _, w := range weeks[:trendWeeks] {
			c.X = append(c.X, w.Unix())
		}
	}
	for _, svc := range trendServices(data.Deployments, service, first, weeks[trendWeeks]) {
		deploys := chartSeries{Label: svc, Values: make([]*float64, trendWeeks)}
		lead := chartSeries{Label: svc, Values: make([]*float64, trendWeeks)}
		failure := chartSeries{Label: svc, Values: make([]*float64, trendWeeks)}
		restore := chartSeries{Label: svc, Values: make([]*float64, trendWeeks)}
		for i := range trendWeeks {
			r := delivery.Compute(data, delivery.Query{From: weeks[i], To: weeks[i+1], Services: []string{svc}})
			deploys.Values[i] = point(float64(r.DeploymentFrequency.Successful))
			if m := r.LeadTime.MedianMinutes; m != nil {
				lead.Values[i] = point(roundTo(*m/60, 1))
			}
			if f := r.ChangeFailureRate.Ratio; f != nil {
				failure.Values[i] = point(roundTo(*f*100, 1))
			}
			if m := r.RecoveryTime.MedianMinutes; m != nil {
				restore.Values[i] = point(roundTo(*m/60, 1))
			}
		}
		t.Deploys.Series = append(t.Deploys.Series, deploys)
		t.Lead.Series = append(t.Lead.Series, lead)
		t.Failure.Series = append(t.Failure.Series, failure)
		t.Restore.Series = append(t.Restore.Series, restore)
	}
	return t
}

// trendServices are the services with deployments to production finished
// in [from, to),
// service alone when it is set: the busiest trendSeriesShown,
// then by name.
func trendServices(deps []delivery.Deployment, service string, from, to time.Time) []string {
	count := map[string]int{}
	for _, d := range deps {
		if (service != "" && d.Service != service) || !delivery.SameEnvironment(d.Environment, delivery.Production) ||
			d.Finished.Before(from) || !d.Finished.Before(to) {
			continue
		}
		count[d.Service]++
	}
	names := make([]string, 0, len(count))
	for s := range count {
		names = append(names, s)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b)) })
	return names[:min(len(names), trendSeriesShown)]
}

func point(v float64) *float64 { return &v }

func roundTo(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

package cost

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// DetectDays is how many recent days are checked for anomalies.
const DetectDays = 7

// ResourceDelta is one resource's share of a rise.
type ResourceDelta struct {
	Resource string `json:"resource"`
	Increase Money  `json:"increase"`
}

// AnomalyItem is a rise in one system x service x usage type.
type AnomalyItem struct {
	System    string          `json:"system"`
	Service   string          `json:"service"`
	UsageType string          `json:"usage_type"`
	Since     string          `json:"since"`
	Days      int             `json:"days"`
	Expected  Money           `json:"expected"`
	Actual    Money           `json:"actual"`
	Impact    Money           `json:"impact"`
	Score     float64         `json:"score"`
	Top       []ResourceDelta `json:"top_resources"`
}

// AnomalyResult lists anomalies, or says why none could be looked for.
type AnomalyResult struct {
	Currency    string        `json:"currency"`
	HistoryDays int           `json:"history_days"`
	NotEnough   string        `json:"not_enough_history,omitempty"`
	Anomalies   []AnomalyItem `json:"anomalies"`
	// Threshold is the score a day must reach to be an anomaly
	// (cost.anomaly.score).
	Threshold float64 `json:"score_threshold,omitempty"`
}

type series struct {
	days  map[int32]Money            // every day of the window
	byRes map[string]map[int32]Money // per resource
}

// Anomalies compares each of the last 7 days of each system x service x
// usage type with the same weekday over the trailing window: expected is
// the median, spread the MAD (scaled to a standard deviation, floored at
// 5% of expected so a flat line does not turn every cent into an alarm).
// A day is anomalous when it is Score spreads above expected and at least
// MinImpact above it; consecutive anomalous days ending at the latest form
// one anomaly. Weekday-aware because office workloads fall at weekends.
func Anomalies(ctx context.Context, o Common) (*AnomalyResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	cfg := o.Cost.Anomaly
	today := dayOf(o.Now)
	detStart := today - DetectDays
	from := detStart - int32(cfg.WindowDays)
	at := o.attributor()
	data := map[[3]string]*series{}
	seen := map[int32]bool{}
	currency := ""
	err := o.Store.Scan(ctx, Filter{From: dayTime(from), To: dayTime(today)}, func(r Rollup) error {
		if r.Kind != KindUsage {
			return nil
		}
		currency = cmp.Or(currency, r.Currency)
		d := dayOf(r.Day)
		seen[d] = true
		a := at.Attribute(&r)
		k := [3]string{cmp.Or(a.System, Unattributed), r.Service, r.UsageType}
		s := data[k]
		if s == nil {
			s = &series{days: map[int32]Money{}, byRes: map[string]map[int32]Money{}}
			data[k] = s
		}
		s.days[d] = s.days[d].Add(r.Billed)
		rid := cmp.Or(r.Resource, "(no resource id)")
		m := s.byRes[rid]
		if m == nil {
			m = map[int32]Money{}
			s.byRes[rid] = m
		}
		m[d] = m[d].Add(r.Billed)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost anomalies: %w", err)
	}
	cv, err := o.converter(currency)
	if err != nil {
		return nil, err
	}
	res := &AnomalyResult{Currency: cv.to, Threshold: cfg.Score}
	for d := range seen {
		if d < detStart {
			res.HistoryDays++
		}
	}
	if res.HistoryDays < cfg.MinHistoryDays {
		res.NotEnough = fmt.Sprintf("only %d days of billing history before the last %d days; anomaly detection needs %d (ingest older months, or lower cost.anomaly.min_history_days)",
			res.HistoryDays, DetectDays, cfg.MinHistoryDays)
		return res, nil
	}
	minImpact := cfg.MinImpact.Float64()
	for k, s := range data {
		var run []int32
		var exp, act Money
		var maxScore float64
		for d := detStart; d < today; d++ {
			var base []float64
			for b := d - 7; b >= from; b -= 7 {
				if b < detStart && seen[b] {
					base = append(base, s.days[b].Float64())
				}
			}
			if len(base) < 3 {
				run = nil
				continue
			}
			med, mad := medianMAD(base)
			spread := math.Max(1.4826*mad, 0.05*med)
			spread = math.Max(spread, 1e-9)
			actual := s.days[d].Float64()
			score := (actual - med) / spread
			if score >= cfg.Score && actual-med >= minImpact {
				if len(run) == 0 {
					exp, act, maxScore = Money{}, Money{}, 0
				}
				run = append(run, d)
				exp = exp.Add(MoneyFromFloat(med))
				act = act.Add(s.days[d])
				maxScore = math.Max(maxScore, score)
			} else {
				run = nil
			}
		}
		if len(run) == 0 {
			continue
		}
		item := AnomalyItem{
			System: k[0], Service: k[1], UsageType: k[2], Since: dayTime(run[0]).Format(time.DateOnly), Days: len(run),
			Expected: cv.conv(exp), Actual: cv.conv(act), Impact: cv.conv(act.Sub(exp)), Score: math.Round(maxScore*10) / 10,
		}
		for rid, m := range s.byRes {
			var before, during Money
			for d := from; d < detStart; d++ {
				before = before.Add(m[d])
			}
			for _, d := range run {
				during = during.Add(m[d])
			}
			avgBefore := before.Float64() / float64(detStart-from)
			inc := during.Float64() - avgBefore*float64(len(run))
			if inc > 0 {
				item.Top = append(item.Top, ResourceDelta{Resource: rid, Increase: cv.conv(MoneyFromFloat(inc))})
			}
		}
		slices.SortFunc(item.Top, func(a, b ResourceDelta) int {
			return cmp.Or(b.Increase.Cmp(a.Increase), cmp.Compare(a.Resource, b.Resource))
		})
		if len(item.Top) > 3 {
			item.Top = item.Top[:3]
		}
		res.Anomalies = append(res.Anomalies, item)
	}
	slices.SortFunc(res.Anomalies, func(a, b AnomalyItem) int {
		return cmp.Or(b.Impact.Cmp(a.Impact), cmp.Compare(a.System, b.System), cmp.Compare(a.Service, b.Service), cmp.Compare(a.UsageType, b.UsageType))
	})
	return res, nil
}

func medianMAD(xs []float64) (med, mad float64) {
	med = median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	return med, median(dev)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

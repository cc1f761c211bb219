package cost

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"

	"github.com/steward-sre/steward/internal/money"
)

// ErrCheckFailed is returned by RunCheck when a budget or an anomaly
// threshold is breached, so the CLI exits non-zero for CI and cron.
var ErrCheckFailed = errors.New("cost check failed")

// BudgetStatus is one budget this month.
type BudgetStatus struct {
	System   string `json:"system,omitempty"`
	Env      string `json:"env,omitempty"`
	Monthly  Money  `json:"monthly"`
	ToDate   Money  `json:"to_date"`
	Forecast Money  `json:"forecast"`
	Breached bool   `json:"breached"`
	// OnTrackToBreach warns when the month's pace would pass the budget.
	OnTrackToBreach bool `json:"on_track_to_breach"`
}

// CheckResult is budgets and anomalies, and whether either fails.
type CheckResult struct {
	Month     string         `json:"month"`
	Currency  string         `json:"currency"`
	Budgets   []BudgetStatus `json:"budgets"`
	Anomalies *AnomalyResult `json:"anomalies"`
	Failures  []string       `json:"failures"`
	// FailurePhrases are Failures for saying in another language.
	FailurePhrases []i18n.Phrase `json:"-"`
	alerts         []Alert
}

// Alert is one problem a check found, for a notice to whoever answers
// for it: a budget over its limit, or an anomaly past
// cost.anomaly.fail_impact.
type Alert struct {
	// Key names the problem: a check that finds it again (the same
	// budget this month, the same anomaly since the same day) gives the
	// same key, so it is told once.
	Key string
	// System is the system it belongs to; empty for a budget of every
	// system.
	System string
	text   i18n.Phrase
}

// Text is the alert in lang.
func (a Alert) Text(lang i18n.Lang) string { return a.text.In(lang) }

// Alerts are the check's failures with their keys and systems.
func (r *CheckResult) Alerts() []Alert { return r.alerts }

// fail records a failure, in English for JSON and as a phrase for people.
func (r *CheckResult) fail(p i18n.Phrase) {
	r.Failures = append(r.Failures, p.In(i18n.EN))
	r.FailurePhrases = append(r.FailurePhrases, p)
}

// Check compares month-to-date usage of each budget's system/env with its
// limit (forecast: the daily pace so far times the days in the month) and
// runs anomaly detection.
func Check(ctx context.Context, o Common) (*CheckResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	now := o.Now.UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	today := dayTime(dayOf(now))
	res := &CheckResult{Month: monthStart.Format("2006-01")}
	at := o.attributor()
	toDate := make([]Money, len(o.Cost.Budgets))
	currency := ""
	err := o.Store.Scan(ctx, Filter{From: monthStart, To: today.AddDate(0, 0, 1)}, func(r Rollup) error {
		if r.Kind != KindUsage {
			return nil
		}
		currency = cmp.Or(currency, r.Currency)
		a := at.Attribute(&r)
		for i, b := range o.Cost.Budgets {
			if (b.System == "" || b.System == a.System) && (b.Env == "" || b.Env == a.Env) {
				toDate[i] = toDate[i].Add(r.Billed)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost check: %w", err)
	}
	cv, err := o.converter(currency)
	if err != nil {
		return nil, err
	}
	res.Currency = cv.to
	// Bills lag by a day or so: pace over the days up to yesterday.
	elapsed := max(now.Day()-1, 1)
	monthDays := monthStart.AddDate(0, 1, -1).Day()
	for i, b := range o.Cost.Budgets {
		td := cv.conv(toDate[i])
		st := BudgetStatus{System: b.System, Env: b.Env, Monthly: b.Monthly, ToDate: td,
			Forecast: td.Scale(float64(monthDays) / float64(elapsed))}
		st.Breached = td.Cmp(b.Monthly) > 0
		st.OnTrackToBreach = !st.Breached && st.Forecast.Cmp(b.Monthly) > 0
		if st.Breached {
			p := i18n.Say("cost.check.budget", cmp.Or(b.System, "*"), cmp.Or(b.Env, "*"), money.Format(td, cv.to), money.Format(b.Monthly, cv.to))
			res.fail(p)
			res.alerts = append(res.alerts, Alert{Key: "budget/" + res.Month + "/" + cmp.Or(b.System, "*") + "/" + cmp.Or(b.Env, "*"), System: b.System, text: p})
		}
		res.Budgets = append(res.Budgets, st)
	}
	an, err := Anomalies(ctx, o)
	if err != nil {
		return nil, err
	}
	res.Anomalies = an
	for _, a := range an.Anomalies {
		if a.Impact.Cmp(o.Cost.Anomaly.FailImpact) >= 0 {
			p := i18n.Say("cost.check.anomaly", a.System, a.Service, a.UsageType, a.Since, money.Format(a.Impact, an.Currency))
			res.fail(p)
			res.alerts = append(res.alerts, Alert{Key: "anomaly/" + a.System + "/" + a.Service + "/" + a.UsageType + "/" + a.Since, System: a.System, text: p})
		}
	}
	return res, nil
}

// WasteItem is one waste or idle finding priced.
type WasteItem struct {
	Policy  string `json:"policy"`
	ARN     string `json:"arn"`
	Name    string `json:"name"`
	Owner   string `json:"owner"`
	Monthly Money  `json:"monthly"`
	// Basis says where the number comes from: "bill (last 30 days)" or
	// "price table".
	Basis string `json:"basis"`
}

// WasteResult is money recoverable per month, by owner.
type WasteResult struct {
	Currency string           `json:"currency"`
	Total    Money            `json:"total"`
	ByOwner  []Group          `json:"by_owner"`
	Items    []WasteItem      `json:"items"`
	Bases    map[string]Money `json:"by_basis"`
}

// resourceCosts sums usage cost per resource id over the 30 days before
// now, keyed by the bill's resource id.
func resourceCosts(ctx context.Context, o Common) (map[string]Money, string, error) {
	to := dayTime(dayOf(o.Now) + 1)
	costs := map[string]Money{}
	currency := ""
	err := o.Store.Scan(ctx, Filter{From: to.AddDate(0, 0, -30), To: to}, func(r Rollup) error {
		if r.Kind == KindUsage && r.Resource != "" {
			currency = cmp.Or(currency, r.Currency)
			costs[r.Resource] = costs[r.Resource].Add(r.Billed)
		}
		return nil
	})
	return costs, currency, err
}

// billCost finds a resource's 30-day cost by ARN, then by native id.
func billCost(costs map[string]Money, arn, id string) (Money, bool) {
	if m, ok := costs[arn]; ok {
		return m, true
	}
	if id != "" {
		m, ok := costs[id]
		return m, ok
	}
	return Money{}, false
}

// Waste prices each waste or idle finding with its resource's billed cost
// over the last 30 days where the bill has it, else the finding's
// price-table estimate.
func Waste(ctx context.Context, o Common) (*WasteResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	costs, currency, err := resourceCosts(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("cost waste: %w", err)
	}
	cv, err := o.converter(currency)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for i := range o.Resources {
		ids[o.Resources[i].ARN] = o.Resources[i].ID
	}
	res := &WasteResult{Currency: cv.to, Bases: map[string]Money{}}
	owners := map[string]Money{}
	for _, f := range o.Findings {
		if f.Category != finding.Waste && f.Category != finding.Idle {
			continue
		}
		it := WasteItem{Policy: f.Policy, ARN: f.ARN, Name: f.Name, Owner: cmp.Or(f.Owner, Unattributed)}
		if m, ok := billCost(costs, f.ARN, ids[f.ARN]); ok {
			it.Monthly, it.Basis = cv.conv(m), "bill (last 30 days)"
		} else {
			// Findings carry waste in the display currency already.
			it.Monthly, it.Basis = MoneyFromFloat(f.MonthlyWaste), "price table"
		}
		res.Items = append(res.Items, it)
		res.Total = res.Total.Add(it.Monthly)
		owners[it.Owner] = owners[it.Owner].Add(it.Monthly)
		res.Bases[it.Basis] = res.Bases[it.Basis].Add(it.Monthly)
	}
	for k, v := range owners {
		res.ByOwner = append(res.ByOwner, Group{Key: k, Cost: v, Share: share(v, res.Total)})
	}
	slices.SortFunc(res.ByOwner, func(a, b Group) int { return cmp.Or(b.Cost.Cmp(a.Cost), cmp.Compare(a.Key, b.Key)) })
	slices.SortFunc(res.Items, func(a, b WasteItem) int {
		return cmp.Or(b.Monthly.Cmp(a.Monthly), cmp.Compare(a.ARN, b.ARN), cmp.Compare(a.Policy, b.Policy))
	})
	return res, nil
}

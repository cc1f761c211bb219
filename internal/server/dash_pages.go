package server

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/iac"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// severityColors are the trend chart's line colours, by severity.
var severityColors = [...]string{"#8a94a6", "#3b82f6", "#eab308", "#f97316", "#dc2626"}

type sevCount struct {
	Severity finding.Severity
	Count    int
}

type catCount struct {
	Category finding.Category
	Count    int
	Waste    float64
}

type overviewData struct {
	Scan       *inventory.Scan
	Total      int
	New        int
	Severities []sevCount
	Categories []catCount
	Waste      float64
	Trend      chartData
	Month      *cost.MonthResult
	NoBill     bool
	CostError  string
	Coverage   *iac.Ratio
	// CoverageLoading says the coverage is still being counted.
	CoverageLoading bool
	Keys            []delivery.Breakdown
	KeysWindow      delivery.Window
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	sc, ok := s.head(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := s.newView(w, r, "overview")
	v.Title = v.L.T("web.nav.overview")
	sum, err := s.store.FindingSummary(ctx, sc.ID)
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d := &overviewData{Scan: sc, Total: sum.Total}
	v.Data = d
	var (
		bySev      [finding.Critical + 1]int
		byCat      = map[finding.Category]int{}
		wasteByCat = map[finding.Category]float64{}
	)
	for _, c := range sum.Counts {
		// An amount whose rate is unknown stays as it was stored: the same
		// choice the report makes.
		waste, _ := money.Convert(c.Waste, c.Currency, c.Rate, s.dash.currency, s.dash.rate)
		d.Waste += waste
		wasteByCat[c.Category] += waste
		byCat[c.Category] += c.Findings
		if c.Severity >= finding.Info && c.Severity <= finding.Critical {
			bySev[c.Severity] += c.Findings
		}
		if c.New {
			d.New += c.Findings
		}
	}
	for sev := finding.Critical; sev >= finding.Info; sev-- {
		d.Severities = append(d.Severities, sevCount{sev, bySev[sev]})
	}
	for _, c := range finding.Categories {
		d.Categories = append(d.Categories, catCount{c, byCat[c], wasteByCat[c]})
	}
	trend, err := s.dash.trend(ctx, sc.ID)
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d.Trend = chartData{Kind: "count", XLabel: v.L.T("web.chart.scan")}
	for sev := finding.Critical; sev >= finding.Low; sev-- {
		cs := chartSeries{Label: v.L.T("severity." + sev.String()), Color: severityColors[sev]}
		for _, t := range trend {
			cs.Values = append(cs.Values, point(float64(t.BySev[sev])))
		}
		d.Trend.Series = append(d.Trend.Series, cs)
	}
	for _, t := range trend {
		d.Trend.X = append(d.Trend.X, t.Started.Unix())
	}
	d.Month, err = s.monthView(ctx, sc)
	switch {
	case errors.Is(err, errNoBill):
		d.NoBill = true
	case err != nil:
		s.log.Warn("overview: cost", "err", err)
		d.CostError = err.Error()
	}
	cctx, cancel := context.WithTimeout(ctx, loadWait)
	cov, err := s.dash.coverage(cctx, sc)
	cancel()
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		// A store written before the resource counts counts a large
		// estate's resources the first time; the count goes on, and the
		// rest of the page need not wait.
		d.CoverageLoading = true
	case err != nil:
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	case cov != nil:
		d.Coverage = &cov.Total
	}
	keys, err := s.fourKeys(ctx, "")
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d.Keys, d.KeysWindow = keys.ByService, keys.Window
	s.render(w, "overview", "", v)
}

// fourKeys is the Four Keys over the default window (the last 90 days),
// per service; with service set, that service's report with its explain
// lists.
func (s *Server) fourKeys(ctx context.Context, service string) (delivery.Summary, error) {
	data, err := s.store.Delivery(ctx)
	if err != nil {
		return delivery.Summary{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	q := delivery.Query{From: now.AddDate(0, 0, -delivery.DefaultWindowDays), To: now}
	if service != "" {
		q.Services = []string{service}
	}
	teams := map[string][]string{}
	for name, t := range s.cfg.Teams {
		teams[name] = t.Services
	}
	return delivery.Summarize(data, q, teams), nil
}

type deliveryData struct {
	Service string
	Summary delivery.Summary
	// Trend is each key week by week, per service.
	Trend keysTrend
}

func (s *Server) deliveryPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "delivery")
	v.Title = v.L.T("web.nav.delivery")
	d := &deliveryData{Service: r.URL.Query().Get("service")}
	v.Data = d
	sum, err := s.fourKeys(r.Context(), d.Service)
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d.Summary = sum
	data, err := s.store.Delivery(r.Context())
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d.Trend = fourKeysTrend(data, d.Service, s.now(), s.zone(), v.L)
	s.render(w, "delivery", "", v)
}

// unmanagedShown is how many unmanaged resources a page of the coverage
// page lists (a variable so tests can page a small estate).
var unmanagedShown = 200

// ratiosShown bounds each coverage table: the groups with the most
// unmanaged resources first.
const ratiosShown = 50

type iacData struct {
	Coverage *iac.Result
	// Unmanaged are the page's unmanaged resources, First and Last their
	// numbers (from 1) among Total.
	Unmanaged          []iac.Entry
	Total, First, Last int
	Page, Pages        int
	Prev, Next         string
	// ByAccount, BySystem and ByType are the tables as shown; Rest
	// counts the rows left out of each.
	ByAccount, BySystem, ByType []iac.Ratio
	Rest                        [3]int
	// Imports are Terraform import blocks for the unmanaged shown.
	Imports string
}

// worstRatios is the n groups with the most unmanaged resources, and how
// many were left out.
func worstRatios(rs []iac.Ratio, n int) ([]iac.Ratio, int) {
	if len(rs) <= n {
		return rs, 0
	}
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b iac.Ratio) int { return b.Unmanaged - a.Unmanaged })
	return out[:n], len(rs) - n
}

// iacPage is the latest scan's IaC coverage: the ratios from the store's
// counts of its resources, and one page of its unmanaged resources with
// their import blocks. It reads no other resource of the scan.
func (s *Server) iacPage(w http.ResponseWriter, r *http.Request) {
	sc, ok := s.head(w, r)
	if !ok {
		return
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 {
			s.pageError(w, r, http.StatusBadRequest, "web.badpage", nil, v)
			return
		}
		page = p
	}
	ctx, cancel := context.WithTimeout(r.Context(), loadWait)
	cov, err := s.dash.coverage(ctx, sc)
	cancel()
	if !s.loaded(w, r, err) {
		return
	}
	v := s.newView(w, r, "iac")
	v.Title = v.L.T("web.nav.iac")
	d := &iacData{Coverage: cov, Page: page}
	v.Data = d
	if cov != nil {
		d.ByAccount, d.Rest[0] = worstRatios(cov.ByAccount, ratiosShown)
		d.BySystem, d.Rest[1] = worstRatios(cov.BySystem, ratiosShown)
		d.ByType, d.Rest[2] = worstRatios(cov.ByType, ratiosShown)
		up, err := s.store.UnmanagedPage(r.Context(), sc.ID, store.UnmanagedQuery{SkipTypes: iac.UncountedTypes(), Offset: (page - 1) * unmanagedShown, Limit: unmanagedShown})
		if err != nil {
			s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
			return
		}
		now := s.now()
		for i := range up {
			d.Unmanaged = append(d.Unmanaged, iac.UnmanagedEntry(&up[i], now))
		}
		// The unmanaged resources of the types coverage counts, summed
		// from the same counts as the ratios.
		d.Total = cov.Total.Unmanaged
		d.Pages = max(1, (d.Total+unmanagedShown-1)/unmanagedShown)
		if len(d.Unmanaged) > 0 {
			d.First, d.Last = (page-1)*unmanagedShown+1, (page-1)*unmanagedShown+len(d.Unmanaged)
		}
		if page > 1 {
			d.Prev = "/iac?page=" + strconv.Itoa(min(page-1, d.Pages))
		}
		if page < d.Pages {
			d.Next = "/iac?page=" + strconv.Itoa(page+1)
		}
		var b strings.Builder
		if _, err := iac.WriteImports(&b, d.Unmanaged, iac.ImportFilter{}); err != nil {
			s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
			return
		}
		d.Imports = b.String()
	}
	s.render(w, "iac", "", v)
}

type scheduleView struct {
	Name      string
	Windows   []string
	Zone      string
	Holidays  string
	Enforced  bool
	Env       []string
	System    []string
	Days      []schedule.Day
	Followers int
	Sample    []*inventory.Resource
}

type schedulesData struct {
	Schedules []scheduleView
	Journal   []store.JournalEntry
	// Counting says the followers are still being counted.
	Counting bool
}

// schedulesShown is how many resources each schedule lists by name.
const schedulesShown = 20

func (s *Server) schedulesPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "schedules")
	v.Title = v.L.T("web.nav.schedules")
	d := &schedulesData{}
	v.Data = d
	res := s.cfg.ScheduleResolver()
	fol := &scheduleFollowers{}
	if res != nil && len(res.Named) > 0 {
		sc, err := s.dash.latestScan(r.Context())
		if err == nil {
			// A second at most: the count of a large scan takes a minute,
			// and every view meanwhile would wait the whole loadWait.
			ctx, cancel := context.WithTimeout(r.Context(), min(loadWait, time.Second))
			var f *scheduleFollowers
			f, err = s.dash.followers(ctx, sc, res, s.cfg.Tags.EnvKey, s.cfg.Tags.SystemKey)
			cancel()
			if err == nil {
				fol = f
			}
		}
		switch {
		case err == nil, errors.Is(err, store.ErrNotFound):
		case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
			// A large scan's resources take a while to read; the count
			// goes on, and the schedules and journal need not wait.
			d.Counting = true
		default:
			s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
			return
		}
	}
	if res != nil {
		for _, sc := range res.Named {
			sv := scheduleView{Name: sc.Name(), Zone: sc.Location().String(), Holidays: sc.Holidays(), Enforced: sc.Enforced(),
				Days: sc.Preview(s.now(), 7), Followers: fol.counts[sc.Name()], Sample: fol.samples[sc.Name()]}
			for _, win := range sc.Windows() {
				sv.Windows = append(sv.Windows, win.String())
			}
			sv.Env, sv.System = sc.Selectors()
			d.Schedules = append(d.Schedules, sv)
		}
	}
	j, err := s.store.JournalEntries(r.Context(), store.JournalFilter{Limit: 50})
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d.Journal = j
	s.render(w, "schedules", "", v)
}

type historyRow struct {
	store.Version
	Changes []inventory.FieldChange
}

type resourceData struct {
	ARN      string
	Resource *inventory.Resource
	Findings []findingRow
	History  []historyRow
	// Cost is the resource's monthly estimate in the display currency;
	// CostOK is false when it has none.
	Cost   float64
	CostOK bool
	Attrs  []attrRow
}

type attrRow struct{ Key, Value string }

// historyDiffs bounds how many of a resource's latest changes are
// diffed field by field.
const historyDiffs = 10

func (s *Server) resourcePage(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	if arn == "" {
		s.pageError(w, r, http.StatusBadRequest, "web.resource.noarn", nil)
		return
	}
	sc, ok := s.head(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := s.newView(w, r, "")
	d := &resourceData{ARN: arn}
	v.Data = d
	v.Title = arn
	vs, err := s.store.ResourceHistory(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, "web.resource.unknown", nil, arn)
		return
	}
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	if d.Resource, err = s.resourceAt(ctx, sc.ID, arn); err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	if d.Resource != nil {
		v.Title = d.Resource.Name
		if v.Title == "" {
			v.Title = d.Resource.ID
		}
		if d.Resource.MonthlyCost > 0 {
			d.Cost, d.CostOK = money.Convert(d.Resource.MonthlyCost, money.USD, 1, v.Currency, s.cfg.Currency.Rate)
		}
		for _, k := range sortedKeys(d.Resource.Attrs.Map()) {
			d.Attrs = append(d.Attrs, attrRow{k, attrText(d.Resource.Attrs.Value(k))})
		}
	}
	fs, err := s.store.ResourceFindings(ctx, sc.ID, arn)
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	for i := range fs {
		d.Findings = append(d.Findings, s.findingRow(sc, &fs[i], v.L))
	}
	d.History, err = s.historyDiffs(ctx, sc.ID, d.Resource, arn, vs)
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	s.render(w, "resource", "", v)
}

// resourceAt is a resource as a scan saw it; nil when the scan did not.
func (s *Server) resourceAt(ctx context.Context, scanID, arn string) (*inventory.Resource, error) {
	res, err := s.store.ResourceAt(ctx, scanID, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return res, err
}

// historyDiffs pairs each version with the fields that changed from the
// one before it (inventory.Changes), newest first. Each version diffed is
// read by itself from its scan (cur is the head scan's).
func (s *Server) historyDiffs(ctx context.Context, headID string, cur *inventory.Resource, arn string, vs []store.Version) ([]historyRow, error) {
	out := make([]historyRow, len(vs))
	at := func(scanID string) (*inventory.Resource, error) {
		if scanID == headID {
			return cur, nil
		}
		return s.resourceAt(ctx, scanID, arn)
	}
	first := max(0, len(vs)-historyDiffs-1)
	var prev *inventory.Resource
	for i, ver := range vs {
		out[i].Version = ver
		if i < first {
			continue
		}
		if ver.Event == store.Disappeared {
			prev = nil
			continue
		}
		this, err := at(ver.ScanID)
		if err != nil {
			return nil, err
		}
		if ver.Event == store.Changed && prev != nil && this != nil {
			if out[i].Changes, err = inventory.Changes(prev, this); err != nil {
				return nil, err
			}
		}
		prev = this
	}
	slices.Reverse(out)
	return out, nil
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// attrText writes an attribute value: strings as they are, anything else
// as JSON.
func attrText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

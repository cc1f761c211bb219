package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// costViews keeps cost results for the (scan, bill, day) they were worked
// out for: the bill changes only when an ingest replaces periods, and
// attributing a month of spend over a large estate is too slow to redo
// for every page view.
type costViews struct {
	mu   sync.Mutex
	key  string
	vals map[string]any
}

func (c *costViews) get(key, what string, make func() (any, error)) (any, error) {
	c.mu.Lock()
	if c.key != key {
		c.key, c.vals = key, map[string]any{}
	}
	v, ok := c.vals[what]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := make()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.key == key {
		c.vals[what] = v
	}
	c.mu.Unlock()
	return v, nil
}

// errNoBill says no bill has been ingested.
var errNoBill = errors.New("no bill in the store")

// costCommon is what cost's computations read, with the resources spend
// is attributed to (none for a view that groups by the bill's own
// fields); the key says which scan, bill and day it is for.
func (s *Server) costCommon(ctx context.Context, sc *inventory.Scan, rs []inventory.Resource) (cost.Common, string, error) {
	if s.cost == nil {
		return cost.Common{}, "", errNoBill
	}
	ps, err := s.cost.Periods(ctx)
	if err != nil {
		return cost.Common{}, "", fmt.Errorf("read bill periods: %w", err)
	}
	if len(ps) == 0 {
		return cost.Common{}, "", errNoBill
	}
	now := s.now().UTC()
	var key strings.Builder
	fmt.Fprintf(&key, "%s|%s", sc.ID, now.Format(time.DateOnly))
	for _, p := range ps {
		fmt.Fprintf(&key, "|%s/%s@%d", p.Source, p.Period, p.Ingested.UnixNano())
	}
	c := s.cfg
	return cost.Common{
		Store: s.cost, Cost: c.Cost,
		Keys:     cost.Keys{System: c.Tags.SystemKey, Env: c.Tags.EnvKey, Owner: c.Tags.OwnerKey},
		Naming:   c.NamingRule(),
		Currency: c.Currency.Code, Rate: c.Currency.Rate,
		Resources: rs,
		Now:       now, Logger: s.log, Schedules: c.ScheduleResolver(),
	}, key.String(), nil
}

// attributionOnly is a resource with only what attributing spend reads
// (owner.Resolve: its ids, name, tags, managed-by and creator): a scan's
// resources held this way for the cost page are a fraction of their whole
// size.
func attributionOnly(r *inventory.Resource) inventory.Resource {
	return inventory.Resource{ARN: r.ARN, ID: r.ID, Account: r.Account, Type: r.Type, Name: r.Name, Tags: r.Tags, Origin: r.Origin}
}

// billedResources are the resources of a scan (each reads them one at a
// time, in ARN order) that attributing o's bill can look up, held with
// only what attribution reads: those whose ARN or native id a rollup
// names as its resource (or as the id's last segment, as
// cost.Attributor.Resource looks it up), and the parents of the
// service-managed ones among them. A rollup whose bill tags place it
// whole looks up no resource, so its resource is not kept. Every
// resource a lookup could answer with is kept, in the scan's order, so
// attribution over them is the same as over the whole scan, while what
// is held grows with the resources the bill names, not with the estate.
// The parents of kept resources no rollup names are read by ARN (at);
// the scan is read again only for a parent whose reference is no ARN of
// the scan.
func billedResources(ctx context.Context, o cost.Common, each func(func(*inventory.Resource) error) error, at func(arn string) (*inventory.Resource, error)) ([]inventory.Resource, error) {
	attr := cost.NewAttributor(o.Keys, o.Naming, nil, o.Cost.VirtualTags)
	names := map[string]bool{}
	if err := o.Store.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error {
		if _, whole := attr.TagsAttribution(r.Tags); !whole {
			addLookupNames(names, r.Resource)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read the bill's resources: %w", err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	read := func() ([]inventory.Resource, error) {
		var rs []inventory.Resource
		err := each(func(r *inventory.Resource) error {
			if names[r.ARN] || (r.ID != "" && names[r.ID]) {
				rs = append(rs, attributionOnly(r))
			}
			return nil
		})
		return rs, err
	}
	rs, err := read()
	if err != nil {
		return nil, err
	}
	// A parent found by ARN is what a lookup of its reference finds
	// (an ARN is looked up before any id); its own id, if a rollup named
	// it, kept it already, so it changes no other lookup.
	kept := map[string]bool{}
	for i := range rs {
		kept[rs[i].ARN] = true
	}
	var refs []string
	for i := range rs {
		if ref := rs[i].ManagedBy().Ref; rs[i].ManagedBy().Kind == "service" && ref != "" && !names[ref] && !kept[ref] {
			refs = append(refs, ref)
			kept[ref] = true
		}
	}
	again := false
	for _, ref := range refs {
		p, err := at(ref)
		switch {
		case errors.Is(err, store.ErrNotFound):
			again = addLookupNames(names, ref) || again
		case err != nil:
			return nil, fmt.Errorf("read parent %s: %w", ref, err)
		default:
			rs = append(rs, attributionOnly(p))
		}
	}
	if !again {
		return rs, nil
	}
	for i := range rs {
		names[rs[i].ARN] = true
	}
	return read()
}

// addLookupNames adds to names what cost.Attributor.Resource looks id up
// by: the id, then its last segment after a "/" or ":". It says whether
// one was new.
func addLookupNames(names map[string]bool, id string) bool {
	if id == "" {
		return false
	}
	added := !names[id]
	names[id] = true
	if i := strings.LastIndexAny(id, "/:"); i >= 0 && !names[id[i+1:]] {
		names[id[i+1:]] = true
		added = true
	}
	return added
}

// costPageViews are what the cost page shows for one scan, bill and day:
// every breakdown, the daily spend and the budget check, worked out
// together so that the scan's resources the bill names (billedResources)
// are read once, held only while spend is attributed to them, and not
// kept. Problem is why the bill
// cannot be shown (mixed currencies, no rate): the reader's to fix, the
// same for every view of it.
type costPageViews struct {
	show    map[string]*cost.ShowResult
	daily   *cost.DailyResult
	check   *cost.CheckResult
	problem error
}

func (s *Server) workCostPage(ctx context.Context, sc *inventory.Scan) (*costPageViews, error) {
	began := time.Now()
	o, _, err := s.costCommon(ctx, sc, nil)
	if err != nil {
		return nil, err
	}
	rs, err := billedResources(ctx, o,
		func(fn func(*inventory.Resource) error) error { return s.store.EachResource(ctx, sc.ID, fn) },
		func(arn string) (*inventory.Resource, error) { return s.store.ResourceAt(ctx, sc.ID, arn) })
	if err != nil {
		return nil, fmt.Errorf("resources of scan %s: %w", sc.ID, err)
	}
	o.Resources = rs
	out := &costPageViews{show: map[string]*cost.ShowResult{}}
	for _, by := range costBys {
		if out.show[by], out.problem = cost.Show(ctx, cost.ShowOptions{Common: o, By: by}); out.problem != nil {
			return out, nil
		}
	}
	if out.daily, out.problem = cost.Daily(ctx, cost.ShowOptions{Common: o}); out.problem != nil {
		return out, nil
	}
	out.check, out.problem = cost.Check(ctx, o)
	s.log.Info("dashboard: cost page worked out", "scan", sc.ID, "resources", len(rs), "took", time.Since(began).Round(time.Millisecond))
	return out, nil
}

// monthView is this month against last, by service, for the overview.
// Grouped by service, the bill's lines are all it reads: no resource or
// finding is needed to attribute them, so none is loaded.
func (s *Server) monthView(ctx context.Context, sc *inventory.Scan) (*cost.MonthResult, error) {
	o, key, err := s.costCommon(ctx, sc, nil)
	if err != nil {
		return nil, err
	}
	v, err := s.costs.get(key, "month", func() (any, error) {
		return cost.Month(ctx, cost.ShowOptions{Common: o, By: "service"}, 5)
	})
	if err != nil {
		return nil, err
	}
	return v.(*cost.MonthResult), nil
}

// costBys are the breakdowns the cost page offers.
var costBys = []string{"system", "env", "owner", "service"}

type costData struct {
	By      string
	Bys     []string
	Show    *cost.ShowResult
	Daily   *cost.DailyResult
	Check   *cost.CheckResult
	Chart   chartData
	NoBill  bool
	Problem string
}

func (s *Server) costPage(w http.ResponseWriter, r *http.Request) {
	sc, ok := s.head(w, r)
	if !ok {
		return
	}
	v := s.newView(w, r, "cost")
	v.Title = v.L.T("web.nav.cost")
	d := &costData{By: r.URL.Query().Get("by"), Bys: costBys}
	v.Data = d
	if d.By == "" {
		d.By = "system"
	}
	if !slices.Contains(costBys, d.By) {
		w.WriteHeader(http.StatusBadRequest)
		d.Problem = fmt.Sprintf("by: %q is not valid (valid: %s)", d.By, strings.Join(costBys, ", "))
		s.render(w, "cost", "", v)
		return
	}
	_, key, err := s.costCommon(r.Context(), sc, nil)
	if errors.Is(err, errNoBill) {
		d.NoBill = true
		s.render(w, "cost", "", v)
		return
	}
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), loadWait)
	views, err := s.costPages.get(ctx, key, func(ctx context.Context) (*costPageViews, error) { return s.workCostPage(ctx, sc) })
	cancel()
	if !s.loaded(w, r, err) {
		return
	}
	if views.problem != nil {
		// A bill steward cannot show (mixed currencies, no rate) is the
		// reader's to fix: say why on the page.
		s.log.Warn("cost page", "err", views.problem)
		d.Problem = views.problem.Error()
		s.render(w, "cost", "", v)
		return
	}
	d.Show, d.Daily, d.Check = views.show[d.By], views.daily, views.check
	d.Chart = chartData{Kind: "money", XLabel: v.L.T("web.chart.day"), Currency: d.Daily.Currency, Series: []chartSeries{{Label: v.L.T("web.cost.daily.series")}}}
	for _, day := range d.Daily.Days {
		t, _ := time.Parse(time.DateOnly, day.Day)
		d.Chart.X = append(d.Chart.X, t.Unix())
		d.Chart.Series[0].Values = append(d.Chart.Series[0].Values, point(day.Cost.Float64()))
	}
	s.render(w, "cost", "", v)
}

// chartData is what app.js hands uPlot: x as Unix seconds, one series per
// line, labels already in the page's language.
type chartData struct {
	// Kind says how app.js writes the values: count, money, hours or
	// percent.
	Kind     string        `json:"kind"`
	XLabel   string        `json:"x_label"`
	Currency string        `json:"currency,omitempty"`
	X        []int64       `json:"x"`
	Series   []chartSeries `json:"series"`
}

// chartSeries is one line. A nil value is a point with nothing to
// measure (a week without a change shipped has no lead time): it is
// written as null, which uPlot draws as a gap, never as a zero.
type chartSeries struct {
	Label  string     `json:"label"`
	Color  string     `json:"color,omitempty"`
	Values []*float64 `json:"values"`
}

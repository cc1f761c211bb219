package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/store"
)

// sortKeys are the findings table's sortable columns.
var sortKeys = func() []string {
	out := make([]string, len(store.FindingSorts))
	for i, k := range store.FindingSorts {
		out[i] = string(k)
	}
	return out
}()

// pageSize is how many findings a page shows: the table pages, it never
// renders every finding of a large estate.
const pageSize = 50

// findingQuery is the findings page's filter, sort and page, read from
// the query string so every view has a link.
type findingQuery struct {
	Owner, System, Env, Account string
	Category                    string
	Severity                    string
	New                         bool
	Sort                        string
	Desc                        bool
	// Page numbers the page; After and Before, when set, are the store's
	// cursor of the page before (after) it, which the page links carry so
	// that a deep page costs what the first does.
	Page          int
	After, Before string

	sev    finding.Severity
	hasSev bool
}

// parseFindingQuery reads and checks the query; a bad value is an error
// naming the parameter and what would be valid.
func parseFindingQuery(q url.Values) (findingQuery, error) {
	fq := findingQuery{
		Owner: q.Get("owner"), System: q.Get("system"), Env: q.Get("env"), Account: q.Get("account"),
		Category: q.Get("category"), Severity: q.Get("severity"), Sort: q.Get("sort"), Page: 1,
		After: q.Get("after"), Before: q.Get("before"),
	}
	if fq.Severity != "" {
		s, err := finding.ParseSeverity(fq.Severity)
		if err != nil {
			return fq, fmt.Errorf("severity: %w", err)
		}
		fq.sev, fq.hasSev, fq.Severity = s, true, s.String()
	}
	if fq.Category != "" {
		c, err := finding.ParseCategory(fq.Category)
		if err != nil {
			return fq, fmt.Errorf("category: %w", err)
		}
		fq.Category = string(c)
	}
	switch v := q.Get("new"); v {
	case "", "0", "false":
	case "1", "true":
		fq.New = true
	default:
		return fq, fmt.Errorf("new: %q is not valid (valid: 1, 0)", v)
	}
	if fq.Sort == "" {
		fq.Sort, fq.Desc = "severity", true
	} else if !slices.Contains(sortKeys, fq.Sort) {
		return fq, fmt.Errorf("sort: %q is not valid (valid: %v)", fq.Sort, sortKeys)
	}
	switch v := q.Get("dir"); v {
	case "":
		if q.Get("sort") != "" {
			fq.Desc = fq.Sort == "severity" || fq.Sort == "waste"
		}
	case "asc":
		fq.Desc = false
	case "desc":
		fq.Desc = true
	default:
		return fq, fmt.Errorf("dir: %q is not valid (valid: asc, desc)", v)
	}
	if v := q.Get("page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 {
			return fq, fmt.Errorf("page: %q is not a page number (1, 2, ...)", v)
		}
		fq.Page = p
	}
	for _, c := range []struct{ name, v string }{{"after", fq.After}, {"before", fq.Before}} {
		if c.v != "" {
			if err := store.CheckCursor(c.name, c.v); err != nil {
				return fq, err
			}
		}
	}
	if fq.After != "" && fq.Before != "" {
		return fq, fmt.Errorf("after and before: give one (a page link carries one)")
	}
	return fq, nil
}

// storeQuery is the query as the store's finding index takes it, for the
// page asked for.
func (fq findingQuery) storeQuery() store.FindingQuery {
	q := store.FindingQuery{
		Owner: fq.Owner, System: fq.System, Env: fq.Env, Account: fq.Account,
		Category: finding.Category(fq.Category), Severity: fq.sev, HasSeverity: fq.hasSev, NewOnly: fq.New,
		Sort: store.FindingSort(fq.Sort), Desc: fq.Desc, Limit: pageSize,
	}
	switch {
	case fq.After != "":
		q.After = fq.After
	case fq.Before != "":
		q.Before = fq.Before
	default:
		q.Offset = (fq.Page - 1) * pageSize
	}
	return q
}

// values is the query as URL parameters, with overrides.
func (fq findingQuery) values(set ...string) url.Values {
	v := url.Values{}
	add := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	add("owner", fq.Owner)
	add("system", fq.System)
	add("env", fq.Env)
	add("account", fq.Account)
	add("category", fq.Category)
	add("severity", fq.Severity)
	if fq.New {
		v.Set("new", "1")
	}
	add("sort", fq.Sort)
	if fq.Desc {
		v.Set("dir", "desc")
	} else {
		v.Set("dir", "asc")
	}
	if fq.Page > 1 {
		v.Set("page", strconv.Itoa(fq.Page))
	}
	add("after", fq.After)
	add("before", fq.Before)
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	return v
}

// URL is the findings page with this query and the overrides.
func (fq findingQuery) URL(set ...string) string {
	return "/findings?" + fq.values(set...).Encode()
}

// SortURL is the link of a column heading: sort by key, or flip the
// direction when already sorted by it.
func (fq findingQuery) SortURL(key string) string {
	dir := "asc"
	if key == "severity" || key == "waste" {
		dir = "desc"
	}
	if fq.Sort == key {
		dir = "desc"
		if fq.Desc {
			dir = "asc"
		}
	}
	return fq.URL("sort", key, "dir", dir, "page", "", "after", "", "before", "")
}

// Arrow marks the column the table is sorted by.
func (fq findingQuery) Arrow(key string) string {
	switch {
	case fq.Sort != key:
		return ""
	case fq.Desc:
		return "▼"
	}
	return "▲"
}

// findingRow is one line of the table.
type findingRow struct {
	*finding.Finding
	New   bool
	Waste float64
}

type findingsData struct {
	Q      findingQuery
	Facets store.FindingFacets
	Rows   []findingRow
	// Total is how many findings match; First and Last number the rows
	// shown (from 1).
	Total, First, Last int
	Pages              int
	// The pager's links: Prev and Next carry the store's cursor, First
	// and Last are page numbers (the last page is read from the end).
	Prev, Next, FirstURL, LastURL string
	Severities                    []finding.Severity
	Categories                    []finding.Category
	Error                         string
}

// findingsPage lists the latest scan's findings, filtered, sorted and
// paged by the store: the page reads the findings it shows and the
// counts, never the scan's other findings. An htmx request gets the table
// alone.
func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request) {
	sc, ok := s.head(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := s.newView(w, r, "findings")
	v.Title = v.L.T("web.nav.findings")
	facets, err := s.dash.facets(ctx, sc.ID)
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d := &findingsData{Facets: facets, Severities: []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Info}, Categories: finding.Categories}
	v.Data = d
	fq, err := parseFindingQuery(r.URL.Query())
	d.Q = fq
	if err != nil {
		d.Error = err.Error()
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, "findings", "", v)
		return
	}
	page, err := s.store.FindingPage(ctx, sc.ID, fq.storeQuery())
	if errors.Is(err, store.ErrStaleCursor) {
		// A link from before the latest scan (or of another order): its
		// page went with that scan, so show the first page of this one.
		fq.Page, fq.After, fq.Before = 1, "", ""
		d.Q = fq
		page, err = s.store.FindingPage(ctx, sc.ID, fq.storeQuery())
	}
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	for i := range page.Findings {
		d.Rows = append(d.Rows, s.findingRow(sc, &page.Findings[i], v.L))
	}
	n := page.Total
	d.Total = n
	d.Pages = max(1, (n+pageSize-1)/pageSize)
	if len(d.Rows) > 0 {
		first := (fq.Page-1)*pageSize + 1
		d.First, d.Last = first, first+len(d.Rows)-1
	}
	// Next and Prev carry the cursor of the row next to them; the first
	// and last pages are asked by number (the store reads the last from
	// its end), as is a page past the end, whose way back is the last.
	pageURL := func(n int, after, before string) string {
		p := ""
		if n > 1 {
			p = strconv.Itoa(n)
		}
		return fq.URL("page", p, "after", after, "before", before)
	}
	switch {
	case fq.Page > 1 && len(d.Rows) == 0:
		d.Prev = pageURL(d.Pages, "", "")
	case fq.Page == 2 && page.Prev != "":
		d.Prev = pageURL(1, "", "")
	case fq.Page > 1 && page.Prev != "":
		d.Prev = pageURL(fq.Page-1, "", page.Prev)
	}
	if page.Next != "" {
		d.Next = pageURL(fq.Page+1, page.Next, "")
	}
	if fq.Page > 2 {
		d.FirstURL = pageURL(1, "", "")
	}
	if fq.Page < d.Pages-1 {
		d.LastURL = pageURL(d.Pages, "", "")
	}
	block := ""
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "findings-table" {
		block = "table"
	}
	s.render(w, "findings", block, v)
}

// findingRow is a finding as the tables show it to a reader of lang: its
// texts in lang, new when first seen at the scan, its waste in the
// display currency (an amount whose rate is unknown stays as it was
// stored, as the report does).
func (s *Server) findingRow(sc *inventory.Scan, f *finding.Finding, lang i18n.Lang) findingRow {
	w, _ := money.Convert(f.MonthlyWaste, f.Currency, f.Rate, s.dash.currency, s.dash.rate)
	read := s.read(f, lang)
	return findingRow{Finding: &read, New: f.FirstSeen.Equal(sc.Started), Waste: w}
}

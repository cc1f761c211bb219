package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/steward-sre/steward/internal/finding"
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
	Page                        int

	sev    finding.Severity
	hasSev bool
}

// parseFindingQuery reads and checks the query; a bad value is an error
// naming the parameter and what would be valid.
func parseFindingQuery(q url.Values) (findingQuery, error) {
	fq := findingQuery{
		Owner: q.Get("owner"), System: q.Get("system"), Env: q.Get("env"), Account: q.Get("account"),
		Category: q.Get("category"), Severity: q.Get("severity"), Sort: q.Get("sort"), Page: 1,
	}
	if fq.Severity != "" {
		s, err := finding.ParseSeverity(fq.Severity)
		if err != nil {
			return fq, fmt.Errorf("severity: %w", err)
		}
		fq.sev, fq.hasSev, fq.Severity = s, true, s.String()
	}
	if fq.Category != "" {
		if _, err := finding.ParseCategory(fq.Category); err != nil {
			return fq, fmt.Errorf("category: %w", err)
		}
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
	return fq, nil
}

// storeQuery is the query as the store's finding index takes it, for the
// page asked for.
func (fq findingQuery) storeQuery() store.FindingQuery {
	return store.FindingQuery{
		Owner: fq.Owner, System: fq.System, Env: fq.Env, Account: fq.Account,
		Category: finding.Category(fq.Category), Severity: fq.sev, HasSeverity: fq.hasSev, NewOnly: fq.New,
		Sort: store.FindingSort(fq.Sort), Desc: fq.Desc,
		Offset: (fq.Page - 1) * pageSize, Limit: pageSize,
	}
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
	return fq.URL("sort", key, "dir", dir, "page", "")
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
	Prev, Next         string
	Severities         []finding.Severity
	Categories         []finding.Category
	Error              string
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
	sq := fq.storeQuery()
	page, err := s.store.FindingPage(ctx, sc.ID, sq)
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	for i := range page.Findings {
		d.Rows = append(d.Rows, s.findingRow(sc, &page.Findings[i]))
	}
	n := page.Total
	d.Total = n
	d.Pages = max(1, (n+pageSize-1)/pageSize)
	if len(d.Rows) > 0 {
		d.First, d.Last = sq.Offset+1, sq.Offset+len(d.Rows)
	}
	if fq.Page > 1 {
		d.Prev = fq.URL("page", strconv.Itoa(fq.Page-1))
	}
	if fq.Page < d.Pages {
		d.Next = fq.URL("page", strconv.Itoa(fq.Page+1))
	}
	block := ""
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "findings-table" {
		block = "table"
	}
	s.render(w, "findings", block, v)
}

// findingRow is a finding as the tables show it: new when first seen at
// the scan, its waste in the display currency (an amount whose rate is
// unknown stays as it was stored, as the report does).
func (s *Server) findingRow(sc *inventory.Scan, f *finding.Finding) findingRow {
	w, _ := money.Convert(f.MonthlyWaste, f.Currency, f.Rate, s.dash.currency, s.dash.rate)
	return findingRow{Finding: f, New: f.FirstSeen.Equal(sc.Started), Waste: w}
}

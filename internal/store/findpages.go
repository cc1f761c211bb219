package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// A page of findings reads only what it shows. A finding's filterable and
// sortable fields live in its JSON body, so each scan's findings are
// indexed once (migrations 0010 and 0015): finding_pages holds the filter
// fields as columns and, for each order, the finding's rank in it;
// finding_counts and finding_facets hold the totals. A reader loads a
// scan's finding_pages once and pages through it in memory (findindex.go):
// from the rank of the last row shown (keyset paging, FindingQuery.After),
// each view costs the same at any depth. A scan is indexed when it is
// saved (with the scans whose lifecycle its save replayed), or on first
// read for a store written before. finding_pages is kept for the latest
// keepPaged scans in scan order, the ones the dashboard pages through;
// counts and facets for every scan.

// FindingPages reads the findings of a scan a page at a time, and their
// totals, without reading the scan's other findings.
type FindingPages interface {
	// FindingSummary counts a scan's open findings by severity, category,
	// new or not, and the currency of their waste.
	FindingSummary(ctx context.Context, scanID string) (FindingSummary, error)
	// FindingFacets lists the owners, systems, envs and accounts a scan's
	// findings have, each sorted, the empty value left out.
	FindingFacets(ctx context.Context, scanID string) (FindingFacets, error)
	// FindingPage is the findings of a scan that match q, in q's order,
	// from q.Offset or next to q's cursor, at most q.Limit; with how many
	// match in all and the cursors of the pages before and after it.
	FindingPage(ctx context.Context, scanID string, q FindingQuery) (FindingPage, error)
	// ResourceFindings is the findings open at a scan on one resource,
	// sorted by policy.
	ResourceFindings(ctx context.Context, scanID, arn string) ([]finding.Finding, error)
	// ResourceAt is a resource as a scan saw it; ErrNotFound when the scan
	// did not have it.
	ResourceAt(ctx context.Context, scanID, arn string) (*inventory.Resource, error)
	// EachResource calls fn with each resource of a scan in ARN order,
	// holding one at a time; an error from fn stops it and is returned.
	EachResource(ctx context.Context, scanID string, fn func(*inventory.Resource) error) error
}

// FindingCount is how many open findings of a scan share a severity,
// category, newness and waste currency, and their monthly waste summed in
// that currency (Rate units per US dollar, as the findings carry it).
type FindingCount struct {
	Severity finding.Severity
	Category finding.Category
	New      bool
	Currency string
	Rate     float64
	Findings int
	Waste    float64
}

// FindingSummary is a scan's open findings counted.
type FindingSummary struct {
	Total  int
	Counts []FindingCount
}

// FindingFacets are the values a findings filter can pick.
type FindingFacets struct {
	Owners, Systems, Envs, Accounts []string
}

// FindingSort is an order of the findings table. Every order breaks ties
// by policy, then ARN.
type FindingSort string

const (
	// SortSeverity orders by severity; among equal severities, ascending
	// puts policy and ARN last first, so descending (the default) reads
	// highest severity first, then by policy and ARN.
	SortSeverity  FindingSort = "severity"
	SortPolicy    FindingSort = "policy"
	SortResource  FindingSort = "resource" // the resource's name, else its ARN
	SortAccount   FindingSort = "account"
	SortOwner     FindingSort = "owner"
	SortWaste     FindingSort = "waste" // monthly waste in US dollars
	SortFirstSeen FindingSort = "first_seen"
)

// FindingSorts are the orders FindingPage knows.
var FindingSorts = []FindingSort{SortSeverity, SortPolicy, SortResource, SortAccount, SortOwner, SortWaste, SortFirstSeen}

// FindingQuery picks, orders and pages a scan's findings. An empty string
// field does not filter.
type FindingQuery struct {
	Owner, System, Env, Account string
	Category                    finding.Category
	// Severity filters when HasSeverity is set.
	Severity    finding.Severity
	HasSeverity bool
	// NewOnly keeps the findings first seen at the scan.
	NewOnly bool
	Sort    FindingSort // SortSeverity when empty
	Desc    bool
	// Offset skips that many findings. A page by offset costs more the
	// deeper it is once filtered (up to half the filter's findings, read
	// from whichever end is nearer); After and Before cost the same at any
	// depth.
	Offset int
	// After is a cursor (FindingPage.Next): the page is the findings just
	// after it. Before is one too (FindingPage.Prev): the page is the
	// Limit findings just before it. A cursor holds for the scan and order
	// it came from, in either direction; another scan's is ErrStaleCursor.
	// At most one of Offset, After and Before.
	After, Before string
	Limit         int // at most maxPageLimit; 0 means pageLimitDefault
}

// FindingPage is one page of findings and how many match in all.
type FindingPage struct {
	Total    int
	Findings []finding.Finding
	// Prev and Next are cursors for the page before this one (as Before)
	// and the one after it (as After); empty when there is none.
	Prev, Next string
}

// ErrStaleCursor is returned for a page asked after or before a cursor of
// another scan: the page that cursor named is gone with its scan.
var ErrStaleCursor = errors.New("the cursor is of another scan")

const (
	// keepPaged is how many of the latest scans keep finding_pages rows.
	keepPaged        = 2
	pageLimitDefault = 50
	maxPageLimit     = 1000
)

// indexedScan is a scan's row in finding_indexed.
type indexedScan struct {
	findings int
	paged    bool
	// generation is new each time the scan is indexed.
	generation int64
}

func (s *sqlStore) indexState(ctx context.Context, q rowQuerier, seq int64) (indexedScan, bool, error) {
	var st indexedScan
	err := q.QueryRowContext(ctx, `SELECT findings, paged, generation FROM finding_indexed WHERE scan_seq = ?`, seq).Scan(&st.findings, &st.paged, &st.generation)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read finding index of scan %d: %w", seq, err)
	}
	return st, true, nil
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// indexed makes sure a scan's findings are indexed (with finding_pages
// when paged is set), indexing them now when they are not: a store
// written before migration 0010, or an older scan asked for a page.
func (s *sqlStore) indexed(ctx context.Context, row scanRow, paged bool) (indexedScan, error) {
	st, ok, err := s.indexState(ctx, s.db, row.seq)
	if err != nil || (ok && (st.paged || !paged)) {
		return st, err
	}
	if s.readOnly {
		return st, i18n.Say("store.err.notindexed", row.scan.ID).ErrOf(ErrReadOnly)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return st, fmt.Errorf("index findings of scan %s: begin: %w", row.scan.ID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Another reader may have indexed it while this one waited.
	st, ok, err = s.indexState(ctx, tx, row.seq)
	if err != nil || (ok && (st.paged || !paged)) {
		return st, err
	}
	if st, err = indexFindings(ctx, tx, row.seq, row.scan.Started.UnixNano(), paged); err != nil {
		return st, fmt.Errorf("index findings of scan %s: %w", row.scan.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("index findings of scan %s: commit: %w", row.scan.ID, s.describe(err))
	}
	return st, nil
}

// reindexAfterSave indexes a scan just saved from its rows (worked out by
// the save, in (policy, arn) order), and again the scans whose lifecycle
// its save replayed (their first-seen times may have moved), then drops the
// finding_pages of scans no longer among the latest.
func reindexAfterSave(ctx context.Context, tx *sqldb.Tx, seq int64, rows []pageRow, later []int64) error {
	latest, err := latestSeqs(ctx, tx, keepPaged)
	if err != nil {
		return err
	}
	if _, err := writeIndex(ctx, tx, seq, rows, slices.Contains(latest, seq)); err != nil {
		return fmt.Errorf("index findings of scan %d: %w", seq, err)
	}
	for _, sq := range later {
		var started int64
		if err := tx.QueryRowContext(ctx, `SELECT started_at FROM scans WHERE seq = ?`, sq).Scan(&started); err != nil {
			return fmt.Errorf("index findings: read scan %d: %w", sq, err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM finding_indexed WHERE scan_seq = ?`, sq).Scan(&n); err != nil {
			return fmt.Errorf("index findings of scan %d: %w", sq, err)
		}
		if n == 0 {
			continue // never indexed: it will be when read
		}
		if _, err := indexFindings(ctx, tx, sq, started, slices.Contains(latest, sq)); err != nil {
			return fmt.Errorf("index findings of scan %d: %w", sq, err)
		}
	}
	return prunePages(ctx, tx, latest)
}

// latestSeqs is the seqs of the n latest scans in scan order.
func latestSeqs(ctx context.Context, tx *sqldb.Tx, n int) ([]int64, error) {
	q, err := tx.QueryContext(ctx, `SELECT seq FROM scans ORDER BY started_at DESC, seq DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("read latest scans: %w", err)
	}
	defer q.Close()
	var out []int64
	for q.Next() {
		var seq int64
		if err := q.Scan(&seq); err != nil {
			return nil, fmt.Errorf("read latest scans: %w", err)
		}
		out = append(out, seq)
	}
	return out, q.Err()
}

// prunePages drops finding_pages rows of every scan but keep's.
func prunePages(ctx context.Context, tx *sqldb.Tx, keep []int64) error {
	var older []int64
	q, err := tx.QueryContext(ctx, `SELECT scan_seq FROM finding_indexed WHERE paged`)
	if err != nil {
		return fmt.Errorf("prune finding pages: %w", err)
	}
	for q.Next() {
		var seq int64
		if err := q.Scan(&seq); err != nil {
			q.Close()
			return fmt.Errorf("prune finding pages: %w", err)
		}
		if !slices.Contains(keep, seq) {
			older = append(older, seq)
		}
	}
	q.Close()
	if err := q.Err(); err != nil {
		return fmt.Errorf("prune finding pages: %w", err)
	}
	for _, seq := range older {
		if _, err := tx.ExecContext(ctx, `DELETE FROM finding_pages WHERE scan_seq = ?`, seq); err != nil {
			return fmt.Errorf("prune finding pages of scan %d: %w", seq, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE finding_indexed SET paged = ? WHERE scan_seq = ?`, false, seq); err != nil {
			return fmt.Errorf("prune finding pages of scan %d: %w", seq, err)
		}
	}
	return nil
}

// pageRow is one finding_pages row.
type pageRow struct {
	episode   int64
	severity  int
	category  string
	owner     string
	system    string
	env       string
	account   string
	name      string
	isNew     bool
	wasteUSD  float64
	firstSeen int64
	waste     float64
	currency  string
	rate      float64
	// policy and arn order the rows of a scan built in memory.
	policy, arn string
	// ranks in each order but the policy's (pos, the row's index)
	bySeverity, byName, byAccount, byOwner, byWaste, byFirstSeen int32
}

// newPageRow is the index row of a finding of episode ep first seen at
// firstSeen, open at a scan started at started.
func newPageRow(f indexedFields, ep, firstSeen, started int64) pageRow {
	r := pageRow{episode: ep, firstSeen: firstSeen, policy: f.Policy, arn: f.ARN}
	r.severity, r.category = int(f.Severity), string(f.Category)
	r.owner, r.system, r.env, r.account = f.Owner, f.System, f.Env, f.Account
	r.name = f.Name
	if r.name == "" {
		r.name = f.ARN
	}
	r.isNew = firstSeen == started
	// Sorting by dollars is sorting by any one display currency; an
	// amount whose rate is unknown stays as stored, as the report does.
	r.wasteUSD, _ = money.Convert(f.MonthlyWaste, f.Currency, f.Rate, money.USD, 1)
	r.waste, r.currency, r.rate = f.MonthlyWaste, f.Currency, f.Rate
	return r
}

// matchFields is what the index reads of a finding, as its stored body
// says.
func matchFields(m *finding.Match) indexedFields {
	r, s := m.Rule, m.Subject
	return indexedFields{
		Policy: r.Policy, Category: r.Category, Severity: r.Severity, Account: s.Account, Name: s.Name, ARN: s.ARN,
		Owner: s.Owner, System: s.System, Env: s.Env, MonthlyWaste: m.MonthlyWaste, Currency: r.Currency, Rate: r.Rate,
	}
}

// rankRows sets each row's rank in each order. rows are in (policy, ARN)
// order, so a row's index is its pos, which breaks every tie: ascending,
// except in the severity order, where equal severities put policy and
// ARN last first, so that read backwards (the default) it is highest
// severity first, then by policy and ARN.
func rankRows(rows []pageRow) {
	perm := make([]int32, len(rows))
	for _, o := range []struct {
		cmp  func(a, b *pageRow) int
		rank func(r *pageRow) *int32
		desc bool // ties by pos, last first
	}{
		{func(a, b *pageRow) int { return cmp.Compare(a.severity, b.severity) }, func(r *pageRow) *int32 { return &r.bySeverity }, true},
		{func(a, b *pageRow) int { return strings.Compare(a.name, b.name) }, func(r *pageRow) *int32 { return &r.byName }, false},
		{func(a, b *pageRow) int { return strings.Compare(a.account, b.account) }, func(r *pageRow) *int32 { return &r.byAccount }, false},
		{func(a, b *pageRow) int { return strings.Compare(a.owner, b.owner) }, func(r *pageRow) *int32 { return &r.byOwner }, false},
		{func(a, b *pageRow) int { return cmp.Compare(a.wasteUSD, b.wasteUSD) }, func(r *pageRow) *int32 { return &r.byWaste }, false},
		{func(a, b *pageRow) int { return cmp.Compare(a.firstSeen, b.firstSeen) }, func(r *pageRow) *int32 { return &r.byFirstSeen }, false},
	} {
		for i := range perm {
			perm[i] = int32(i)
		}
		slices.SortFunc(perm, func(i, j int32) int {
			if c := o.cmp(&rows[i], &rows[j]); c != 0 {
				return c
			}
			if o.desc {
				return cmp.Compare(j, i)
			}
			return cmp.Compare(i, j)
		})
		for rank, i := range perm {
			*o.rank(&rows[i]) = int32(rank)
		}
	}
}

// indexedFields are the parts of a finding's body the index reads.
type indexedFields struct {
	Policy       string           `json:"policy"`
	Category     finding.Category `json:"category"`
	Severity     finding.Severity `json:"severity"`
	Account      string           `json:"account"`
	Name         string           `json:"name"`
	ARN          string           `json:"arn"`
	Owner        string           `json:"owner"`
	System       string           `json:"system"`
	Env          string           `json:"env"`
	MonthlyWaste float64          `json:"monthly_waste"`
	Currency     string           `json:"currency"`
	Rate         float64          `json:"rate"`
}

// indexFindings (re)builds a scan's counts and facets, and its
// finding_pages rows when paged is set.
func indexFindings(ctx context.Context, tx *sqldb.Tx, seq, started int64, paged bool) (indexedScan, error) {
	for _, t := range []string{"finding_pages", "finding_counts", "finding_facets", "finding_indexed"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE scan_seq = ?`, seq); err != nil {
			return indexedScan{}, fmt.Errorf("clear %s: %w", t, err)
		}
	}
	q, err := tx.QueryContext(ctx, `SELECT e.id, e.first_seen, fv.body FROM scan_findings sf
		JOIN finding_episodes e ON e.id = sf.episode_id
		JOIN finding_versions fv ON fv.hash = sf.body_hash
		WHERE sf.scan_seq = ? ORDER BY e.policy, e.arn`, seq)
	if err != nil {
		return indexedScan{}, fmt.Errorf("read findings: %w", err)
	}
	var rows []pageRow
	for q.Next() {
		var (
			r    pageRow
			body []byte
			f    indexedFields
		)
		if err := q.Scan(&r.episode, &r.firstSeen, &body); err != nil {
			q.Close()
			return indexedScan{}, fmt.Errorf("read findings: %w", err)
		}
		if err := json.Unmarshal(body, &f); err != nil {
			q.Close()
			return indexedScan{}, fmt.Errorf("decode finding of episode %d: %w", r.episode, err)
		}
		rows = append(rows, newPageRow(f, r.episode, r.firstSeen, started))
	}
	q.Close()
	if err := q.Err(); err != nil {
		return indexedScan{}, fmt.Errorf("read findings: %w", err)
	}
	return writeIndex(ctx, tx, seq, rows, paged)
}

// writeIndex writes a scan's index from its rows, in (policy, arn) order.
// The scan has none yet.
func writeIndex(ctx context.Context, tx *sqldb.Tx, seq int64, rows []pageRow, paged bool) (indexedScan, error) {
	if paged {
		rankRows(rows)
		if err := insertPages(ctx, tx, seq, rows); err != nil {
			return indexedScan{}, err
		}
	}
	if err := insertCounts(ctx, tx, seq, rows); err != nil {
		return indexedScan{}, err
	}
	if err := insertFacets(ctx, tx, seq, rows); err != nil {
		return indexedScan{}, err
	}
	st := indexedScan{findings: len(rows), paged: paged, generation: rand.Int64()}
	if _, err := tx.ExecContext(ctx, `INSERT INTO finding_indexed (scan_seq, findings, paged, generation) VALUES (?, ?, ?, ?)`,
		seq, st.findings, paged, st.generation); err != nil {
		return st, fmt.Errorf("record finding index: %w", err)
	}
	return st, nil
}

func insertPages(ctx context.Context, tx *sqldb.Tx, seq int64, rows []pageRow) error {
	cols := []string{"scan_seq", "pos", "episode_id", "severity", "category", "owner", "system", "env", "account", "is_new",
		"by_severity", "by_name", "by_account", "by_owner", "by_waste", "by_first_seen"}
	if err := insertRows(ctx, tx, "finding_pages", cols, len(rows), func(i int, d []any) {
		r := &rows[i]
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = seq, int64(i), r.episode, int64(r.severity), r.category, r.owner, r.system, r.env
		d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15] = r.account, r.isNew, int64(r.bySeverity), int64(r.byName), int64(r.byAccount), int64(r.byOwner), int64(r.byWaste), int64(r.byFirstSeen)
	}); err != nil {
		return fmt.Errorf("insert finding pages: %w", err)
	}
	return nil
}

type countKey struct {
	severity int
	category string
	isNew    bool
	currency string
	rate     float64
}

func insertCounts(ctx context.Context, tx *sqldb.Tx, seq int64, rows []pageRow) error {
	type sum struct {
		n     int
		waste float64
	}
	counts := map[countKey]*sum{}
	var keys []countKey
	for i := range rows {
		r := &rows[i]
		k := countKey{r.severity, r.category, r.isNew, r.currency, r.rate}
		c := counts[k]
		if c == nil {
			c = &sum{}
			counts[k] = c
			keys = append(keys, k)
		}
		c.n++
		c.waste += r.waste
	}
	for _, k := range keys {
		c := counts[k]
		if _, err := tx.ExecContext(ctx, `INSERT INTO finding_counts (scan_seq, severity, category, is_new, currency, rate, findings, waste)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, seq, k.severity, k.category, k.isNew, k.currency, k.rate, c.n, c.waste); err != nil {
			return fmt.Errorf("insert finding counts: %w", err)
		}
	}
	return nil
}

// Facet fields, as stored in finding_facets.field.
const (
	facetOwner   = "owner"
	facetSystem  = "system"
	facetEnv     = "env"
	facetAccount = "account"
)

func insertFacets(ctx context.Context, tx *sqldb.Tx, seq int64, rows []pageRow) error {
	counts := map[[2]string]int{}
	for i := range rows {
		r := &rows[i]
		for _, fv := range [][2]string{{facetOwner, r.owner}, {facetSystem, r.system}, {facetEnv, r.env}, {facetAccount, r.account}} {
			if fv[1] != "" {
				counts[fv]++
			}
		}
	}
	for fv, n := range counts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO finding_facets (scan_seq, field, value, findings) VALUES (?, ?, ?, ?)`, seq, fv[0], fv[1], n); err != nil {
			return fmt.Errorf("insert finding facets: %w", err)
		}
	}
	return nil
}

func (s *sqlStore) FindingSummary(ctx context.Context, scanID string) (FindingSummary, error) {
	var out FindingSummary
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return out, err
	}
	st, err := s.indexed(ctx, row, false)
	if err != nil {
		return out, err
	}
	out.Total = st.findings
	q, err := s.db.QueryContext(ctx, `SELECT severity, category, is_new, currency, rate, findings, waste
		FROM finding_counts WHERE scan_seq = ? ORDER BY severity DESC, category, is_new, currency, rate`, row.seq)
	if err != nil {
		return out, fmt.Errorf("count findings of scan %s: %w", scanID, err)
	}
	defer q.Close()
	for q.Next() {
		var c FindingCount
		if err := q.Scan(&c.Severity, &c.Category, &c.New, &c.Currency, &c.Rate, &c.Findings, &c.Waste); err != nil {
			return out, fmt.Errorf("count findings of scan %s: %w", scanID, err)
		}
		out.Counts = append(out.Counts, c)
	}
	if err := q.Err(); err != nil {
		return out, fmt.Errorf("count findings of scan %s: %w", scanID, err)
	}
	return out, nil
}

func (s *sqlStore) FindingFacets(ctx context.Context, scanID string) (FindingFacets, error) {
	var out FindingFacets
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return out, err
	}
	if _, err := s.indexed(ctx, row, false); err != nil {
		return out, err
	}
	q, err := s.db.QueryContext(ctx, `SELECT field, value FROM finding_facets WHERE scan_seq = ? ORDER BY field, value`, row.seq)
	if err != nil {
		return out, fmt.Errorf("read facets of scan %s: %w", scanID, err)
	}
	defer q.Close()
	for q.Next() {
		var field, value string
		if err := q.Scan(&field, &value); err != nil {
			return out, fmt.Errorf("read facets of scan %s: %w", scanID, err)
		}
		switch field {
		case facetOwner:
			out.Owners = append(out.Owners, value)
		case facetSystem:
			out.Systems = append(out.Systems, value)
		case facetEnv:
			out.Envs = append(out.Envs, value)
		case facetAccount:
			out.Accounts = append(out.Accounts, value)
		}
	}
	if err := q.Err(); err != nil {
		return out, fmt.Errorf("read facets of scan %s: %w", scanID, err)
	}
	return out, nil
}

// check validates a query; the error names the field and what is valid.
func (q *FindingQuery) check() error {
	if q.Sort == "" {
		q.Sort = SortSeverity
	}
	if !slices.Contains(FindingSorts, q.Sort) {
		return fmt.Errorf("sort %q is not valid (valid: %v)", q.Sort, FindingSorts)
	}
	if q.Category != "" {
		if _, err := finding.ParseCategory(string(q.Category)); err != nil {
			return fmt.Errorf("category: %w", err)
		}
	}
	if q.HasSeverity && (q.Severity < finding.Info || q.Severity > finding.Critical) {
		return fmt.Errorf("severity %d is not valid (valid: %d to %d)", q.Severity, finding.Info, finding.Critical)
	}
	switch {
	case q.Offset < 0:
		return fmt.Errorf("offset %d is negative", q.Offset)
	case q.Limit < 0 || q.Limit > maxPageLimit:
		return fmt.Errorf("limit %d is not valid (valid: 1 to %d, or 0 for %d)", q.Limit, maxPageLimit, pageLimitDefault)
	case q.Limit == 0:
		q.Limit = pageLimitDefault
	}
	if (q.Offset > 0 && q.After+q.Before != "") || (q.After != "" && q.Before != "") {
		return fmt.Errorf("offset %d, after %q and before %q: give at most one", q.Offset, q.After, q.Before)
	}
	return nil
}

// cursor is a position in one scan's findings in one order: the rank
// there of the finding it names. Ranks are unique, so the findings after
// it are the ranks above (below, read backwards) it.
type cursor struct {
	seq  int64
	sort FindingSort
	rank int64
}

// String is the cursor as FindingPage gives it: seq.order.rank.
func (c cursor) String() string {
	return strconv.FormatInt(c.seq, 10) + "." + string(c.sort) + "." + strconv.FormatInt(c.rank, 10)
}

// CheckCursor says whether text is a cursor as FindingPage gives it,
// without a store: a page link's cursor is checked as it is read, and
// the error names what is wrong.
func CheckCursor(field, text string) error {
	_, err := parseCursor(field, text)
	return err
}

// parseCursor reads a cursor as String writes it; field names the query
// field in the error.
func parseCursor(field, text string) (cursor, error) {
	seq, rest, ok1 := strings.Cut(text, ".")
	order, rank, ok2 := strings.Cut(rest, ".")
	c := cursor{sort: FindingSort(order)}
	var err1, err2 error
	c.seq, err1 = strconv.ParseInt(seq, 10, 64)
	c.rank, err2 = strconv.ParseInt(rank, 10, 64)
	if known := slices.Contains(FindingSorts, c.sort); !ok1 || !ok2 || err1 != nil || err2 != nil || c.seq < 0 || c.rank < 0 || !known {
		return cursor{}, fmt.Errorf("%s %q is not a cursor of the findings (SEQ.ORDER.RANK, as a page's Prev or Next gives it)", field, text)
	}
	return c, nil
}

func (s *sqlStore) FindingPage(ctx context.Context, scanID string, fq FindingQuery) (FindingPage, error) {
	var out FindingPage
	if err := fq.check(); err != nil {
		return out, fmt.Errorf("findings of scan %s: %w", scanID, err)
	}
	var (
		cur   cursor
		field = "after"
		text  = fq.After
	)
	if fq.Before != "" {
		field, text = "before", fq.Before
	}
	if text != "" {
		var err error
		if cur, err = parseCursor(field, text); err != nil {
			return out, fmt.Errorf("findings of scan %s: %w", scanID, err)
		}
	}
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return out, err
	}
	if text != "" && (cur.seq != row.seq || cur.sort != fq.Sort) {
		return out, fmt.Errorf("findings of scan %s by %s: %s %q: %w", scanID, fq.Sort, field, text, ErrStaleCursor)
	}
	st, err := s.indexed(ctx, row, true)
	if err != nil {
		return out, err
	}
	ix, err := s.findingIndex(ctx, row.seq, st)
	if err != nil {
		return out, err
	}
	hits, total, hasPrev, hasNext := ix.page(&fq, int(cur.rank))
	out.Total, out.Findings = total, []finding.Finding{}
	if len(hits) == 0 {
		return out, nil
	}
	if hasPrev {
		out.Prev = cursor{row.seq, fq.Sort, int64(hits[0].rank)}.String()
	}
	if hasNext {
		out.Next = cursor{row.seq, fq.Sort, int64(hits[len(hits)-1].rank)}.String()
	}
	out.Findings, err = s.pageBodies(ctx, scanID, row.seq, hits)
	return out, err
}

// pageBodies reads the findings of a page, in its order, by episode: what
// a scan holds of an episode does not change when it is indexed again.
func (s *sqlStore) pageBodies(ctx context.Context, scanID string, seq int64, hits []pageHit) ([]finding.Finding, error) {
	in := strings.TrimSuffix(strings.Repeat("?,", len(hits)), ",")
	args := []any{seq}
	for _, h := range hits {
		args = append(args, h.episode)
	}
	fs, got, err := s.queryFindings(ctx, scanID, `SELECT fv.body, e.first_seen, sf.last_seen, NULL, e.id
		FROM scan_findings sf
		JOIN finding_episodes e ON e.id = sf.episode_id
		JOIN finding_versions fv ON fv.hash = sf.body_hash
		WHERE sf.scan_seq = ? AND sf.episode_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	at := make(map[int64]int, len(got))
	for i, id := range got {
		at[id] = i
	}
	out := make([]finding.Finding, 0, len(hits))
	for _, h := range hits {
		i, ok := at[h.episode]
		if !ok {
			return nil, fmt.Errorf("page findings of scan %s: finding %d is indexed but not stored", scanID, h.episode)
		}
		out = append(out, fs[i])
	}
	return out, nil
}

// queryFindings reads findings from rows of (body, first_seen, last_seen,
// resolved_at, a number), and returns the numbers beside them.
func (s *sqlStore) queryFindings(ctx context.Context, scanID, query string, args ...any) ([]finding.Finding, []int64, error) {
	q, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("read findings of scan %q: %w", scanID, err)
	}
	defer q.Close()
	out, ids := []finding.Finding{}, []int64{}
	for q.Next() {
		var (
			body                  []byte
			first, last, resolved sql.NullInt64
			id                    int64
			f                     finding.Finding
		)
		if err := q.Scan(&body, &first, &last, &resolved, &id); err != nil {
			return nil, nil, fmt.Errorf("read findings of scan %q: %w", scanID, err)
		}
		if err := json.Unmarshal(body, &f); err != nil {
			return nil, nil, fmt.Errorf("decode finding of scan %q: %w", scanID, err)
		}
		f.FirstSeen, f.LastSeen = fromNanos(first), fromNanos(last)
		if resolved.Valid {
			t := fromNanos(resolved)
			f.ResolvedAt = &t
		}
		out, ids = append(out, f), append(ids, id)
	}
	if err := q.Err(); err != nil {
		return nil, nil, fmt.Errorf("read findings of scan %q: %w", scanID, err)
	}
	return out, ids, nil
}

func (s *sqlStore) ResourceFindings(ctx context.Context, scanID, arn string) ([]finding.Finding, error) {
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return nil, err
	}
	fs, _, err := s.queryFindings(ctx, scanID, `SELECT fv.body, e.first_seen, sf.last_seen, NULL, e.id
		FROM finding_episodes e
		JOIN scan_findings sf ON sf.episode_id = e.id AND sf.scan_seq = ?
		JOIN finding_versions fv ON fv.hash = sf.body_hash
		WHERE e.arn = ? ORDER BY e.policy`, row.seq, arn)
	return fs, err
}

func (s *sqlStore) ResourceAt(ctx context.Context, scanID, arn string) (*inventory.Resource, error) {
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return nil, err
	}
	var body []byte
	err = s.db.QueryRowContext(ctx, `SELECT v.body FROM resources r
		JOIN scan_resources sr ON sr.resource_id = r.id AND sr.scan_seq = ?
		JOIN resource_versions v ON v.id = sr.version_id
		WHERE r.arn = ?`, row.seq, arn).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("resource %s at scan %s: %w", arn, scanID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read resource %s at scan %s: %w", arn, scanID, err)
	}
	var r inventory.Resource
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decode resource %s at scan %s: %w", arn, scanID, err)
	}
	return &r, nil
}

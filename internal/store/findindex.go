package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/steward-sre/steward/internal/finding"
)

// A scan's finding_pages rows, held in memory by a reader that pages
// through them: each order as the positions of the findings by rank, and
// the filter fields as small integers by position. A page walks one order
// from a rank, testing each finding against the filter, and stops at the
// page's end: whatever the filter, order or depth, at most a walk of the
// scan's findings in memory (about a millisecond at 200k), most often a
// few dozen steps. An index per filter x order would do the same in SQL
// at the price of 55 indexes to write at every save.

// pageField is a filter field held as ids (0 is the empty value).
type pageField int

const (
	fieldOwner pageField = iota
	fieldSystem
	fieldEnv
	fieldAccount
	fieldCategory
	numFields
)

// pageOrders are the orders a findingIndex holds, by index; SortPolicy,
// whose rank is the position itself, has no array.
var pageOrders = []FindingSort{SortSeverity, SortResource, SortAccount, SortOwner, SortWaste, SortFirstSeen}

// findingIndex is one indexing (generation) of one scan's findings.
type findingIndex struct {
	generation int64
	n          int
	episode    []int64 // by position
	severity   []int8
	isNew      []bool
	field      [numFields][]uint32
	ids        [numFields]map[string]uint32
	// count is how many findings have each id of each field.
	count [numFields][]int
	// byRank is each order's positions by rank (pageOrders' order).
	byRank [][]int32
}

// matcher is a query's filter on a findingIndex.
type matcher struct {
	fields []fieldMatch
	sev    int8 // -1 when not filtered
	isNew  bool
}

type fieldMatch struct {
	f  pageField
	id uint32
}

// matcher is q's filter; ok is false when a value no finding has makes
// the filter match nothing.
func (ix *findingIndex) matcher(q *FindingQuery) (m matcher, ok bool) {
	m.sev, m.isNew = -1, q.NewOnly
	if q.HasSeverity {
		m.sev = int8(q.Severity)
	}
	for _, fv := range []struct {
		f pageField
		v string
	}{{fieldOwner, q.Owner}, {fieldSystem, q.System}, {fieldEnv, q.Env}, {fieldAccount, q.Account}, {fieldCategory, string(q.Category)}} {
		if fv.v == "" {
			continue
		}
		id, known := ix.ids[fv.f][fv.v]
		if !known {
			return m, false
		}
		m.fields = append(m.fields, fieldMatch{fv.f, id})
	}
	return m, true
}

func (ix *findingIndex) matches(m *matcher, pos int32) bool {
	if m.sev >= 0 && ix.severity[pos] != m.sev {
		return false
	}
	if m.isNew && !ix.isNew[pos] {
		return false
	}
	for _, f := range m.fields {
		if ix.field[f.f][pos] != f.id {
			return false
		}
	}
	return true
}

// total is how many findings m matches.
func (ix *findingIndex) total(m *matcher) int {
	switch {
	case len(m.fields) == 0 && m.sev < 0 && !m.isNew:
		return ix.n
	case len(m.fields) == 1 && m.sev < 0 && !m.isNew:
		return ix.count[m.fields[0].f][m.fields[0].id]
	}
	n := 0
	for pos := range int32(ix.n) {
		if ix.matches(m, pos) {
			n++
		}
	}
	return n
}

// posAt is the position of the finding at a rank of an order (an index
// into pageOrders, -1 for the policy order).
func (ix *findingIndex) posAt(order int, rank int) int32 {
	if order < 0 {
		return int32(rank)
	}
	return ix.byRank[order][rank]
}

// walk visits the findings m matches in an order from rank from, a rank
// at a time in direction step (+1 or -1), calling fn with each one's rank
// and position until fn returns false or the ranks end.
func (ix *findingIndex) walk(m *matcher, order, from, step int, fn func(rank int, pos int32) bool) {
	for r := from; r >= 0 && r < ix.n; r += step {
		pos := ix.posAt(order, r)
		if ix.matches(m, pos) && !fn(r, pos) {
			return
		}
	}
}

// pageHit is a finding a page shows: its rank in the page's order and its
// episode.
type pageHit struct {
	rank    int
	episode int64
}

// collect walks from a rank and keeps the first skip+limit findings m
// matches past skip of them.
func (ix *findingIndex) collect(m *matcher, order, from, step, skip, limit int) []pageHit {
	var out []pageHit
	if limit <= 0 {
		return out
	}
	ix.walk(m, order, from, step, func(rank int, pos int32) bool {
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, pageHit{rank, ix.episode[pos]})
		return len(out) < limit
	})
	return out
}

// any says whether m matches a finding from a rank on in a direction.
func (ix *findingIndex) any(m *matcher, order, from, step int) bool {
	found := false
	ix.walk(m, order, from, step, func(int, int32) bool { found = true; return false })
	return found
}

// page is the findings of q (checked) in its order, and whether there are
// findings before and after them; cur is q's cursor's rank when q has one.
func (ix *findingIndex) page(q *FindingQuery, cur int) (hits []pageHit, total int, hasPrev, hasNext bool) {
	m, ok := ix.matcher(q)
	if !ok {
		return nil, 0, false, false
	}
	total = ix.total(&m)
	order := slices.Index(pageOrders, q.Sort)
	// Ranks ascend with the order; step is the page's direction in them
	// and first the rank it starts from.
	step, first, last := 1, 0, ix.n-1
	if q.Desc {
		step, first, last = -1, ix.n-1, 0
	}
	n := q.Limit
	switch {
	case total == 0:
	case q.After != "":
		if hits = ix.collect(&m, order, cur+step, step, 0, n+1); len(hits) > 0 {
			hasNext, hits = len(hits) > n, hits[:min(n, len(hits))]
			hasPrev = ix.any(&m, order, hits[0].rank-step, -step)
		}
	case q.Before != "":
		if hits = ix.collect(&m, order, cur-step, -step, 0, n+1); len(hits) > 0 {
			hasPrev, hits = len(hits) > n, hits[:min(n, len(hits))]
			slices.Reverse(hits)
			hasNext = ix.any(&m, order, hits[len(hits)-1].rank+step, step)
		}
	case q.Offset >= total:
	case q.Offset <= total-q.Offset-n:
		hits = ix.collect(&m, order, first, step, q.Offset, n)
		hasPrev, hasNext = q.Offset > 0, q.Offset+len(hits) < total
	default:
		// Nearer the end: walk from it.
		skip := max(0, total-q.Offset-n)
		hits = ix.collect(&m, order, last, -step, skip, total-q.Offset-skip)
		slices.Reverse(hits)
		hasPrev, hasNext = q.Offset > 0, q.Offset+len(hits) < total
	}
	return hits, total, hasPrev, hasNext
}

// pageCache holds the findingIndex of the scans read lately.
type pageCache struct {
	mu      sync.Mutex
	entries map[int64]*pageEntry
	order   []int64 // least recently loaded first
}

type pageEntry struct {
	generation int64
	done       chan struct{}
	ix         *findingIndex
	err        error
}

// keepIndexes is how many scans' findingIndex a store holds.
const keepIndexes = keepPaged + 1

// findingIndex is the scan's index as of generation st, loaded once (one
// load at a time per scan; the others wait for it).
func (s *sqlStore) findingIndex(ctx context.Context, seq int64, st indexedScan) (*findingIndex, error) {
	c := &s.pages
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[int64]*pageEntry{}
	}
	e := c.entries[seq]
	if e == nil || e.generation != st.generation {
		e = &pageEntry{generation: st.generation, done: make(chan struct{})}
		c.entries[seq] = e
		c.order = append(slices.DeleteFunc(c.order, func(x int64) bool { return x == seq }), seq)
		for len(c.order) > keepIndexes {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
		c.mu.Unlock()
		e.ix, e.err = s.loadFindingIndex(ctx, seq, st)
		if e.err != nil {
			c.mu.Lock()
			if c.entries[seq] == e {
				delete(c.entries, seq) // the next reader tries again
			}
			c.mu.Unlock()
		}
		close(e.done)
		return e.ix, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.ix, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// loadFindingIndex reads a scan's finding_pages rows as of generation st:
// in one snapshot with its finding_indexed row, so that the rows are the
// ones of that generation (another process may index the scan again).
func (s *sqlStore) loadFindingIndex(ctx context.Context, seq int64, st indexedScan) (*findingIndex, error) {
	snap, err := s.db.BeginSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("read finding index of scan %d: %w", seq, err)
	}
	defer snap.Close()
	var gen int64
	if err := snap.QueryRowContext(ctx, `SELECT generation FROM finding_indexed WHERE scan_seq = ? AND paged`, seq).Scan(&gen); err != nil {
		return nil, fmt.Errorf("read finding index of scan %d: %w", seq, err)
	}
	if gen != st.generation {
		return nil, fmt.Errorf("read finding index of scan %d: it was indexed again while read; ask again", seq)
	}
	ix := &findingIndex{generation: gen, n: st.findings}
	ix.episode = make([]int64, 0, st.findings)
	ix.severity = make([]int8, 0, st.findings)
	ix.isNew = make([]bool, 0, st.findings)
	ix.byRank = make([][]int32, len(pageOrders))
	for o := range ix.byRank {
		ix.byRank[o] = make([]int32, st.findings)
	}
	for f := range numFields {
		ix.field[f] = make([]uint32, 0, st.findings)
		ix.ids[f] = map[string]uint32{"": 0}
		ix.count[f] = []int{0}
	}
	q, err := snap.QueryContext(ctx, `SELECT pos, episode_id, severity, is_new, owner, system, env, account, category,
		by_severity, by_name, by_account, by_owner, by_waste, by_first_seen
		FROM finding_pages WHERE scan_seq = ? ORDER BY pos`, seq)
	if err != nil {
		return nil, fmt.Errorf("read finding index of scan %d: %w", seq, err)
	}
	defer q.Close()
	var (
		pos, episode, sev int64
		isNew             bool
		text              [numFields]string
		rank              = make([]int64, len(pageOrders))
	)
	dest := []any{&pos, &episode, &sev, &isNew}
	for f := range numFields {
		dest = append(dest, &text[f])
	}
	for o := range rank {
		dest = append(dest, &rank[o])
	}
	for q.Next() {
		if err := q.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read finding index of scan %d: %w", seq, err)
		}
		i := len(ix.episode)
		if pos != int64(i) || i >= st.findings {
			return nil, fmt.Errorf("read finding index of scan %d: position %d where %d was due (of %d)", seq, pos, i, st.findings)
		}
		if sev < int64(finding.Info) || sev > int64(finding.Critical) {
			return nil, fmt.Errorf("read finding index of scan %d: severity %d at position %d", seq, sev, pos)
		}
		ix.episode, ix.severity, ix.isNew = append(ix.episode, episode), append(ix.severity, int8(sev)), append(ix.isNew, isNew)
		for f := range numFields {
			id, ok := ix.ids[f][text[f]]
			if !ok {
				id = uint32(len(ix.count[f]))
				ix.ids[f][text[f]] = id
				ix.count[f] = append(ix.count[f], 0)
			}
			ix.field[f] = append(ix.field[f], id)
			ix.count[f][id]++
		}
		for o, r := range rank {
			if r < 0 || r >= int64(st.findings) {
				return nil, fmt.Errorf("read finding index of scan %d: rank %d by %s at position %d (of %d)", seq, r, pageOrders[o], pos, st.findings)
			}
			ix.byRank[o][r] = int32(pos)
		}
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("read finding index of scan %d: %w", seq, err)
	}
	if len(ix.episode) != st.findings {
		return nil, fmt.Errorf("read finding index of scan %d: %d rows, %d findings", seq, len(ix.episode), st.findings)
	}
	return ix, nil
}

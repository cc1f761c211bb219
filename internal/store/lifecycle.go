package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// The finding lifecycle is a function of the scans in scan order (start
// time, then save order). A scan saved after scans that started later (two
// runs overlapped, the older one finished last) is placed where it started:
// the lifecycle of the scans after it is rewound to the scan before it and
// replayed with it in place, so first seen, last seen and resolved are what
// they would be had the scans been saved in start order.

// produced is a finding a scan produced, as the lifecycle needs it.
type produced struct {
	key, policy, arn, account, region, hash string
}

// replayScan is a stored scan whose findings are applied again.
type replayScan struct {
	seq, started int64
	produced     []produced
}

// querier is a *sqldb.DB or a *sqldb.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func saveFindings(ctx context.Context, tx *sqldb.Tx, seq, prevSeq int64, later []int64, scan *inventory.Scan, findings *finding.Set) (*finding.Set, []pageRow, error) {
	started := scan.Started.UnixNano()
	// Only the texts' hashes are kept here: a first scan's texts are all
	// new, and holding them all until they are written would hold some
	// 300 MB at a million resources. The new ones are encoded again, a
	// chunk at a time, when they are written.
	n := findings.Len()
	ps := make([]produced, n)
	errs := make([]error, n)
	parallel(n, func(i int) { _, ps[i].hash, errs[i] = findingBody(findings, i) })
	for i := range n {
		m := findings.Match(i)
		if errs[i] != nil {
			return nil, nil, fmt.Errorf("encode finding %s on %s: %w", m.Rule.Policy, m.Subject.ARN, errs[i])
		}
		ps[i] = produced{key: m.Key(), policy: m.Rule.Policy, arn: m.Subject.ARN, account: m.Subject.Account, region: m.Subject.Region, hash: ps[i].hash}
	}

	var (
		open   map[string]*episode
		replay []replayScan
		gaps   gapIndex
		err    error
	)
	if len(later) == 0 {
		open, err = openEpisodes(ctx, tx, prevSeq)
	} else {
		if replay, err = loadReplay(ctx, tx, later); err == nil {
			if gaps, err = loadGaps(ctx, tx, started+1); err == nil {
				open, err = rewind(ctx, tx, prevSeq, started)
			}
		}
	}
	if err != nil {
		return nil, nil, err
	}

	// Finding texts repeat from scan to scan: each distinct one is written
	// once, a few hundred to a statement, and the texts of the open
	// findings (most of a scan's) are stored already.
	known := make(map[string]bool, len(open)+n)
	for _, ep := range open {
		known[ep.bodyHash] = true
	}
	// In hash order: each lands next to the one before in the hash
	// index, not at a random page of it (a first scan's are all new).
	var texts []int
	for i := range ps {
		if !known[ps[i].hash] {
			known[ps[i].hash] = true
			texts = append(texts, i)
		}
	}
	slices.SortFunc(texts, func(a, b int) int { return strings.Compare(ps[a].hash, ps[b].hash) })
	if err := insertTexts(ctx, tx, findings, ps, texts); err != nil {
		return nil, nil, err
	}
	texts = nil

	l, err := newLifecycle(ctx, tx, open)
	if err != nil {
		return nil, nil, err
	}
	defer l.close()
	eps, carried, err := l.apply(ctx, seq, started, scan.Covered, ps)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range replay {
		covered := func(account, region string) bool { return gaps.covered(r.seq, account, region) }
		if _, _, err := l.apply(ctx, r.seq, r.started, covered, r.produced); err != nil {
			return nil, nil, fmt.Errorf("replay scan %d: %w", r.seq, err)
		}
	}

	// The findings are the save's (SaveScanPending): their times are set
	// in the set rather than in a copy of them all.
	findings.Seen(func(i int) int64 { return eps[i].firstSeen }, time.Unix(0, started).UTC())
	// The scan's findings index comes from what it produced, as saved, and
	// the few findings carried through its gaps: nothing is read back.
	rows := make([]pageRow, 0, n+len(carried))
	for i := range n {
		rows = append(rows, newPageRow(matchFields(findings.Match(i)), eps[i].id, eps[i].firstSeen, started))
	}
	carriedRows, err := carriedPageRows(ctx, tx, carried, started)
	if err != nil {
		return nil, nil, err
	}
	rows = append(rows, carriedRows...)
	slices.SortFunc(rows, func(a, b pageRow) int {
		return cmp.Or(strings.Compare(a.policy, b.policy), strings.Compare(a.arn, b.arn))
	})
	return findings, rows, nil
}

// textBatch is how many finding texts are encoded at once (on every
// CPU) before they are written.
const textBatch = 8 * chunkRows

// insertTexts writes the texts of findings[texts[...]], in that order,
// encoding them a batch at a time: only a batch's bodies are held.
func insertTexts(ctx context.Context, tx *sqldb.Tx, findings *finding.Set, ps []produced, texts []int) error {
	bodies := make([][]byte, min(len(texts), textBatch))
	errs := make([]error, len(bodies))
	args := make([]any, 0, 2*chunkRows)
	for lo := 0; lo < len(texts); lo += textBatch {
		batch := texts[lo:min(lo+textBatch, len(texts))]
		parallel(len(batch), func(k int) { bodies[k], _, errs[k] = findingBody(findings, batch[k]) })
		for k, i := range batch {
			if errs[k] != nil {
				m := findings.Match(i)
				return fmt.Errorf("encode finding %s on %s: %w", m.Rule.Policy, m.Subject.ARN, errs[k])
			}
		}
		if err := chunks(len(batch), chunkRows, func(clo, chi int) error {
			args = args[:0]
			for k := clo; k < chi; k++ {
				args = append(args, ps[batch[k]].hash, bodies[k])
			}
			return execChunk(ctx, tx, `INSERT INTO finding_versions (hash, body) VALUES `+values(chi-clo, 2)+` ON CONFLICT (hash) DO NOTHING`, chi-clo, args...)
		}); err != nil {
			return fmt.Errorf("insert finding texts: %w", err)
		}
		clear(bodies)
	}
	return nil
}

// carriedPageRows are the findings index rows of open findings a scan
// carried through its gaps, read from their stored texts.
func carriedPageRows(ctx context.Context, tx *sqldb.Tx, carried []episode, started int64) ([]pageRow, error) {
	if len(carried) == 0 {
		return nil, nil
	}
	fields := make(map[string]indexedFields)
	var hashes []any
	for _, ep := range carried {
		if _, ok := fields[ep.bodyHash]; !ok {
			fields[ep.bodyHash] = indexedFields{}
			hashes = append(hashes, ep.bodyHash)
		}
	}
	if err := chunks(len(hashes), chunkRows, func(lo, hi int) error {
		return eachRow(ctx, tx, `SELECT hash, body FROM finding_versions WHERE hash IN (`+list(hi-lo)+`)`, hashes[lo:hi], func(q *sql.Rows) error {
			var (
				h    string
				body []byte
				f    indexedFields
			)
			if err := q.Scan(&h, &body); err != nil {
				return err
			}
			if err := json.Unmarshal(body, &f); err != nil {
				return fmt.Errorf("decode finding text %s: %w", h, err)
			}
			fields[h] = f
			return nil
		})
	}); err != nil {
		return nil, fmt.Errorf("read carried findings: %w", err)
	}
	rows := make([]pageRow, 0, len(carried))
	for _, ep := range carried {
		r := newPageRow(fields[ep.bodyHash], ep.id, ep.firstSeen, started)
		r.policy, r.arn = ep.policy, ep.arn
		rows = append(rows, r)
	}
	return rows, nil
}

// openEpisodes reads the findings open after the last scan in scan order,
// latest: its membership rows, produced or carried, are the open findings
// and say when each was last seen. An open episode's own last_seen and
// last_seq are not moved on by every scan that produces it again (a
// million-resource estate's 450k open findings would be rewritten by each
// scan): they are set when it opens, when its text changes and when it is
// resolved.
func openEpisodes(ctx context.Context, tx *sqldb.Tx, latest int64) (map[string]*episode, error) {
	if latest == 0 {
		return map[string]*episode{}, nil
	}
	return membersAt(ctx, tx, latest)
}

// membersAt reads the findings open as of a scan, from its membership
// rows.
func membersAt(ctx context.Context, tx *sqldb.Tx, seq int64) (map[string]*episode, error) {
	return readEpisodes(ctx, tx, `SELECT e.id, e.policy, e.arn, e.account, e.region, e.first_seen,
		sf.last_seen, COALESCE(sf.last_seq, sf.scan_seq), sf.body_hash
		FROM scan_findings sf JOIN finding_episodes e ON e.id = sf.episode_id
		WHERE sf.scan_seq = ?`, seq)
}

// rewind undoes what the scans that started after `after` did to the
// lifecycle, and returns the findings open as of the scan before them
// (prevSeq; none when it is 0). Those scans' own rows stay; their findings
// are replayed.
func rewind(ctx context.Context, tx *sqldb.Tx, prevSeq, after int64) (map[string]*episode, error) {
	stmts := []struct {
		what, sql string
		args      []any
	}{
		{"forget later findings", `DELETE FROM scan_findings WHERE scan_seq IN (SELECT seq FROM scans WHERE started_at > ?)`, []any{after}},
		{"forget later episodes", `DELETE FROM finding_episodes WHERE first_seq IN (SELECT seq FROM scans WHERE started_at > ?)`, []any{after}},
		{"reopen findings", `UPDATE finding_episodes SET resolved_at = NULL, resolved_seq = NULL,
			last_seen = sf.last_seen, last_seq = COALESCE(sf.last_seq, sf.scan_seq), body_hash = sf.body_hash
			FROM scan_findings sf WHERE sf.scan_seq = ? AND sf.episode_id = finding_episodes.id`, []any{prevSeq}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return nil, fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return membersAt(ctx, tx, prevSeq)
}

func readEpisodes(ctx context.Context, tx *sqldb.Tx, query string, args ...any) (map[string]*episode, error) {
	q, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read open findings: %w", err)
	}
	defer q.Close()
	open := map[string]*episode{}
	for q.Next() {
		var (
			ep          episode
			policy, arn string
			lastSeq     sql.NullInt64
		)
		if err := q.Scan(&ep.id, &policy, &arn, &ep.account, &ep.region, &ep.firstSeen, &ep.lastSeen, &lastSeq, &ep.bodyHash); err != nil {
			return nil, fmt.Errorf("read open findings: %w", err)
		}
		ep.lastSeq = lastSeq.Int64
		ep.policy, ep.arn = policy, arn
		ep.key = (&finding.Finding{Policy: policy, ARN: arn}).Key()
		open[ep.key] = &ep
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("read open findings: %w", err)
	}
	return open, nil
}

// loadReplay reads what each of the given scans produced, before rewind
// forgets it.
func loadReplay(ctx context.Context, tx *sqldb.Tx, seqs []int64) ([]replayScan, error) {
	out := make([]replayScan, len(seqs))
	for i, seq := range seqs {
		r := replayScan{seq: seq}
		if err := tx.QueryRowContext(ctx, `SELECT started_at FROM scans WHERE seq = ?`, seq).Scan(&r.started); err != nil {
			return nil, fmt.Errorf("read scan %d: %w", seq, err)
		}
		q, err := tx.QueryContext(ctx, `SELECT e.policy, e.arn, e.account, e.region, sf.body_hash
			FROM scan_findings sf JOIN finding_episodes e ON e.id = sf.episode_id
			WHERE sf.scan_seq = ? AND sf.last_seq = sf.scan_seq ORDER BY e.policy, e.arn`, seq)
		if err != nil {
			return nil, fmt.Errorf("read findings of scan %d: %w", seq, err)
		}
		for q.Next() {
			var p produced
			if err := q.Scan(&p.policy, &p.arn, &p.account, &p.region, &p.hash); err != nil {
				q.Close()
				return nil, fmt.Errorf("read findings of scan %d: %w", seq, err)
			}
			p.key = (&finding.Finding{Policy: p.policy, ARN: p.arn}).Key()
			r.produced = append(r.produced, p)
		}
		err = q.Err()
		q.Close()
		if err != nil {
			return nil, fmt.Errorf("read findings of scan %d: %w", seq, err)
		}
		out[i] = r
	}
	return out, nil
}

// lifecycle applies scans, one after another in scan order, to the open
// findings.
type lifecycle struct {
	tx   *sqldb.Tx
	open map[string]*episode
	seen *sql.Stmt // an open finding whose text, account or region changed
}

func newLifecycle(ctx context.Context, tx *sqldb.Tx, open map[string]*episode) (*lifecycle, error) {
	st, err := tx.PrepareContext(ctx, `UPDATE finding_episodes SET last_seen = ?, last_seq = ?, body_hash = ?, account = ?, region = ? WHERE id = ?`)
	if err != nil {
		return nil, fmt.Errorf("save findings: %w", err)
	}
	return &lifecycle{tx: tx, open: open, seen: st}, nil
}

func (l *lifecycle) close() { l.seen.Close() }

// byIDs runs a statement whose last parameters are an IN list of episode
// ids, a few hundred ids at a time: head ends in "IN (".
func (l *lifecycle) byIDs(ctx context.Context, head string, ids []int64, args ...any) error {
	return chunks(len(ids), chunkRows, func(lo, hi int) error {
		a := append([]any(nil), args...)
		for _, id := range ids[lo:hi] {
			a = append(a, id)
		}
		return execChunk(ctx, l.tx, head+list(hi-lo)+`)`, hi-lo, a...)
	})
}

// member is one scan_findings row.
type findingMember struct {
	episode         int64
	hash            string
	lastSeen, lastQ int64
}

// insertMembers writes scan_findings rows.
func (l *lifecycle) insertMembers(ctx context.Context, seq int64, ms []findingMember) error {
	return insertRows(ctx, l.tx, "scan_findings", []string{"scan_seq", "episode_id", "body_hash", "last_seen", "last_seq"}, len(ms), func(i int, dst []any) {
		m := &ms[i]
		dst[0], dst[1], dst[2], dst[3], dst[4] = seq, m.episode, m.hash, m.lastSeen, m.lastQ
	})
}

// apply records one scan: a produced finding opens an episode or moves an
// open one on; an open finding the scan did not produce is resolved where
// the scan looked and carried, with its old last seen, where it could not.
// It returns the episode id and first seen of each produced finding, in
// input order, and the open findings carried through the scan's gaps.
// Rows are written a few hundred to a statement: most findings of a scan
// are the open ones of the scan before, unchanged.
func (l *lifecycle) apply(ctx context.Context, seq, started int64, covered func(account, region string) bool, ps []produced) ([]seenAs, []episode, error) {
	var fresh []int // not open: a new episode
	for i, p := range ps {
		ep, ok := l.open[p.key]
		if !ok {
			fresh = append(fresh, i)
			continue
		}
		// An open finding whose text is the same is not written: only its
		// membership row says this scan saw it (see openEpisodes).
		if ep.bodyHash != p.hash || ep.account != p.account || ep.region != p.region {
			if _, err := l.seen.ExecContext(ctx, started, seq, p.hash, p.account, p.region, ep.id); err != nil {
				return nil, nil, fmt.Errorf("update finding %s on %s: %w", p.policy, p.arn, err)
			}
		}
		ep.account, ep.region, ep.lastSeen, ep.lastSeq, ep.bodyHash = p.account, p.region, started, seq, p.hash
		ep.producedBy = seq
	}
	// The new episodes are known before their ids come back: the rows
	// that come back find theirs by key, and the episodes share the
	// findings' strings rather than hold the ones read back.
	for _, i := range fresh {
		p := &ps[i]
		l.open[p.key] = &episode{key: p.key, policy: p.policy, arn: p.arn, firstSeen: started}
	}
	var (
		policy, arn sql.RawBytes
		key         []byte
	)
	if err := chunks(len(fresh), chunkRows, func(lo, hi int) error {
		args := make([]any, 0, 9*(hi-lo))
		for _, i := range fresh[lo:hi] {
			p := &ps[i]
			args = append(args, p.policy, p.arn, p.account, p.region, started, seq, started, seq, p.hash)
		}
		return queryChunk(ctx, l.tx, `INSERT INTO finding_episodes (policy, arn, account, region, first_seen, first_seq, last_seen, last_seq, body_hash)
			VALUES `+values(hi-lo, 9)+` RETURNING id, policy, arn`, hi-lo, args, func(q *sql.Rows) error {
			var id int64
			if err := q.Scan(&id, &policy, &arn); err != nil {
				return err
			}
			// The key as finding.Finding.Key makes it.
			key = append(append(append(key[:0], policy...), 0), arn...)
			ep := l.open[string(key)]
			if ep == nil || ep.id != 0 {
				return fmt.Errorf("insert findings: a row came back for %s on %s, which was not inserted", policy, arn)
			}
			ep.id = id
			return nil
		})
	}); err != nil {
		return nil, nil, fmt.Errorf("insert findings: %w", err)
	}
	eps := make([]seenAs, len(ps))
	ms := make([]findingMember, 0, len(ps))
	for _, i := range fresh {
		p := &ps[i]
		ep := l.open[p.key]
		if ep.id == 0 {
			return nil, nil, fmt.Errorf("insert finding %s on %s: no id came back", p.policy, p.arn)
		}
		ep.account, ep.region, ep.lastSeen, ep.lastSeq, ep.bodyHash = p.account, p.region, started, seq, p.hash
		ep.producedBy = seq
	}
	for i, p := range ps {
		ep := l.open[p.key]
		eps[i] = seenAs{id: ep.id, firstSeen: ep.firstSeen}
		ms = append(ms, findingMember{episode: ep.id, hash: p.hash, lastSeen: started, lastQ: seq})
	}
	if err := l.insertMembers(ctx, seq, ms); err != nil {
		return nil, nil, fmt.Errorf("insert findings: %w", err)
	}

	// Sorted, so the order of writes does not depend on map order.
	var missing []*episode
	for _, ep := range l.open {
		if ep.producedBy != seq {
			missing = append(missing, ep)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].id < missing[j].id })
	// A resolved episode's row gets the last scan that produced it, which
	// the scans that produced it again did not write: most were last seen
	// by the same scan, so they go by the scan that last saw them.
	type lastSeenBy struct{ seen, seq int64 }
	resolved := map[lastSeenBy][]int64{}
	carried := []findingMember{}
	var carriedEps []episode
	for _, ep := range missing {
		if covered(ep.account, ep.region) {
			by := lastSeenBy{ep.lastSeen, ep.lastSeq}
			resolved[by] = append(resolved[by], ep.id)
			delete(l.open, ep.key)
			continue
		}
		carried = append(carried, findingMember{episode: ep.id, hash: ep.bodyHash, lastSeen: ep.lastSeen, lastQ: ep.lastSeq})
		carriedEps = append(carriedEps, *ep)
	}
	bys := slices.SortedFunc(maps.Keys(resolved), func(a, b lastSeenBy) int { return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.seen, b.seen)) })
	for _, by := range bys {
		if err := l.byIDs(ctx, `UPDATE finding_episodes SET resolved_at = ?, resolved_seq = ?, last_seen = ?, last_seq = ? WHERE id IN (`,
			resolved[by], started, seq, by.seen, by.seq); err != nil {
			return nil, nil, fmt.Errorf("resolve findings: %w", err)
		}
	}
	if err := l.insertMembers(ctx, seq, carried); err != nil {
		return nil, nil, fmt.Errorf("carry findings: %w", err)
	}
	return eps, carriedEps, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
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

func saveFindings(ctx context.Context, tx *sqldb.Tx, seq, prevSeq int64, later []int64, scan *inventory.Scan, findings []finding.Finding) ([]finding.Finding, error) {
	started := scan.Started.UnixNano()
	insVersion, err := tx.PrepareContext(ctx, `INSERT INTO finding_versions (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`)
	if err != nil {
		return nil, fmt.Errorf("save findings: %w", err)
	}
	defer insVersion.Close()
	ps := make([]produced, len(findings))
	for i := range findings {
		f := &findings[i]
		body, h, err := findingBody(*f)
		if err != nil {
			return nil, fmt.Errorf("encode finding %s on %s: %w", f.Policy, f.ARN, err)
		}
		if _, err := insVersion.ExecContext(ctx, h, body); err != nil {
			return nil, fmt.Errorf("insert finding %s on %s: %w", f.Policy, f.ARN, err)
		}
		ps[i] = produced{key: f.Key(), policy: f.Policy, arn: f.ARN, account: f.Account, region: f.Region, hash: h}
	}

	var (
		open   map[string]*episode
		replay []replayScan
		gaps   gapIndex
	)
	if len(later) == 0 {
		open, err = openEpisodes(ctx, tx)
	} else {
		if replay, err = loadReplay(ctx, tx, later); err == nil {
			if gaps, err = loadGaps(ctx, tx, started+1); err == nil {
				open, err = rewind(ctx, tx, prevSeq, started)
			}
		}
	}
	if err != nil {
		return nil, err
	}

	l, err := newLifecycle(ctx, tx, open)
	if err != nil {
		return nil, err
	}
	defer l.close()
	eps, err := l.apply(ctx, seq, started, scan.Covered, ps)
	if err != nil {
		return nil, err
	}
	for _, r := range replay {
		covered := func(account, region string) bool { return gaps.covered(r.seq, account, region) }
		if _, err := l.apply(ctx, r.seq, r.started, covered, r.produced); err != nil {
			return nil, fmt.Errorf("replay scan %d: %w", r.seq, err)
		}
	}

	out := make([]finding.Finding, len(findings))
	for i, f := range findings {
		f.FirstSeen = time.Unix(0, eps[i].firstSeen).UTC()
		f.LastSeen = time.Unix(0, started).UTC()
		f.ResolvedAt = nil
		out[i] = f
	}
	return out, nil
}

// openEpisodes reads the findings open after the last scan in scan order.
func openEpisodes(ctx context.Context, tx *sqldb.Tx) (map[string]*episode, error) {
	return readEpisodes(ctx, tx, `SELECT id, policy, arn, account, region, first_seen, last_seen, last_seq, body_hash
		FROM finding_episodes WHERE resolved_seq IS NULL`)
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
	return readEpisodes(ctx, tx, `SELECT e.id, e.policy, e.arn, e.account, e.region, e.first_seen,
		sf.last_seen, COALESCE(sf.last_seq, sf.scan_seq), sf.body_hash
		FROM scan_findings sf JOIN finding_episodes e ON e.id = sf.episode_id
		WHERE sf.scan_seq = ?`, prevSeq)
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
	open  map[string]*episode
	stmts []*sql.Stmt // insert episode, seen again, insert member, resolve
}

func newLifecycle(ctx context.Context, tx *sqldb.Tx, open map[string]*episode) (*lifecycle, error) {
	l := &lifecycle{open: open}
	for _, q := range []string{
		`INSERT INTO finding_episodes (policy, arn, account, region, first_seen, first_seq, last_seen, last_seq, body_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		`UPDATE finding_episodes SET last_seen = ?, last_seq = ?, body_hash = ?, account = ?, region = ? WHERE id = ?`,
		`INSERT INTO scan_findings (scan_seq, episode_id, body_hash, last_seen, last_seq) VALUES (?, ?, ?, ?, ?)`,
		`UPDATE finding_episodes SET resolved_at = ?, resolved_seq = ? WHERE id = ?`,
	} {
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("save findings: %w", err)
		}
		l.stmts = append(l.stmts, st)
	}
	return l, nil
}

func (l *lifecycle) close() {
	for _, st := range l.stmts {
		st.Close()
	}
}

// apply records one scan: a produced finding opens an episode or moves an
// open one on; an open finding the scan did not produce is resolved where
// the scan looked and carried, with its old last seen, where it could not.
// It returns the episode of each produced finding, in input order.
func (l *lifecycle) apply(ctx context.Context, seq, started int64, covered func(account, region string) bool, ps []produced) ([]episode, error) {
	insEpisode, seen, insMember, resolve := l.stmts[0], l.stmts[1], l.stmts[2], l.stmts[3]
	eps := make([]episode, len(ps))
	touched := make(map[int64]bool, len(ps))
	for i, p := range ps {
		ep, ok := l.open[p.key]
		if ok {
			if _, err := seen.ExecContext(ctx, started, seq, p.hash, p.account, p.region, ep.id); err != nil {
				return nil, fmt.Errorf("update finding %s on %s: %w", p.policy, p.arn, err)
			}
		} else {
			var id int64
			if err := insEpisode.QueryRowContext(ctx, p.policy, p.arn, p.account, p.region, started, seq, started, seq, p.hash).Scan(&id); err != nil {
				return nil, fmt.Errorf("insert finding %s on %s: %w", p.policy, p.arn, err)
			}
			ep = &episode{id: id, key: p.key, firstSeen: started}
			l.open[p.key] = ep
		}
		ep.account, ep.region, ep.lastSeen, ep.lastSeq, ep.bodyHash = p.account, p.region, started, seq, p.hash
		touched[ep.id] = true
		if _, err := insMember.ExecContext(ctx, seq, ep.id, p.hash, started, seq); err != nil {
			return nil, fmt.Errorf("insert finding %s on %s: %w", p.policy, p.arn, err)
		}
		eps[i] = *ep
	}

	// Sorted, so the order of writes does not depend on map order.
	var missing []*episode
	for _, ep := range l.open {
		if !touched[ep.id] {
			missing = append(missing, ep)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].id < missing[j].id })
	for _, ep := range missing {
		if covered(ep.account, ep.region) {
			if _, err := resolve.ExecContext(ctx, started, seq, ep.id); err != nil {
				return nil, fmt.Errorf("resolve finding %d: %w", ep.id, err)
			}
			delete(l.open, ep.key)
			continue
		}
		if _, err := insMember.ExecContext(ctx, seq, ep.id, ep.bodyHash, ep.lastSeen, ep.lastSeq); err != nil {
			return nil, fmt.Errorf("carry finding %d: %w", ep.id, err)
		}
	}
	return eps, nil
}

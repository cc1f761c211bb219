package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// Retention says which scans a store keeps: the latest Scans scans in scan
// order, and every scan started within the last Days days. A rule set to 0
// keeps nothing by itself; with both 0, every scan is kept. The latest scan
// is always kept.
type Retention struct {
	Scans int `json:"scans"`
	Days  int `json:"days"`
}

// Off says the retention keeps every scan.
func (r Retention) Off() bool { return r.Scans <= 0 && r.Days <= 0 }

// PruneResult is what a prune removed (or, dry run, would remove).
type PruneResult struct {
	// Scans are the IDs of the scans pruned, oldest first.
	Scans []string `json:"scans"`
	// KeptFrom is when the oldest scan kept started; zero when nothing
	// was pruned.
	KeptFrom time.Time `json:"kept_from,omitzero"`
	// Events is how many events of resource history were kept from the
	// pruned scans (0 in a dry run).
	Events int `json:"events"`
	// Resolved is how many finding episodes resolved within the pruned
	// scans were dropped (0 in a dry run).
	Resolved int64 `json:"resolved"`
	DryRun   bool  `json:"dry_run"`
}

// Retainer prunes old scans.
type Retainer interface {
	// Prune removes the scans the retention does not keep, as of now,
	// in one transaction. What changed is kept: ResourceHistory still
	// says when each resource appeared, changed and disappeared, and the
	// versions it names stay readable (ResourceVersion); open findings
	// keep their first seen. Resolved findings whose whole episode lies in
	// the pruned scans go with them. A scan that started before the
	// oldest scan kept can no longer be saved. dryRun reports what would
	// go and changes nothing.
	Prune(ctx context.Context, keep Retention, now time.Time, dryRun bool) (PruneResult, error)
	// ResourceVersion is a resource as stored under a content hash (a
	// Version's Hash); ErrNotFound when there is none.
	ResourceVersion(ctx context.Context, hash string) (*inventory.Resource, error)
}

func (s *sqlStore) ResourceVersion(ctx context.Context, hash string) (*inventory.Resource, error) {
	var body []byte
	err := s.db.QueryRowContext(ctx, `SELECT body FROM resource_versions WHERE hash = ?`, hash).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("resource version %s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read resource version %s: %w", hash, err)
	}
	var r inventory.Resource
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decode resource version %s: %w", hash, err)
	}
	return &r, nil
}

// prunedScan is a scan as pruning needs it.
type prunedScan struct {
	seq, started int64
	id           string
}

func (s *sqlStore) Prune(ctx context.Context, keep Retention, now time.Time, dryRun bool) (PruneResult, error) {
	res := PruneResult{Scans: []string{}, DryRun: dryRun}
	if keep.Scans < 0 || keep.Days < 0 {
		return res, i18n.Say("store.err.prune.negative", keep.Scans, keep.Days).Err()
	}
	if keep.Off() {
		return res, nil
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return res, fmt.Errorf("prune: begin: %w", s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var all []prunedScan
	if err := eachRow(ctx, tx, `SELECT seq, started_at, id FROM scans ORDER BY started_at, seq`, nil, func(q *sql.Rows) error {
		var p prunedScan
		if err := q.Scan(&p.seq, &p.started, &p.id); err != nil {
			return err
		}
		all = append(all, p)
		return nil
	}); err != nil {
		return res, fmt.Errorf("prune: list scans: %w", s.describe(err))
	}
	// Both rules keep a run of the latest scans, so what goes is a run of
	// the oldest: everything before the first scan either rule keeps.
	first := len(all) - 1
	if keep.Scans > 0 {
		first = min(first, max(len(all)-keep.Scans, 0))
	}
	if keep.Days > 0 {
		cutoff := now.AddDate(0, 0, -keep.Days).UnixNano()
		if i := sort.Search(len(all), func(i int) bool { return all[i].started >= cutoff }); i < len(all) {
			first = min(first, i)
		}
	}
	if first <= 0 {
		return res, nil
	}
	gone, kept := all[:first], all[first]
	for _, p := range gone {
		res.Scans = append(res.Scans, p.id)
	}
	res.KeptFrom = time.Unix(0, kept.started).UTC()
	if dryRun {
		return res, nil
	}
	if res.Events, err = archiveHistory(ctx, tx, gone); err != nil {
		return res, fmt.Errorf("prune: %w", s.describe(err))
	}
	if res.Resolved, err = dropScans(ctx, tx, gone, kept.seq); err != nil {
		return res, fmt.Errorf("prune: %w", s.describe(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO prunes (at, kept_from, scans) VALUES (?, ?, ?)`, now.UnixNano(), kept.started, len(gone)); err != nil {
		return res, fmt.Errorf("prune: record: %w", s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("prune: commit: %w", s.describe(err))
	}
	s.logger.Info("scans pruned", "scans", len(gone), "kept_from", res.KeptFrom, "events", res.Events, "resolved", res.Resolved)
	return res, nil
}

// archiveHistory writes the resource events of the scans about to be
// pruned, in scan order, continuing from the events earlier prunes kept:
// what ResourceHistory computes from membership rows, kept without them.
func archiveHistory(ctx context.Context, tx *sqldb.Tx, gone []prunedScan) (int, error) {
	// state is each resource's version after the events so far; 0 when
	// it disappeared.
	state := map[int64]int64{}
	if err := eachRow(ctx, tx, `SELECT resource_id, COALESCE(version_id, 0) FROM resource_events ORDER BY resource_id, at, scan_id`, nil, func(q *sql.Rows) error {
		var rid, vid int64
		if err := q.Scan(&rid, &vid); err != nil {
			return err
		}
		state[rid] = vid
		return nil
	}); err != nil {
		return 0, fmt.Errorf("read kept history: %w", err)
	}
	gaps, err := loadGaps(ctx, tx, gone[0].started)
	if err != nil {
		return 0, err
	}
	var where map[int64][2]string // account and region, read once if a gap needs them
	type event struct {
		rid, vid int64
		what     Event
	}
	n := 0
	for _, sc := range gone {
		cur := make(map[int64]int64, len(state))
		if err := eachRow(ctx, tx, `SELECT resource_id, version_id FROM scan_resources WHERE scan_seq = ?`, []any{sc.seq}, func(q *sql.Rows) error {
			var rid, vid int64
			if err := q.Scan(&rid, &vid); err != nil {
				return err
			}
			cur[rid] = vid
			return nil
		}); err != nil {
			return 0, fmt.Errorf("read scan %s: %w", sc.id, err)
		}
		var evs []event
		for rid, vid := range cur {
			switch prev, ok := state[rid]; {
			case !ok || prev == 0:
				evs = append(evs, event{rid, vid, Appeared})
			case prev != vid:
				evs = append(evs, event{rid, vid, Changed})
			}
		}
		_, hasGaps := gaps[sc.seq]
		if hasGaps && where == nil {
			if where, err = resourcePlaces(ctx, tx); err != nil {
				return 0, err
			}
		}
		for rid, prev := range state {
			if _, ok := cur[rid]; ok || prev == 0 {
				continue
			}
			if hasGaps && !gaps.covered(sc.seq, where[rid][0], where[rid][1]) {
				continue // not seen, but not looked for either
			}
			evs = append(evs, event{rid, 0, Disappeared})
		}
		sort.Slice(evs, func(a, b int) bool { return evs[a].rid < evs[b].rid })
		if err := chunks(len(evs), chunkRows, func(lo, hi int) error {
			args := make([]any, 0, 5*(hi-lo))
			for _, e := range evs[lo:hi] {
				vid := sql.NullInt64{Int64: e.vid, Valid: e.vid != 0}
				args = append(args, e.rid, sc.started, sc.id, string(e.what), vid)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO resource_events (resource_id, at, scan_id, event, version_id) VALUES `+values(hi-lo, 5), args...)
			return err
		}); err != nil {
			return 0, fmt.Errorf("keep history of scan %s: %w", sc.id, err)
		}
		for _, e := range evs {
			state[e.rid] = e.vid
		}
		n += len(evs)
	}
	return n, nil
}

// resourcePlaces is the account and region of every resource.
func resourcePlaces(ctx context.Context, tx *sqldb.Tx) (map[int64][2]string, error) {
	out := map[int64][2]string{}
	err := eachRow(ctx, tx, `SELECT id, account, region FROM resources`, nil, func(q *sql.Rows) error {
		var (
			id int64
			p  [2]string
		)
		if err := q.Scan(&id, &p[0], &p[1]); err != nil {
			return err
		}
		out[id] = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read resources: %w", err)
	}
	return out, nil
}

// dropScans deletes the pruned scans and what only they need. Finding
// episodes that outlive them keep their times; their references to pruned
// scans move to the oldest scan kept. It returns how many resolved episodes
// went.
func dropScans(ctx context.Context, tx *sqldb.Tx, gone []prunedScan, keptSeq int64) (int64, error) {
	for _, sc := range gone {
		for _, st := range []struct{ what, sql string }{
			{"resources", `DELETE FROM scan_resources WHERE scan_seq = ?`},
			{"findings", `DELETE FROM scan_findings WHERE scan_seq = ?`},
			{"coverage", `DELETE FROM scan_coverage WHERE scan_seq = ?`},
		} {
			if _, err := tx.ExecContext(ctx, st.sql, sc.seq); err != nil {
				return 0, fmt.Errorf("drop %s of scan %s: %w", st.what, sc.id, err)
			}
		}
	}
	var resolved int64
	err := chunks(len(gone), chunkRows, func(lo, hi int) error {
		seqs := make([]any, 0, hi-lo)
		for _, sc := range gone[lo:hi] {
			seqs = append(seqs, sc.seq)
		}
		in := `(` + list(len(seqs)) + `)`
		r, err := tx.ExecContext(ctx, `DELETE FROM finding_episodes WHERE resolved_seq IN `+in, seqs...)
		if err != nil {
			return fmt.Errorf("drop resolved findings: %w", err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return fmt.Errorf("drop resolved findings: %w", err)
		}
		resolved += n
		// An episode open since a pruned scan names it as both its first
		// and its last scan (a scan that produces it again does not move
		// last_seq on): one statement moves both, so its row is written
		// once.
		args := slices.Concat(seqs, []any{keptSeq}, seqs, []any{keptSeq}, seqs, seqs)
		if _, err := tx.ExecContext(ctx, `UPDATE finding_episodes
			SET first_seq = CASE WHEN first_seq IN `+in+` THEN ? ELSE first_seq END,
				last_seq = CASE WHEN last_seq IN `+in+` THEN ? ELSE last_seq END
			WHERE first_seq IN `+in+` OR last_seq IN `+in, args...); err != nil {
			return fmt.Errorf("move findings to the oldest scan kept: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scan_findings SET last_seq = ? WHERE last_seq IN `+in, append([]any{keptSeq}, seqs...)...); err != nil {
			return fmt.Errorf("move findings to the oldest scan kept: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scans WHERE seq IN `+in, seqs...); err != nil {
			return fmt.Errorf("drop scans: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return resolved, nil
}

// prunedBefore is the start of the oldest scan kept by the last prune (0
// when the store was never pruned): no scan may be placed before it.
func prunedBefore(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) (int64, error) {
	var t int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(kept_from), 0) FROM prunes`).Scan(&t); err != nil {
		return 0, fmt.Errorf("read prunes: %w", err)
	}
	return t, nil
}

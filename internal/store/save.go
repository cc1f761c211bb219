package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// checkScan rejects what the store cannot keep consistently.
func checkScan(scan *inventory.Scan, resources []inventory.Resource, findings []finding.Finding) error {
	switch {
	case scan == nil:
		return errors.New("scan is nil")
	case scan.ID == "":
		return errors.New("scan id is empty")
	case scan.Started.IsZero():
		return fmt.Errorf("scan %s: started time is zero", scan.ID)
	case scan.Resources != 0 && scan.Resources != len(resources):
		return fmt.Errorf("scan %s: scan.resources says %d, %d resources given", scan.ID, scan.Resources, len(resources))
	}
	for i := range resources {
		if err := resources[i].Validate(); err != nil {
			return fmt.Errorf("scan %s: resources[%d]: %w", scan.ID, i, err)
		}
	}
	if err := inventory.CheckUnique(resources); err != nil {
		return fmt.Errorf("scan %s: %w", scan.ID, err)
	}
	seen := make(map[string]struct{}, len(findings))
	for i := range findings {
		f := &findings[i]
		if f.Policy == "" || f.ARN == "" {
			return fmt.Errorf("scan %s: findings[%d]: policy and arn are required", scan.ID, i)
		}
		if _, dup := seen[f.Key()]; dup {
			return fmt.Errorf("scan %s: findings[%d]: policy %s on %s appears twice", scan.ID, i, f.Policy, f.ARN)
		}
		seen[f.Key()] = struct{}{}
	}
	return nil
}

// episode is an open finding: its stored row as of one scan.
type episode struct {
	id              int64
	key             string
	account, region string
	firstSeen       int64
	lastSeen        int64
	lastSeq         int64
	bodyHash        string
}

func (s *sqlStore) SaveScan(ctx context.Context, scan *inventory.Scan, resources []inventory.Resource, findings []finding.Finding) ([]finding.Finding, error) {
	if err := checkScan(scan, resources, findings); err != nil {
		return nil, fmt.Errorf("save scan: %w", err)
	}
	began := time.Now()
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("save scan %s: begin: %w", scan.ID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	out, err := s.saveScan(ctx, tx, scan, resources, findings)
	if err != nil {
		return nil, fmt.Errorf("save scan %s: %w", scan.ID, s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save scan %s: commit: %w", scan.ID, s.describe(err))
	}
	s.logger.Debug("scan saved", "scan", scan.ID, "resources", len(resources), "findings", len(findings), "took", time.Since(began).Round(time.Millisecond))
	return out, nil
}

// beginWrite starts a write transaction. Another process saving a big scan
// may hold the write lock for longer than busy_timeout: the wait goes on,
// said once in the log, until the lock is free or ctx ends.
func (s *sqlStore) beginWrite(ctx context.Context) (*sqldb.Tx, error) {
	warned := false
	warn := func() {
		if !warned {
			s.logger.Warn("another steward is writing to the store: waiting for it to finish", "path", s.path)
			warned = true
		}
	}
	for {
		tx, err := s.db.BeginWrite(ctx, warn)
		if err == nil || !isBusy(err) || ctx.Err() != nil {
			return tx, err
		}
		warn()
		// SQLite may report busy without waiting (a lock it cannot wait
		// for): never spin.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *sqlStore) saveScan(ctx context.Context, tx *sqldb.Tx, scan *inventory.Scan, resources []inventory.Resource, findings []finding.Finding) ([]finding.Finding, error) {
	started := scan.Started.UnixNano()
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM scans WHERE id = ?`, scan.ID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("check scan id: %w", err)
	}
	if exists > 0 {
		return nil, fmt.Errorf("a scan with id %s is already stored", scan.ID)
	}
	keptFrom, err := prunedBefore(ctx, tx)
	if err != nil {
		return nil, err
	}
	if started < keptFrom {
		return nil, fmt.Errorf("scan started at %s, before the oldest scan kept (%s): the scans before that were pruned, so it cannot be placed in history",
			scan.Started.UTC().Format(time.RFC3339Nano), time.Unix(0, keptFrom).UTC().Format(time.RFC3339Nano))
	}

	apiCalls := []byte("{}")
	if len(scan.APICalls) > 0 {
		var err error
		if apiCalls, err = json.Marshal(scan.APICalls); err != nil {
			return nil, fmt.Errorf("encode api calls: %w", err)
		}
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO scans (id, source, started_at, finished_at, resources, api_calls, currency, rate)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`, scan.ID, scan.Source, started, nanos(scan.Finished), len(resources), string(apiCalls), scan.Currency, scan.Rate).Scan(&seq); err != nil {
		return nil, fmt.Errorf("insert scan: %w", err)
	}

	// Scans are in start order (save order among equal starts). This one
	// has the highest seq, so the scans after it are those that started
	// later: saved while this one was still running.
	var prevSeq int64
	switch err := tx.QueryRowContext(ctx, `SELECT seq FROM scans WHERE started_at <= ? AND seq < ?
		ORDER BY started_at DESC, seq DESC LIMIT 1`, started, seq).Scan(&prevSeq); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read previous scan: %w", err)
	}
	later, err := laterScans(ctx, tx, started)
	if err != nil {
		return nil, err
	}

	if err := insertCoverage(ctx, tx, seq, scan.Coverage); err != nil {
		return nil, err
	}
	if err := insertResources(ctx, tx, seq, prevSeq, resources); err != nil {
		return nil, err
	}
	out, err := saveFindings(ctx, tx, seq, prevSeq, later, scan, findings)
	if err != nil {
		return nil, err
	}
	if err := reindexAfterSave(ctx, tx, seq, later); err != nil {
		return nil, err
	}
	if err := indexResourcesAfterSave(ctx, tx, seq, resources); err != nil {
		return nil, err
	}
	return out, nil
}

// laterScans lists the scans that started after a time, in scan order.
func laterScans(ctx context.Context, tx *sqldb.Tx, started int64) ([]int64, error) {
	q, err := tx.QueryContext(ctx, `SELECT seq FROM scans WHERE started_at > ? ORDER BY started_at, seq`, started)
	if err != nil {
		return nil, fmt.Errorf("read later scans: %w", err)
	}
	defer q.Close()
	var seqs []int64
	for q.Next() {
		var seq int64
		if err := q.Scan(&seq); err != nil {
			return nil, fmt.Errorf("read later scans: %w", err)
		}
		seqs = append(seqs, seq)
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("read later scans: %w", err)
	}
	return seqs, nil
}

func insertCoverage(ctx context.Context, tx *sqldb.Tx, seq int64, cov []inventory.Coverage) error {
	if len(cov) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO scan_coverage
		(scan_seq, pos, account, region, service, ok, error_kind, error, resources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("insert coverage: %w", err)
	}
	defer st.Close()
	for i, c := range cov {
		if _, err := st.ExecContext(ctx, seq, i, c.Account, c.Region, c.Service, c.OK, c.ErrorKind, c.Error, c.Resources); err != nil {
			return fmt.Errorf("insert coverage %s/%s/%s: %w", c.Account, c.Region, c.Service, err)
		}
	}
	return nil
}

// prevMember is a resource of the previous scan: its row ids and content.
type prevMember struct {
	resourceID, versionID int64
	hash                  string
	seen                  bool // in the scan being saved too
}

// insertResources keeps each distinct resource content once and records
// which version each ARN had in this scan.
//
// Most resources are unchanged since the previous scan (in scan order):
// their membership rows are copied from it in one statement, and only the
// resources whose ARN is new or whose content hash differs are looked up
// and written, a few hundred rows per statement. Those are written in ARN
// order, so new rows and the history index grow in key order.
func insertResources(ctx context.Context, tx *sqldb.Tx, seq, prevSeq int64, resources []inventory.Resource) error {
	if len(resources) == 0 {
		return nil
	}
	hs := hashes(resources)
	prev, err := previousMembers(ctx, tx, prevSeq)
	if err != nil {
		return err
	}
	if len(prev) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scan_resources (scan_seq, resource_id, version_id)
			SELECT ?, resource_id, version_id FROM scan_resources WHERE scan_seq = ?`, seq, prevSeq); err != nil {
			return fmt.Errorf("copy unchanged resources: %w", err)
		}
	}
	var todo []int
	for i := range resources {
		if p, ok := prev[resources[i].ARN]; ok {
			p.seen = true
			prev[resources[i].ARN] = p
			if p.hash == hs[i] {
				continue
			}
		}
		todo = append(todo, i)
	}
	var gone []int64
	for _, p := range prev {
		if !p.seen {
			gone = append(gone, p.resourceID)
		}
	}
	sort.Slice(gone, func(a, b int) bool { return gone[a] < gone[b] })
	if err := chunks(len(gone), chunkRows, func(lo, hi int) error {
		args := []any{seq}
		for _, id := range gone[lo:hi] {
			args = append(args, id)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM scan_resources WHERE scan_seq = ? AND resource_id IN (`+list(hi-lo)+`)`, args...)
		return err
	}); err != nil {
		return fmt.Errorf("drop resources gone since the previous scan: %w", err)
	}

	sort.Slice(todo, func(a, b int) bool { return resources[todo[a]].ARN < resources[todo[b]].ARN })
	changed, err := tx.PrepareContext(ctx, `UPDATE scan_resources SET version_id = ? WHERE scan_seq = ? AND resource_id = ?`)
	if err != nil {
		return fmt.Errorf("insert resources: %w", err)
	}
	defer changed.Close()
	return chunks(len(todo), chunkRows, func(lo, hi int) error {
		return writeResources(ctx, tx, changed, seq, resources, hs, todo[lo:hi], prev)
	})
}

// writeResources writes one chunk of new or changed resources: finds the
// versions and ARNs the store already has, inserts the others, and records
// the membership rows.
func writeResources(ctx context.Context, tx *sqldb.Tx, changed *sql.Stmt, seq int64, resources []inventory.Resource, hs []string, idx []int, prev map[string]prevMember) error {
	type row struct{ versionID, resourceID int64 }
	versions := make(map[string]row, len(idx))
	args := make([]any, 0, 3*len(idx))
	for _, i := range idx {
		args = append(args, hs[i])
	}
	// keep reads a version's (hash, id, resource_id) row.
	keep := func(q *sql.Rows) error {
		var (
			h string
			r row
		)
		if err := q.Scan(&h, &r.versionID, &r.resourceID); err != nil {
			return err
		}
		versions[h] = r
		return nil
	}
	if err := eachRow(ctx, tx, `SELECT hash, id, resource_id FROM resource_versions WHERE hash IN (`+list(len(idx))+`)`, args, keep); err != nil {
		return fmt.Errorf("look up resource versions: %w", err)
	}

	// ARNs of the versions to insert: known from the previous scan, from
	// an older one, or new.
	ids := map[string]int64{}
	var lookup []any
	for _, i := range idx {
		if _, ok := versions[hs[i]]; ok {
			continue
		}
		if p, ok := prev[resources[i].ARN]; ok {
			ids[resources[i].ARN] = p.resourceID
			continue
		}
		lookup = append(lookup, resources[i].ARN)
	}
	if len(lookup) > 0 {
		if err := eachRow(ctx, tx, `SELECT arn, id FROM resources WHERE arn IN (`+list(len(lookup))+`)`, lookup, func(q *sql.Rows) error {
			var (
				arn string
				id  int64
			)
			if err := q.Scan(&arn, &id); err != nil {
				return err
			}
			ids[arn] = id
			return nil
		}); err != nil {
			return fmt.Errorf("look up resources: %w", err)
		}
		args = args[:0]
		n := 0
		for _, i := range idx {
			r := &resources[i]
			if _, ok := versions[hs[i]]; ok {
				continue
			}
			if _, ok := ids[r.ARN]; ok {
				continue
			}
			ids[r.ARN] = 0 // once, even if asked twice
			args = append(args, r.ARN, r.Account, r.Region)
			n++
		}
		if n > 0 {
			if err := eachRow(ctx, tx, `INSERT INTO resources (arn, account, region) VALUES `+values(n, 3)+` RETURNING arn, id`, args, func(q *sql.Rows) error {
				var (
					arn string
					id  int64
				)
				if err := q.Scan(&arn, &id); err != nil {
					return err
				}
				ids[arn] = id
				return nil
			}); err != nil {
				return fmt.Errorf("insert resources: %w", err)
			}
		}
	}

	var fresh []int
	for _, i := range idx {
		if _, ok := versions[hs[i]]; !ok {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) > 0 {
		bodies := make([][]byte, len(fresh))
		errs := make([]error, len(fresh))
		parallel(len(fresh), func(k int) { bodies[k], errs[k] = json.Marshal(&resources[fresh[k]]) })
		args = args[:0]
		for k, i := range fresh {
			if errs[k] != nil {
				return fmt.Errorf("encode resource %s: %w", resources[i].ARN, errs[k])
			}
			args = append(args, hs[i], ids[resources[i].ARN], bodies[k])
		}
		if err := eachRow(ctx, tx, `INSERT INTO resource_versions (hash, resource_id, body) VALUES `+values(len(fresh), 3)+` RETURNING hash, id, resource_id`, args, keep); err != nil {
			return fmt.Errorf("insert resource versions: %w", err)
		}
	}

	args = args[:0]
	n := 0
	for _, i := range idx {
		v, ok := versions[hs[i]]
		if !ok {
			return fmt.Errorf("resource %s: version %s was not stored", resources[i].ARN, hs[i])
		}
		if _, ok := prev[resources[i].ARN]; ok {
			if _, err := changed.ExecContext(ctx, v.versionID, seq, v.resourceID); err != nil {
				return fmt.Errorf("update resource %s: %w", resources[i].ARN, err)
			}
			continue
		}
		args = append(args, seq, v.resourceID, v.versionID)
		n++
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scan_resources (scan_seq, resource_id, version_id) VALUES `+values(n, 3), args...); err != nil {
			return fmt.Errorf("insert scan resources: %w", err)
		}
	}
	return nil
}

// eachRow runs a query and calls fn on each row.
func eachRow(ctx context.Context, tx querier, query string, args []any, fn func(*sql.Rows) error) error {
	q, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer q.Close()
	for q.Next() {
		if err := fn(q); err != nil {
			return err
		}
	}
	return q.Err()
}

// previousMembers reads the resources of a scan; none for seq 0.
func previousMembers(ctx context.Context, tx *sqldb.Tx, seq int64) (map[string]prevMember, error) {
	if seq == 0 {
		return map[string]prevMember{}, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT resources FROM scans WHERE seq = ?`, seq).Scan(&n); err != nil {
		return nil, fmt.Errorf("read previous scan: %w", err)
	}
	out := make(map[string]prevMember, n)
	if err := eachRow(ctx, tx, `SELECT r.arn, r.id, v.id, v.hash FROM scan_resources sr
		JOIN resource_versions v ON v.id = sr.version_id
		JOIN resources r ON r.id = sr.resource_id
		WHERE sr.scan_seq = ?`, []any{seq}, func(q *sql.Rows) error {
		var (
			arn string
			p   prevMember
		)
		if err := q.Scan(&arn, &p.resourceID, &p.versionID, &p.hash); err != nil {
			return err
		}
		out[arn] = p
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read previous scan: %w", err)
	}
	return out, nil
}

// findingBody is what a finding says, without the times the store owns.
func findingBody(f finding.Finding) ([]byte, string, error) {
	f.FirstSeen, f.LastSeen, f.ResolvedAt = time.Time{}, time.Time{}, nil
	b, err := json.Marshal(&f)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:16]), nil
}

// Findings and ResolvedFindings read episodes joined with the finding body
// they had at the scan asked for.
func (s *sqlStore) Findings(ctx context.Context, scanID string) ([]finding.Finding, error) {
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return nil, err
	}
	return s.readFindings(ctx, scanID, `SELECT fv.body, e.first_seen, sf.last_seen, NULL
		FROM scan_findings sf
		JOIN finding_episodes e ON e.id = sf.episode_id
		JOIN finding_versions fv ON fv.hash = sf.body_hash
		WHERE sf.scan_seq = ? ORDER BY e.policy, e.arn`, row.seq)
}

func (s *sqlStore) ResolvedFindings(ctx context.Context, scanID string) ([]finding.Finding, error) {
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return nil, err
	}
	return s.readFindings(ctx, scanID, `SELECT fv.body, e.first_seen, e.last_seen, e.resolved_at
		FROM finding_episodes e
		JOIN finding_versions fv ON fv.hash = e.body_hash
		WHERE e.resolved_seq = ? ORDER BY e.policy, e.arn`, row.seq)
}

func (s *sqlStore) readFindings(ctx context.Context, scanID, query string, seq int64) ([]finding.Finding, error) {
	q, err := s.db.QueryContext(ctx, query, seq)
	if err != nil {
		return nil, fmt.Errorf("read findings of scan %q: %w", scanID, err)
	}
	defer q.Close()
	out := []finding.Finding{}
	for q.Next() {
		var (
			body                  []byte
			first, last, resolved sql.NullInt64
			f                     finding.Finding
		)
		if err := q.Scan(&body, &first, &last, &resolved); err != nil {
			return nil, fmt.Errorf("read findings of scan %q: %w", scanID, err)
		}
		if err := json.Unmarshal(body, &f); err != nil {
			return nil, fmt.Errorf("decode finding of scan %q: %w", scanID, err)
		}
		f.FirstSeen, f.LastSeen = fromNanos(first), fromNanos(last)
		if resolved.Valid {
			t := fromNanos(resolved)
			f.ResolvedAt = &t
		}
		out = append(out, f)
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("read findings of scan %q: %w", scanID, err)
	}
	return out, nil
}

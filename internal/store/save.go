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
	s.logger.Debug("scan saved", "scan", scan.ID, "resources", len(resources), "findings", len(findings))
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

// known is what the store already has for one resource version.
type known struct {
	versionID, resourceID int64
}

// insertResources keeps each distinct resource content once and records
// which version each ARN had in this scan. Resources are written in ARN
// order so the membership rows and history index grow in key order.
func insertResources(ctx context.Context, tx *sqldb.Tx, seq, prevSeq int64, resources []inventory.Resource) error {
	if len(resources) == 0 {
		return nil
	}
	// Most resources are unchanged since the previous scan: one sequential
	// read of its versions answers most lookups without a query each.
	prevVersions, prevARNs, err := previousVersions(ctx, tx, prevSeq)
	if err != nil {
		return err
	}
	stmts := []string{
		`SELECT id, resource_id FROM resource_versions WHERE hash = ?`,
		`SELECT id FROM resources WHERE arn = ?`,
		`INSERT INTO resources (arn, account, region) VALUES (?, ?, ?) RETURNING id`,
		`INSERT INTO resource_versions (hash, resource_id, body) VALUES (?, ?, ?) RETURNING id`,
		`INSERT INTO scan_resources (scan_seq, resource_id, version_id) VALUES (?, ?, ?)`,
	}
	prepared := make([]*sql.Stmt, len(stmts))
	for i, q := range stmts {
		if prepared[i], err = tx.PrepareContext(ctx, q); err != nil {
			return fmt.Errorf("insert resources: %w", err)
		}
		defer prepared[i].Close()
	}
	findVersion, findResource, insResource, insVersion, insMember := prepared[0], prepared[1], prepared[2], prepared[3], prepared[4]

	order := make([]int, len(resources))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return resources[order[a]].ARN < resources[order[b]].ARN })
	for _, i := range order {
		r := &resources[i]
		h := r.Hash()
		k, ok := prevVersions[h]
		if !ok {
			switch err := findVersion.QueryRowContext(ctx, h).Scan(&k.versionID, &k.resourceID); {
			case err == nil:
				ok = true
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("look up resource %s: %w", r.ARN, err)
			}
		}
		if !ok {
			if k.resourceID, err = resourceID(ctx, findResource, insResource, prevARNs, r); err != nil {
				return err
			}
			body, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("encode resource %s: %w", r.ARN, err)
			}
			if err := insVersion.QueryRowContext(ctx, h, k.resourceID, body).Scan(&k.versionID); err != nil {
				return fmt.Errorf("insert resource %s: %w", r.ARN, err)
			}
		}
		if _, err := insMember.ExecContext(ctx, seq, k.resourceID, k.versionID); err != nil {
			return fmt.Errorf("insert resource %s: %w", r.ARN, err)
		}
	}
	return nil
}

// resourceID finds or makes the row for an ARN.
func resourceID(ctx context.Context, find, insert *sql.Stmt, prevARNs map[string]int64, r *inventory.Resource) (int64, error) {
	if id, ok := prevARNs[r.ARN]; ok {
		return id, nil
	}
	var id int64
	switch err := find.QueryRowContext(ctx, r.ARN).Scan(&id); {
	case err == nil:
		return id, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("look up resource %s: %w", r.ARN, err)
	}
	if err := insert.QueryRowContext(ctx, r.ARN, r.Account, r.Region).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert resource %s: %w", r.ARN, err)
	}
	return id, nil
}

// previousVersions reads the versions and ARNs of a scan; none for seq 0.
func previousVersions(ctx context.Context, tx *sqldb.Tx, seq int64) (map[string]known, map[string]int64, error) {
	versions, arns := map[string]known{}, map[string]int64{}
	if seq == 0 {
		return versions, arns, nil
	}
	q, err := tx.QueryContext(ctx, `SELECT v.hash, v.id, r.id, r.arn FROM scan_resources sr
		JOIN resource_versions v ON v.id = sr.version_id
		JOIN resources r ON r.id = sr.resource_id
		WHERE sr.scan_seq = ?`, seq)
	if err != nil {
		return nil, nil, fmt.Errorf("read previous scan: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var (
			hash, arn string
			k         known
		)
		if err := q.Scan(&hash, &k.versionID, &k.resourceID, &arn); err != nil {
			return nil, nil, fmt.Errorf("read previous scan: %w", err)
		}
		versions[hash] = k
		arns[arn] = k.resourceID
	}
	if err := q.Err(); err != nil {
		return nil, nil, fmt.Errorf("read previous scan: %w", err)
	}
	return versions, arns, nil
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

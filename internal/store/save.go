package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// checkScan rejects what the store cannot keep consistently.
func checkScan(scan *inventory.Scan, resources []inventory.Resource) error {
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
	return nil
}

// checkFindings rejects findings the lifecycle cannot key.
func checkFindings(scan *inventory.Scan, findings *finding.Set) error {
	seen := make(map[string]struct{}, findings.Len())
	for i := range findings.Len() {
		m := findings.Match(i)
		if m.Rule.Policy == "" || m.Subject.ARN == "" {
			return fmt.Errorf("scan %s: findings[%d]: policy and arn are required", scan.ID, i)
		}
		key := m.Key()
		if _, dup := seen[key]; dup {
			return fmt.Errorf("scan %s: findings[%d]: policy %s on %s appears twice", scan.ID, i, m.Rule.Policy, m.Subject.ARN)
		}
		seen[key] = struct{}{}
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
	policy, arn     string
	// producedBy is the seq of the last scan the lifecycle applied that
	// produced it (0: none since it was read).
	producedBy int64
}

// seenAs is what a produced finding's episode says of it after a scan is
// applied.
type seenAs struct {
	id, firstSeen int64
}

func (s *sqlStore) SaveScan(ctx context.Context, scan *inventory.Scan, resources []inventory.Resource, findings []finding.Finding) ([]finding.Finding, error) {
	// The pending save sets the times in the set it is given: the
	// caller's findings stay as they were.
	set, err := s.SaveScanPending(ctx, scan, &resources, func() (*finding.Set, error) { return finding.SetOf(findings), nil })
	if err != nil {
		return nil, err
	}
	return set.All(), nil
}

func (s *sqlStore) SaveScanPending(ctx context.Context, scan *inventory.Scan, resources *[]inventory.Resource, findings func() (*finding.Set, error)) (*finding.Set, error) {
	if err := checkScan(scan, *resources); err != nil {
		return nil, fmt.Errorf("save scan: %w", err)
	}
	nres := len(*resources)
	began := time.Now()
	// The save makes every reference it writes (and CheckIntegrity checks
	// them in the tests of both backends): SQLite need not check each row.
	tx, err := s.begin(ctx, s.db.BeginWriteUnchecked)
	if err != nil {
		return nil, fmt.Errorf("save scan %s: begin: %w", scan.ID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var took savePhases
	out, err := s.saveScan(ctx, tx, scan, resources, findings, &took)
	if err != nil {
		var fe *pendingError
		if errors.As(err, &fe) {
			return nil, fe.err
		}
		return nil, fmt.Errorf("save scan %s: %w", scan.ID, s.describe(err))
	}
	committing := time.Now()
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save scan %s: commit: %w", scan.ID, s.describe(err))
	}
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	s.logger.Debug("scan saved", "scan", scan.ID, "resources", nres, "findings", out.Len(), "took", ms(time.Since(began)),
		"resources_took", ms(took.resources), "waited_findings", ms(took.waited), "findings_took", ms(took.findings),
		"index_took", ms(took.index), "commit_took", ms(time.Since(committing)))
	return out, nil
}

// pendingError is the error of a SaveScanPending's findings function: the
// save is abandoned and the caller gets it as it was.
type pendingError struct{ err error }

func (e *pendingError) Error() string { return e.err.Error() }
func (e *pendingError) Unwrap() error { return e.err }

// beginWrite starts a write transaction. Another process saving a big scan
// may hold the write lock for longer than busy_timeout: the wait goes on,
// said once in the log, until the lock is free or ctx ends.
func (s *sqlStore) beginWrite(ctx context.Context) (*sqldb.Tx, error) {
	return s.begin(ctx, s.db.BeginWrite)
}

// begin starts a write transaction with beginTx (a DB's BeginWrite or
// BeginWriteUnchecked), waiting for other writers as beginWrite does.
func (s *sqlStore) begin(ctx context.Context, beginTx func(context.Context, func()) (*sqldb.Tx, error)) (*sqldb.Tx, error) {
	warned := false
	warn := func() {
		if !warned {
			s.logger.Warn("another steward is writing to the store: waiting for it to finish", "path", s.path)
			warned = true
		}
	}
	for {
		tx, err := beginTx(ctx, warn)
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

// savePhases is how long each part of a save took, for the log.
type savePhases struct {
	resources, waited, findings, index time.Duration
}

// saveScan takes the resources from *resources and sets it to nil once
// they are written (see SaveScanPending).
func (s *sqlStore) saveScan(ctx context.Context, tx *sqldb.Tx, scan *inventory.Scan, resources *[]inventory.Resource, pending func() (*finding.Set, error), took *savePhases) (*finding.Set, error) {
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
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`, scan.ID, scan.Source, started, nanos(scan.Finished), len(*resources), string(apiCalls), scan.Currency, scan.Rate).Scan(&seq); err != nil {
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
	t := time.Now()
	if err := insertResources(ctx, tx, seq, prevSeq, *resources); err != nil {
		return nil, err
	}
	if err := indexResourcesAfterSave(ctx, tx, seq, *resources); err != nil {
		return nil, err
	}
	took.resources = time.Since(t)
	// Written: the save does not hold them while the findings are.
	*resources = nil

	// What follows needs the findings: the resources were written while
	// they were being worked out.
	t = time.Now()
	findings, err := pending()
	if err != nil {
		return nil, &pendingError{err}
	}
	took.waited = time.Since(t)
	if err := checkFindings(scan, findings); err != nil {
		return nil, err
	}
	// The scan finished (its findings worked out) after its row was
	// written.
	if _, err := tx.ExecContext(ctx, `UPDATE scans SET finished_at = ? WHERE seq = ?`, nanos(scan.Finished), seq); err != nil {
		return nil, fmt.Errorf("record scan finish: %w", err)
	}

	t = time.Now()
	out, rows, err := saveFindings(ctx, tx, seq, prevSeq, later, scan, findings)
	if err != nil {
		return nil, err
	}
	took.findings = time.Since(t)
	t = time.Now()
	if err := reindexAfterSave(ctx, tx, seq, rows, later); err != nil {
		return nil, err
	}
	took.index = time.Since(t)
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

// encodeBatch is how many resources are encoded at once: their bodies are
// held only until their chunk is written, so a big scan's JSON is never
// all in memory.
const encodeBatch = 4 * chunkRows

// insertResources keeps each distinct resource content once and records
// which version each ARN had in this scan.
//
// Most resources are unchanged since the previous scan (in scan order):
// their membership rows are copied from it in one statement, and only the
// resources whose ARN is new or whose content hash differs are looked up
// and written, a few hundred rows per statement. Each resource is encoded
// once: the JSON written is the one hashed. Resources go in ARN order, so
// new rows and the history index grow in key order.
func insertResources(ctx context.Context, tx *sqldb.Tx, seq, prevSeq int64, resources []inventory.Resource) error {
	if len(resources) == 0 {
		return nil
	}
	prev, err := previousMembers(ctx, tx, prevSeq)
	if err != nil {
		return err
	}
	// An empty store (the first scan) has no version or ARN to look up.
	var stored bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM resources)`).Scan(&stored); err != nil {
		return fmt.Errorf("read resources: %w", err)
	}
	if len(prev) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scan_resources (scan_seq, resource_id, version_id)
			SELECT ?, resource_id, version_id FROM scan_resources WHERE scan_seq = ?`, seq, prevSeq); err != nil {
			return fmt.Errorf("copy unchanged resources: %w", err)
		}
	}
	order := make([]int, len(resources))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(resources[a].ARN, resources[b].ARN) })

	var w resourceSink
	if tx.CanCopy() {
		w, err = newResourceStage(ctx, tx, seq)
	} else {
		w, err = newResourceWriter(ctx, tx, seq, stored, prev)
	}
	if err != nil {
		return err
	}
	defer w.close()
	bodies := make([][]byte, encodeBatch)
	hs := make([]string, encodeBatch)
	errs := make([]error, encodeBatch)
	var todo []pendingResource
	for lo := 0; lo < len(order); lo += encodeBatch {
		batch := order[lo:min(lo+encodeBatch, len(order))]
		parallel(len(batch), func(k int) { bodies[k], hs[k], errs[k] = resources[batch[k]].Encode() })
		for k, i := range batch {
			r := &resources[i]
			if errs[k] != nil {
				return fmt.Errorf("encode resource %s: %w", r.ARN, errs[k])
			}
			if p, ok := prev[r.ARN]; ok {
				p.seen = true
				prev[r.ARN] = p
				if p.hash == hs[k] {
					continue
				}
			}
			todo = append(todo, pendingResource{r: r, hash: hs[k], body: bodies[k]})
		}
		clear(bodies)
		// Written a chunk at a time; what is left waits for the next batch.
		for len(todo) >= chunkRows {
			if err := w.write(ctx, todo[:chunkRows]); err != nil {
				return err
			}
			todo = append(todo[:0], todo[chunkRows:]...)
		}
	}
	if len(todo) > 0 {
		if err := w.write(ctx, todo); err != nil {
			return err
		}
	}
	if err := w.finish(ctx); err != nil {
		return err
	}

	var gone []int64
	for _, p := range prev {
		if !p.seen {
			gone = append(gone, p.resourceID)
		}
	}
	slices.Sort(gone)
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
	return nil
}

// pendingResource is a resource to write: new, or changed since the
// previous scan.
type pendingResource struct {
	r    *inventory.Resource
	hash string
	body []byte
}

// resourceWriter writes new and changed resources, a chunk at a time.
type resourceWriter struct {
	tx      *sqldb.Tx
	seq     int64
	stored  bool // the store has resources: look versions and ARNs up
	prev    map[string]prevMember
	changed *sql.Stmt
}

func newResourceWriter(ctx context.Context, tx *sqldb.Tx, seq int64, stored bool, prev map[string]prevMember) (*resourceWriter, error) {
	changed, err := tx.PrepareContext(ctx, `UPDATE scan_resources SET version_id = ? WHERE scan_seq = ? AND resource_id = ?`)
	if err != nil {
		return nil, fmt.Errorf("insert resources: %w", err)
	}
	return &resourceWriter{tx: tx, seq: seq, stored: stored, prev: prev, changed: changed}, nil
}

func (w *resourceWriter) close() { w.changed.Close() }

func (w *resourceWriter) finish(context.Context) error { return nil }

// resourceSink takes the new and changed resources of a save, a chunk at
// a time, and writes them by finish.
type resourceSink interface {
	write(ctx context.Context, rs []pendingResource) error
	finish(ctx context.Context) error
	close()
}

// resourceStage writes new and changed resources on PostgreSQL: COPY into
// a temporary table as they come, then a statement per table for all of
// them, the database matching ARNs and hashes with what it has.
type resourceStage struct {
	tx     *sqldb.Tx
	seq    int64
	staged int
}

func newResourceStage(ctx context.Context, tx *sqldb.Tx, seq int64) (*resourceStage, error) {
	if _, err := tx.ExecContext(ctx, `CREATE TEMPORARY TABLE stage_resources (
		arn TEXT COLLATE "C" NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
		hash TEXT COLLATE "C" NOT NULL, body BYTEA NOT NULL) ON COMMIT DROP`); err != nil {
		return nil, fmt.Errorf("stage resources: %w", err)
	}
	return &resourceStage{tx: tx, seq: seq}, nil
}

func (w *resourceStage) close() {}

func (w *resourceStage) write(ctx context.Context, rs []pendingResource) error {
	w.staged += len(rs)
	return insertRows(ctx, w.tx, "stage_resources", []string{"arn", "account", "region", "hash", "body"}, len(rs), func(i int, dst []any) {
		p := &rs[i]
		dst[0], dst[1], dst[2], dst[3], dst[4] = p.r.ARN, p.r.Account, p.r.Region, p.hash, p.body
	})
}

func (w *resourceStage) finish(ctx context.Context) error {
	if w.staged == 0 {
		return nil
	}
	steps := []struct{ what, sql string }{
		{"analyze staged resources", `ANALYZE stage_resources`},
		{"insert resources", `INSERT INTO resources (arn, account, region)
			SELECT arn, account, region FROM stage_resources ORDER BY arn ON CONFLICT (arn) DO NOTHING`},
		// A version already stored (a resource back to an earlier content)
		// is kept; its hash names it below.
		{"insert resource versions", `INSERT INTO resource_versions (hash, resource_id, body)
			SELECT s.hash, r.id, s.body FROM stage_resources s JOIN resources r ON r.arn = s.arn
			ORDER BY r.id ON CONFLICT (hash) DO NOTHING`},
	}
	for _, st := range steps {
		if _, err := w.tx.ExecContext(ctx, st.sql); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	// New resources get their membership row, changed ones (copied from
	// the previous scan) their new version.
	res, err := w.tx.ExecContext(ctx, `INSERT INTO scan_resources (scan_seq, resource_id, version_id)
		SELECT ?, v.resource_id, v.id FROM stage_resources s
		JOIN resource_versions v ON v.hash = s.hash
		JOIN resources r ON r.id = v.resource_id AND r.arn = s.arn
		ORDER BY v.resource_id
		ON CONFLICT (scan_seq, resource_id) DO UPDATE SET version_id = excluded.version_id`, w.seq)
	if err != nil {
		return fmt.Errorf("insert scan resources: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert scan resources: %w", err)
	}
	if n != int64(w.staged) {
		return fmt.Errorf("insert scan resources: %d of %d new or changed resources stored", n, w.staged)
	}
	return nil
}

// write writes one chunk of new or changed resources: finds the versions
// and ARNs the store already has, inserts the others, and records the
// membership rows.
func (w *resourceWriter) write(ctx context.Context, rs []pendingResource) error {
	tx := w.tx
	type row struct{ versionID, resourceID int64 }
	versions := make(map[string]row, len(rs))
	args := make([]any, 0, 3*len(rs))
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
	if w.stored {
		for _, p := range rs {
			args = append(args, p.hash)
		}
		if err := queryChunk(ctx, tx, `SELECT hash, id, resource_id FROM resource_versions WHERE hash IN (`+list(len(rs))+`)`, len(rs), args, keep); err != nil {
			return fmt.Errorf("look up resource versions: %w", err)
		}
	}

	// ARNs of the versions to insert: known from the previous scan, from
	// an older one, or new.
	ids := make(map[string]int64, len(rs))
	var lookup []any
	for _, p := range rs {
		if _, ok := versions[p.hash]; ok {
			continue
		}
		if m, ok := w.prev[p.r.ARN]; ok {
			ids[p.r.ARN] = m.resourceID
			continue
		}
		if w.stored {
			lookup = append(lookup, p.r.ARN)
		}
	}
	// keepID reads an (arn, id) row into ids.
	keepID := func(q *sql.Rows) error {
		var (
			arn string
			id  int64
		)
		if err := q.Scan(&arn, &id); err != nil {
			return err
		}
		ids[arn] = id
		return nil
	}
	if len(lookup) > 0 {
		if err := eachRow(ctx, tx, `SELECT arn, id FROM resources WHERE arn IN (`+list(len(lookup))+`)`, lookup, keepID); err != nil {
			return fmt.Errorf("look up resources: %w", err)
		}
	}
	args = args[:0]
	n := 0
	for _, p := range rs {
		if _, ok := versions[p.hash]; ok {
			continue
		}
		if _, ok := ids[p.r.ARN]; ok {
			continue
		}
		ids[p.r.ARN] = 0 // once, even if asked twice
		args = append(args, p.r.ARN, p.r.Account, p.r.Region)
		n++
	}
	if n > 0 {
		if err := queryChunk(ctx, tx, `INSERT INTO resources (arn, account, region) VALUES `+values(n, 3)+` RETURNING arn, id`, n, args, keepID); err != nil {
			return fmt.Errorf("insert resources: %w", err)
		}
	}

	args = args[:0]
	n = 0
	for _, p := range rs {
		if _, ok := versions[p.hash]; !ok {
			args = append(args, p.hash, ids[p.r.ARN], p.body)
			n++
		}
	}
	if n > 0 {
		if err := queryChunk(ctx, tx, `INSERT INTO resource_versions (hash, resource_id, body) VALUES `+values(n, 3)+` RETURNING hash, id, resource_id`, n, args, keep); err != nil {
			return fmt.Errorf("insert resource versions: %w", err)
		}
	}

	var members []row
	for _, p := range rs {
		v, ok := versions[p.hash]
		if !ok {
			return fmt.Errorf("resource %s: version %s was not stored", p.r.ARN, p.hash)
		}
		if _, ok := w.prev[p.r.ARN]; ok {
			if _, err := w.changed.ExecContext(ctx, v.versionID, w.seq, v.resourceID); err != nil {
				return fmt.Errorf("update resource %s: %w", p.r.ARN, err)
			}
			continue
		}
		members = append(members, v)
	}
	if err := insertRows(ctx, tx, "scan_resources", []string{"scan_seq", "resource_id", "version_id"}, len(members), func(i int, dst []any) {
		dst[0], dst[1], dst[2] = w.seq, members[i].resourceID, members[i].versionID
	}); err != nil {
		return fmt.Errorf("insert scan resources: %w", err)
	}
	return nil
}

// eachRow runs a query and calls fn on each row.
func eachRow(ctx context.Context, tx querier, query string, args []any, fn func(*sql.Rows) error) error {
	q, err := tx.QueryContext(ctx, query, args...)
	return forRows(q, err, fn)
}

// forRows calls fn on each row of q, the result of a query that failed
// with err or did not, and closes q.
func forRows(q *sql.Rows, err error, fn func(*sql.Rows) error) error {
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

// findingBody is what the i'th finding of a set says, without the times
// the store owns.
func findingBody(fs *finding.Set, i int) ([]byte, string, error) {
	var f finding.Finding
	fs.At(i, &f)
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
		WHERE sf.scan_seq = ?`, row.seq)
}

func (s *sqlStore) ResolvedFindings(ctx context.Context, scanID string) ([]finding.Finding, error) {
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return nil, err
	}
	return s.readFindings(ctx, scanID, `SELECT fv.body, e.first_seen, e.last_seen, e.resolved_at
		FROM finding_episodes e
		JOIN finding_versions fv ON fv.hash = e.body_hash
		WHERE e.resolved_seq = ?`, row.seq)
}

// readFindings reads a scan's findings in the order of their keys
// (policy, then ARN). The rows come unordered and are put in order here:
// the database would sort the bodies themselves (1.19M findings: 750 MB
// sorted on disk by PostgreSQL at its default work_mem), where this
// sorts their places.

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
	sortFindings(out)
	return out, nil
}

// sortFindings orders findings by policy, then ARN, in byte order (the
// order of the key columns' "C" collation on PostgreSQL and of SQLite's
// BINARY). It sorts small keys (the policy's rank, the ARN) rather than
// the findings, whose size makes every comparison a cache miss, then
// moves each finding once.
func sortFindings(fs []finding.Finding) {
	ranks := map[string]int32{}
	for i := range fs {
		ranks[fs[i].Policy] = 0
	}
	for r, p := range slices.Sorted(maps.Keys(ranks)) {
		ranks[p] = int32(r)
	}
	type key struct {
		arn    string
		policy int32
		at     int32
	}
	keys := make([]key, len(fs))
	for i := range fs {
		keys[i] = key{arn: fs[i].ARN, policy: ranks[fs[i].Policy], at: int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.policy, b.policy), strings.Compare(a.arn, b.arn))
	})
	order := make([]int32, len(fs))
	for i, k := range keys {
		order[i] = k.at
	}
	keys = nil
	// Position i takes fs[order[i]]: follow each cycle of the permutation.
	for i := range order {
		if order[i] < 0 {
			continue
		}
		tmp, j := fs[i], i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				fs[j] = tmp
				break
			}
			fs[j] = fs[k]
			j = k
		}
	}
}

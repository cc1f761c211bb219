package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// sqlStore is both backends, SQLite (embedded) and PostgreSQL: one set of
// queries on a sqldb.DB, which speaks the dialect. Scans are immutable once
// committed, so reads need no transaction: every read names one committed
// scan.
type sqlStore struct {
	db *sqldb.DB
	// path is the SQLite file, or the PostgreSQL DSN without its password:
	// what errors and logs name.
	path     string
	readOnly bool
	logger   *slog.Logger

	// pgx is the parsed PostgreSQL DSN (nil on SQLite), from which
	// PgxPool makes a pool for the job queue on first use.
	pgx      *pgxpool.Config
	poolOnce sync.Once
	pool     *pgxpool.Pool
	poolErr  error

	// pages holds the finding indexes of the scans paged through lately.
	pages pageCache
}

// PgxPool is a pgx pool on the PostgreSQL store's database, for river's
// driver (the job queue shares the database); nil on SQLite or when the
// pool cannot be made (the error is logged).
func (s *sqlStore) PgxPool() *pgxpool.Pool {
	if s.pgx == nil {
		return nil
	}
	s.poolOnce.Do(func() {
		s.pool, s.poolErr = pgxpool.NewWithConfig(context.Background(), s.pgx)
		if s.poolErr != nil {
			s.logger.Error("job queue pool", "dsn", s.path, "err", s.poolErr)
		}
	})
	return s.pool
}

// idleConns is how many connections the pool keeps open between queries.
// database/sql's default of 2 makes a server answering a few readers at
// once open a connection for nearly every query: on SQLite that means
// reading the schema again and starting with a cold page cache, which
// cost more than the query itself.
const idleConns = 8

// sqliteOptions are applied to every connection the pool opens. WAL lets
// readers go on while a scan is being saved; synchronous=FULL makes a
// committed scan survive power loss (one fsync per scan, cheap);
// _txlock=immediate takes the write lock at BEGIN so two writers queue on
// busy_timeout instead of failing to upgrade a read lock. Resource versions
// are found by hash, so a scan touches pages all over that index: a 64 MiB page
// cache (per connection, allocated as used) keeps a 100k-resource save
// from reading the same pages back from disk again and again.
const sqliteOptions = "?_pragma=busy_timeout(10000)" +
	"&_pragma=cache_size(-65536)" +
	"&_pragma=temp_store(memory)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)" +
	"&_pragma=foreign_keys(1)" +
	"&_txlock=immediate"

// readOnlyDSN opens a database for reading only (a SQLite URI, so that
// mode=ro reaches SQLite). immutable tells SQLite the file cannot change,
// so it needs no -wal or -shm file: the only way to read a WAL database in
// a folder this user cannot write, used when no -wal file holds changes.
func readOnlyDSN(path string, immutable bool) string {
	u := "file:" + strings.ReplaceAll(filepath.ToSlash(filepath.Clean(path)), "%", "%25") + "?mode=ro"
	if immutable {
		u += "&immutable=1"
	}
	return u + "&_pragma=busy_timeout(10000)&_pragma=cache_size(-65536)&_pragma=temp_store(memory)"
}

func openSQLite(ctx context.Context, path string, readOnly bool, logger *slog.Logger) (*sqlStore, error) {
	return openSQLiteWith(ctx, path, readOnly, migrationFS, time.Now, logger)
}

func openSQLiteWith(ctx context.Context, path string, readOnly bool, fsys fs.FS, now func() time.Time, logger *slog.Logger) (*sqlStore, error) {
	ms, err := loadMigrations(fsys, sqliteMigrations)
	if err != nil {
		return nil, err
	}
	if readOnly {
		s, err := openSQLiteReadOnly(ctx, path, len(ms), logger)
		if !errors.Is(err, errSchemaOlder) {
			return s, err
		}
		// Reading comes first after an upgrade of steward: a store this
		// user may write is brought up to date, as any writer would.
		if _, ro := cannotWrite(path); ro {
			return nil, err
		}
		rw, err := openSQLiteWith(ctx, path, false, fsys, now, logger)
		if err != nil {
			return nil, err
		}
		if err := rw.Close(); err != nil {
			return nil, err
		}
		return openSQLiteReadOnly(ctx, path, len(ms), logger)
	}
	if why, ok := cannotWrite(path); ok {
		return nil, &readOnlyError{path: path, why: why, err: ErrReadOnly}
	}
	raw, err := sql.Open("sqlite", path+sqliteOptions)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	raw.SetMaxIdleConns(idleConns)
	db := sqldb.New(raw, sqldb.SQLite)
	s := &sqlStore{db: db, path: path, logger: logger}
	err = s.checkWaiting(ctx)
	if err == nil {
		err = s.migrate(ctx, ms, now)
	}
	if err != nil {
		db.Close()
		if err := s.describe(err); errors.Is(err, ErrReadOnly) {
			return nil, err
		}
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	logger.Debug("store opened", "backend", "sqlite", "path", path)
	return s, nil
}

func openSQLiteReadOnly(ctx context.Context, path string, known int, logger *slog.Logger) (*sqlStore, error) {
	s, err := openReadOnlyAs(ctx, path, false, known, logger)
	// SQLite cannot make the -shm file in a read-only folder; with no -wal
	// file there is nothing it would need the -shm for.
	if _, walErr := os.Stat(path + "-wal"); sqliteCode(err) == sqlite3.SQLITE_READONLY && errors.Is(walErr, fs.ErrNotExist) {
		s, err = openReadOnlyAs(ctx, path, true, known, logger)
	}
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, ErrNotFound):
		return nil, err
	default:
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
}

func openReadOnlyAs(ctx context.Context, path string, immutable bool, known int, logger *slog.Logger) (*sqlStore, error) {
	raw, err := sql.Open("sqlite", readOnlyDSN(path, immutable))
	if err != nil {
		return nil, err
	}
	raw.SetMaxIdleConns(idleConns)
	db := sqldb.New(raw, sqldb.SQLite)
	s := &sqlStore{db: db, path: path, readOnly: true, logger: logger}
	if err := s.checkSchema(ctx, known); err != nil {
		db.Close()
		return nil, err
	}
	logger.Debug("store opened", "backend", "sqlite", "path", path, "read_only", true, "immutable", immutable)
	return s, nil
}

// errSchemaOlder is a store written by an older steward, opened read-only.
var errSchemaOlder = errors.New("older than this steward's")

// hasSchemaMigrations counts the schema_migrations tables the store has
// (on PostgreSQL, in the schema search_path names).
var hasSchemaMigrations = map[sqldb.Dialect]string{
	sqldb.SQLite:   `SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'`,
	sqldb.Postgres: `SELECT COUNT(to_regclass('schema_migrations'))`,
}

// checkSchema makes sure a store opened read-only has the schema this
// steward reads: it cannot migrate it.
func (s *sqlStore) checkSchema(ctx context.Context, known int) error {
	var tables int
	if err := s.db.QueryRowContext(ctx, hasSchemaMigrations[s.db.Dialect()]).Scan(&tables); err != nil {
		if sqliteCode(err) == sqlite3.SQLITE_READONLY {
			return err
		}
		if s.db.Dialect() == sqldb.SQLite {
			return fmt.Errorf("read schema (is it an SQLite database?): %w", err)
		}
		return fmt.Errorf("read schema: %w", err)
	}
	var version int
	if tables > 0 {
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
	}
	switch {
	case version == 0:
		return fmt.Errorf("store %s: %w (it is empty)", s.path, ErrNotFound)
	case version > known:
		return fmt.Errorf("database schema version %d is newer than this steward knows (%d): upgrade steward, or point it at another database", version, known)
	case version < known:
		return fmt.Errorf("database schema version %d is %w (%d): open it once with write access (any command that saves, such as `steward scan`) to upgrade it", version, errSchemaOlder, known)
	}
	return nil
}

// checkWaiting is check, waiting while another steward holds a lock it
// needs: the first connections to a new database switch it to WAL, which
// takes the database for a moment, and many stewards started at once on a
// new store wait for one another there as they do for writes.
func (s *sqlStore) checkWaiting(ctx context.Context) error {
	warned := false
	for {
		err := s.check(ctx)
		if err == nil || !isBusy(err) || ctx.Err() != nil {
			return err
		}
		if !warned {
			s.logger.Warn("another steward is writing to the store: waiting for it to finish", "path", s.path)
			warned = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// check makes sure the file is an SQLite database in WAL mode with foreign
// keys on: a pragma that silently did not apply would weaken every promise
// the store makes.
func (s *sqlStore) check(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		if sqliteCode(err) == sqlite3.SQLITE_READONLY {
			return err
		}
		return fmt.Errorf("read journal mode (is it an SQLite database?): %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	var fk int
	if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if fk != 1 {
		return errors.New("foreign keys are off")
	}
	return nil
}

// SQLDB returns the database handle (see SQLDatabase).
func (s *sqlStore) SQLDB() *sqldb.DB { return s.db }

func (s *sqlStore) Close() error {
	if s.pool != nil {
		s.pool.Close()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// nanos stores a time as Unix nanoseconds; a zero time is NULL.
func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// scanRow is a scan as stored, with the store's own sequence number.
type scanRow struct {
	seq  int64
	scan inventory.Scan
}

const scanColumns = `seq, id, source, started_at, finished_at, resources, api_calls, currency, rate`

type rowScanner interface{ Scan(dest ...any) error }

func readScanRow(r rowScanner) (scanRow, error) {
	var (
		row               scanRow
		started, finished sql.NullInt64
		apiCalls          string
	)
	if err := r.Scan(&row.seq, &row.scan.ID, &row.scan.Source, &started, &finished, &row.scan.Resources, &apiCalls, &row.scan.Currency, &row.scan.Rate); err != nil {
		return row, err
	}
	row.scan.Started = fromNanos(started)
	row.scan.Finished = fromNanos(finished)
	if apiCalls != "" && apiCalls != "{}" {
		if err := json.Unmarshal([]byte(apiCalls), &row.scan.APICalls); err != nil {
			return row, fmt.Errorf("scan %s: decode api_calls: %w", row.scan.ID, err)
		}
	}
	return row, nil
}

// coverage loads the coverage rows of the given scans, in saved order.
func (s *sqlStore) loadCoverage(ctx context.Context, rows []scanRow) error {
	if len(rows) == 0 {
		return nil
	}
	idx := make(map[int64]*inventory.Scan, len(rows))
	lo, hi := rows[0].seq, rows[0].seq
	for i := range rows {
		idx[rows[i].seq] = &rows[i].scan
		rows[i].scan.Coverage = []inventory.Coverage{}
		lo, hi = min(lo, rows[i].seq), max(hi, rows[i].seq)
	}
	q, err := s.db.QueryContext(ctx, `SELECT scan_seq, account, region, service, ok, error_kind, error, resources
		FROM scan_coverage WHERE scan_seq BETWEEN ? AND ? ORDER BY scan_seq, pos`, lo, hi)
	if err != nil {
		return fmt.Errorf("read coverage: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var (
			seq int64
			c   inventory.Coverage
		)
		if err := q.Scan(&seq, &c.Account, &c.Region, &c.Service, &c.OK, &c.ErrorKind, &c.Error, &c.Resources); err != nil {
			return fmt.Errorf("read coverage: %w", err)
		}
		if sc, ok := idx[seq]; ok {
			sc.Coverage = append(sc.Coverage, c)
		}
	}
	if err := q.Err(); err != nil {
		return fmt.Errorf("read coverage: %w", err)
	}
	return nil
}

// scanByID finds a scan's row; ErrNotFound when there is none.
func (s *sqlStore) scanByID(ctx context.Context, id string) (scanRow, error) {
	row, err := readScanRow(s.db.QueryRowContext(ctx, `SELECT `+scanColumns+` FROM scans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return row, fmt.Errorf("scan %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return row, fmt.Errorf("read scan %q: %w", id, err)
	}
	return row, nil
}

func (s *sqlStore) Scan(ctx context.Context, id string) (*inventory.Scan, error) {
	row, err := s.scanByID(ctx, id)
	if err != nil {
		return nil, err
	}
	rows := []scanRow{row}
	if err := s.loadCoverage(ctx, rows); err != nil {
		return nil, err
	}
	return &rows[0].scan, nil
}

func (s *sqlStore) LatestScan(ctx context.Context) (*inventory.Scan, error) {
	row, err := readScanRow(s.db.QueryRowContext(ctx, `SELECT `+scanColumns+` FROM scans ORDER BY started_at DESC, seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("latest scan: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read latest scan: %w", err)
	}
	rows := []scanRow{row}
	if err := s.loadCoverage(ctx, rows); err != nil {
		return nil, err
	}
	return &rows[0].scan, nil
}

func (s *sqlStore) Scans(ctx context.Context, limit int) ([]inventory.Scan, error) {
	q, args := `SELECT `+scanColumns+` FROM scans ORDER BY started_at DESC, seq DESC`, []any{}
	if limit > 0 {
		q, args = q+` LIMIT ?`, append(args, limit)
	}
	rows, err := s.scanRows(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	if err := s.loadCoverage(ctx, rows); err != nil {
		return nil, err
	}
	out := make([]inventory.Scan, len(rows))
	for i := range rows {
		out[i] = rows[i].scan
	}
	return out, nil
}

func (s *sqlStore) scanRows(ctx context.Context, query string, args ...any) ([]scanRow, error) {
	q, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list scans: %w", err)
	}
	defer q.Close()
	var rows []scanRow
	for q.Next() {
		row, err := readScanRow(q)
		if err != nil {
			return nil, fmt.Errorf("list scans: %w", err)
		}
		rows = append(rows, row)
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("list scans: %w", err)
	}
	return rows, nil
}

func (s *sqlStore) Resources(ctx context.Context, scanID string) ([]inventory.Resource, error) {
	var out []inventory.Resource
	err := s.eachResource(ctx, scanID, func(row scanRow) {
		out = make([]inventory.Resource, 0, row.scan.Resources)
	}, func(r *inventory.Resource) error {
		out = append(out, *r)
		return nil
	})
	return out, err
}

func (s *sqlStore) EachResource(ctx context.Context, scanID string, fn func(*inventory.Resource) error) error {
	return s.eachResource(ctx, scanID, func(scanRow) {}, fn)
}

// eachResource reads a scan's resources in ARN order, one at a time.
func (s *sqlStore) eachResource(ctx context.Context, scanID string, begin func(scanRow), fn func(*inventory.Resource) error) error {
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return err
	}
	begin(row)
	q, err := s.db.QueryContext(ctx, `SELECT r.arn, v.body FROM scan_resources sr
		JOIN resources r ON r.id = sr.resource_id
		JOIN resource_versions v ON v.id = sr.version_id
		WHERE sr.scan_seq = ? ORDER BY r.arn`, row.seq)
	if err != nil {
		return fmt.Errorf("read resources of scan %q: %w", scanID, err)
	}
	defer q.Close()
	for q.Next() {
		var (
			arn  string
			body []byte
		)
		if err := q.Scan(&arn, &body); err != nil {
			return fmt.Errorf("read resources of scan %q: %w", scanID, err)
		}
		var r inventory.Resource
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("decode resource %s of scan %q: %w", arn, scanID, err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := q.Err(); err != nil {
		return fmt.Errorf("read resources of scan %q: %w", scanID, err)
	}
	return nil
}

// gapIndex answers scan.Covered for many stored scans without loading them
// whole: only their failed coverage rows.
type gapIndex map[int64]*inventory.Scan

// loadGaps reads the failed coverage rows of the scans that started at or
// after a time (Unix nanoseconds).
func loadGaps(ctx context.Context, q querier, fromStarted int64) (gapIndex, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.scan_seq, c.account, c.region, c.service, c.error_kind
		FROM scan_coverage c JOIN scans s ON s.seq = c.scan_seq WHERE NOT c.ok AND s.started_at >= ?`, fromStarted)
	if err != nil {
		return nil, fmt.Errorf("read coverage gaps: %w", err)
	}
	defer rows.Close()
	g := gapIndex{}
	for rows.Next() {
		var (
			seq int64
			c   inventory.Coverage
		)
		if err := rows.Scan(&seq, &c.Account, &c.Region, &c.Service, &c.ErrorKind); err != nil {
			return nil, fmt.Errorf("read coverage gaps: %w", err)
		}
		sc := g[seq]
		if sc == nil {
			sc = &inventory.Scan{}
			g[seq] = sc
		}
		sc.Coverage = append(sc.Coverage, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read coverage gaps: %w", err)
	}
	return g, nil
}

func (g gapIndex) covered(seq int64, account, region string) bool {
	sc, ok := g[seq]
	return !ok || sc.Covered(account, region)
}

func (s *sqlStore) ResourceHistory(ctx context.Context, arn string) ([]Version, error) {
	var (
		resourceID      int64
		account, region string
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, account, region FROM resources WHERE arn = ?`, arn).Scan(&resourceID, &account, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("resource %s: %w", arn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", arn, err)
	}
	// Pruned scans left their events; the kept scans are read from the
	// oldest kept, where the events leave off.
	var (
		out  []Version
		prev string
	)
	if err := eachRow(ctx, s.db, `SELECT e.scan_id, e.at, e.event, COALESCE(v.hash, '') FROM resource_events e
		LEFT JOIN resource_versions v ON v.id = e.version_id
		WHERE e.resource_id = ? ORDER BY e.at, e.scan_id`, []any{resourceID}, func(q *sql.Rows) error {
		var (
			v  Version
			at sql.NullInt64
		)
		if err := q.Scan(&v.ScanID, &at, &v.Event, &v.Hash); err != nil {
			return err
		}
		v.At = fromNanos(at)
		out = append(out, v)
		prev = v.Hash
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read history of %s: %w", arn, err)
	}
	// Scans before the first one that saw the resource say nothing of it.
	var firstSeen sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(s.started_at) FROM scan_resources sr
		JOIN scans s ON s.seq = sr.scan_seq WHERE sr.resource_id = ?`, resourceID).Scan(&firstSeen); err != nil {
		return nil, fmt.Errorf("read history of %s: %w", arn, err)
	}
	first := firstSeen.Int64
	if len(out) > 0 {
		if first, err = prunedBefore(ctx, s.db); err != nil {
			return nil, fmt.Errorf("read history of %s: %w", arn, err)
		}
	} else if !firstSeen.Valid {
		return nil, fmt.Errorf("resource %s: %w", arn, ErrNotFound)
	}
	gaps, err := loadGaps(ctx, s.db, first)
	if err != nil {
		return nil, err
	}
	q, err := s.db.QueryContext(ctx, `SELECT s.seq, s.id, s.started_at, COALESCE(v.hash, '')
		FROM scans s
		LEFT JOIN scan_resources sr ON sr.scan_seq = s.seq AND sr.resource_id = ?
		LEFT JOIN resource_versions v ON v.id = sr.version_id
		WHERE s.started_at >= ? ORDER BY s.started_at, s.seq`, resourceID, first)
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", arn, err)
	}
	defer q.Close()
	for q.Next() {
		var (
			seq     int64
			id      string
			started sql.NullInt64
			hash    string
		)
		if err := q.Scan(&seq, &id, &started, &hash); err != nil {
			return nil, fmt.Errorf("read history of %s: %w", arn, err)
		}
		v := Version{ScanID: id, At: fromNanos(started), Hash: hash}
		switch {
		case hash == prev:
			continue
		case hash == "" && !gaps.covered(seq, account, region):
			continue // not seen, but not looked for either
		case hash == "":
			v.Event = Disappeared
		case prev == "":
			v.Event = Appeared
		default:
			v.Event = Changed
		}
		out = append(out, v)
		prev = hash
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("read history of %s: %w", arn, err)
	}
	return out, nil
}

// member is one resource of a scan, as the diff needs it.
type member struct {
	version         int64
	account, region string
}

func (s *sqlStore) members(ctx context.Context, seq int64) (map[string]member, error) {
	q, err := s.db.QueryContext(ctx, `SELECT r.arn, sr.version_id, r.account, r.region FROM scan_resources sr
		JOIN resources r ON r.id = sr.resource_id WHERE sr.scan_seq = ?`, seq)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	m := map[string]member{}
	for q.Next() {
		var (
			arn string
			v   member
		)
		if err := q.Scan(&arn, &v.version, &v.account, &v.region); err != nil {
			return nil, err
		}
		m[arn] = v
	}
	return m, q.Err()
}

func (s *sqlStore) Diff(ctx context.Context, fromScanID, toScanID string) (Diff, error) {
	d := Diff{From: fromScanID, To: toScanID, Added: []string{}, Changed: []string{}, Removed: []string{}}
	from, err := s.scanByID(ctx, fromScanID)
	if err != nil {
		return d, fmt.Errorf("diff: %w", err)
	}
	toRow, err := s.scanByID(ctx, toScanID)
	if err != nil {
		return d, fmt.Errorf("diff: %w", err)
	}
	toRows := []scanRow{toRow}
	if err := s.loadCoverage(ctx, toRows); err != nil {
		return d, fmt.Errorf("diff: %w", err)
	}
	to := &toRows[0].scan
	a, err := s.members(ctx, from.seq)
	if err != nil {
		return d, fmt.Errorf("diff: read scan %q: %w", fromScanID, err)
	}
	b, err := s.members(ctx, toRow.seq)
	if err != nil {
		return d, fmt.Errorf("diff: read scan %q: %w", toScanID, err)
	}
	for arn, mb := range b {
		ma, ok := a[arn]
		switch {
		case !ok:
			d.Added = append(d.Added, arn)
		case ma.version != mb.version:
			d.Changed = append(d.Changed, arn)
		}
	}
	for arn, ma := range a {
		if _, ok := b[arn]; ok {
			continue
		}
		if to.Covered(ma.account, ma.region) {
			d.Removed = append(d.Removed, arn)
		} else {
			d.Hidden = append(d.Hidden, arn)
		}
	}
	sort.Strings(d.Added)
	sort.Strings(d.Changed)
	sort.Strings(d.Removed)
	sort.Strings(d.Hidden)
	return d, nil
}

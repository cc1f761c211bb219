package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/store/sqldb"
)

// Each backend has its own migrations, numbered alike: migrations/NNNN_*.sql
// for SQLite and migrations/postgres/NNNN_*.sql, the same change in
// PostgreSQL's types, under the same number and name (a test holds them
// to it). A schema version means the same tables on both.
var (
	//go:embed migrations/*.sql
	migrationFS embed.FS
	//go:embed migrations/postgres/*.sql
	pgMigrationFS embed.FS
)

const (
	sqliteMigrations   = "migrations"
	postgresMigrations = "migrations/postgres"
)

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
	// river is the river migration version this migration brings the
	// job queue's tables to (its "-- river: N" line), 0 for none.
	river int
}

// loadMigrations reads the NNNN_name.sql files of a folder and checks they
// are numbered 1, 2, 3 ... without gaps, so a missing file cannot go
// unnoticed.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		rv, err := riverTarget(name, string(b))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b), river: rv})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (versions must start at 1 with no gaps or duplicates)", m.name, i+1)
		}
	}
	return ms, nil
}

// schemaMigrations is the table that records which migrations a store has.
var schemaMigrations = map[sqldb.Dialect]string{
	sqldb.SQLite: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`,
	sqldb.Postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT   NOT NULL,
		applied_at BIGINT NOT NULL
	)`,
}

// migrate applies the migrations the database does not have yet, each in its
// own transaction, and refuses a database written by a newer steward. Like
// a save, it waits for another steward writing to the store (stewards
// started at once on a new store all migrate it) as long as ctx allows.
func (s *sqlStore) migrate(ctx context.Context, ms []migration, now func() time.Time) error {
	db, logger := s.db, s.logger
	known := len(ms)
	// Most opens find the schema current: they need no write lock, which
	// another process saving a big scan may hold for a while. A store with
	// no schema_migrations table yet fails here and gets it below.
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err == nil && current == known {
		return checkApplied(ctx, db, ms)
	}
	for {
		applied, err := s.migrateOne(ctx, ms, now)
		if err != nil {
			return err
		}
		if applied == 0 {
			return nil
		}
		logger.Info("applied schema migration", "version", applied, "latest", known)
	}
}

// migrateOne applies the next pending migration and returns its version, or 0
// when the schema is current. The version is read inside the write
// transaction, so two processes opening one database at once cannot apply
// the same migration twice.
func (s *sqlStore) migrateOne(ctx context.Context, ms []migration, now func() time.Time) (int, error) {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, schemaMigrations[s.db.Dialect()]); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return 0, fmt.Errorf("database schema version %d is newer than this steward knows (%d): upgrade steward, or point it at another database", current, len(ms))
	}
	if err := checkApplied(ctx, tx, ms); err != nil {
		return 0, err
	}
	if current == len(ms) {
		return 0, nil
	}
	m := ms[current]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return 0, fmt.Errorf("apply migration %s: %w", m.name, err)
	}
	if m.river > 0 {
		if err := migrateRiver(ctx, s.db, tx, m.river); err != nil {
			return 0, fmt.Errorf("apply migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, now().UnixNano()); err != nil {
		return 0, fmt.Errorf("record migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit migration %s: %w", m.name, err)
	}
	return m.version, nil
}

// checkApplied refuses a database whose applied migrations are not this
// steward's own under the same numbers: one written by another build,
// whose next migrations would fail halfway (a table that already exists)
// or, worse, succeed on a schema they were not written for.
func checkApplied(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, ms []migration) error {
	rows, err := q.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return fmt.Errorf("read schema migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			v    int
			name string
		)
		if err := rows.Scan(&v, &name); err != nil {
			return fmt.Errorf("read schema migrations: %w", err)
		}
		if v >= 1 && v <= len(ms) && ms[v-1].name != name {
			return fmt.Errorf("database schema does not match this steward: migration %d was applied as %s, this steward's is %s; the store was written by another build of steward: point it at another database", v, name, ms[v-1].name)
		}
	}
	return rows.Err()
}

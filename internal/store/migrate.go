package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
	// river is the river migration version this migration brings the
	// job queue's tables to (its "-- river: N" line), 0 for none.
	river int
}

// loadMigrations reads NNNN_name.sql files and checks they are numbered
// 1, 2, 3 ... without gaps, so a missing file cannot go unnoticed.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
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
		b, err := fs.ReadFile(fsys, path.Join("migrations", name))
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

// migrate applies the migrations the database does not have yet, each in its
// own transaction, and refuses a database written by a newer steward.
func migrate(ctx context.Context, db *sql.DB, ms []migration, now func() time.Time, logger *slog.Logger) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	known := len(ms)
	// Most opens find the schema current: they need no write lock, which
	// another process saving a big scan may hold for a while.
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current == known {
		return nil
	}
	for {
		applied, err := migrateOne(ctx, db, ms, now)
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
func migrateOne(ctx context.Context, db *sql.DB, ms []migration, now func() time.Time) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return 0, fmt.Errorf("database schema version %d is newer than this steward knows (%d): upgrade steward, or point it at another database", current, len(ms))
	}
	if current == len(ms) {
		return 0, nil
	}
	m := ms[current]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return 0, fmt.Errorf("apply migration %s: %w", m.name, err)
	}
	if m.river > 0 {
		if err := migrateRiver(ctx, db, tx, m.river); err != nil {
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

// Package costdb keeps cost rollups in the store's database, SQLite or
// PostgreSQL (through store/sqldb, which speaks both). It owns only its own
// cost_* tables and their migration table cost_schema_migrations, so it
// can share the database with the store without knowing or touching the
// store's schema. It knows cost.Rollup, nothing of billing file formats or
// attribution.
//
// Amounts are kept as exact decimal text on both backends (a float would
// drift). Each migration has a version per dialect: the same columns, with
// text compared and sorted byte by byte on PostgreSQL (COLLATE "C") as it
// is on SQLite.
package costdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// migrations are applied in order; each runs once, in a transaction.
var migrations = []map[sqldb.Dialect]string{
	{
		sqldb.SQLite: `CREATE TABLE cost_periods (
		source   TEXT NOT NULL,
		period   TEXT NOT NULL,
		ingested TEXT NOT NULL,
		rollups  INTEGER NOT NULL,
		billed   TEXT NOT NULL,
		PRIMARY KEY (source, period)
	);
	CREATE TABLE cost_rollups (
		source        TEXT NOT NULL,
		period        TEXT NOT NULL,
		day           TEXT NOT NULL,
		account       TEXT NOT NULL,
		region        TEXT NOT NULL,
		service       TEXT NOT NULL,
		usage_type    TEXT NOT NULL,
		resource      TEXT NOT NULL,
		resource_name TEXT NOT NULL,
		tags          TEXT NOT NULL,
		kind          TEXT NOT NULL,
		currency      TEXT NOT NULL,
		-- Amounts are exact decimal text: SQLite's REAL would drift.
		billed        TEXT NOT NULL,
		effective     TEXT NOT NULL,
		lines         INTEGER NOT NULL
	);
	CREATE INDEX cost_rollups_period ON cost_rollups (source, period);
	CREATE INDEX cost_rollups_day ON cost_rollups (day);`,
		sqldb.Postgres: `CREATE TABLE cost_periods (
		source   TEXT COLLATE "C" NOT NULL,
		period   TEXT COLLATE "C" NOT NULL,
		ingested TEXT NOT NULL,
		rollups  BIGINT NOT NULL,
		billed   TEXT NOT NULL,
		PRIMARY KEY (source, period)
	);
	CREATE TABLE cost_rollups (
		source        TEXT COLLATE "C" NOT NULL,
		period        TEXT COLLATE "C" NOT NULL,
		day           TEXT COLLATE "C" NOT NULL,
		account       TEXT COLLATE "C" NOT NULL,
		region        TEXT COLLATE "C" NOT NULL,
		service       TEXT COLLATE "C" NOT NULL,
		usage_type    TEXT COLLATE "C" NOT NULL,
		resource      TEXT COLLATE "C" NOT NULL,
		resource_name TEXT COLLATE "C" NOT NULL,
		tags          TEXT COLLATE "C" NOT NULL,
		kind          TEXT COLLATE "C" NOT NULL,
		currency      TEXT COLLATE "C" NOT NULL,
		-- Amounts are exact decimal text, as on SQLite.
		billed        TEXT NOT NULL,
		effective     TEXT NOT NULL,
		lines         BIGINT NOT NULL
	);
	CREATE INDEX cost_rollups_period ON cost_rollups (source, period);
	CREATE INDEX cost_rollups_day ON cost_rollups (day);`,
	},
}

// migrationsTable records the cost schema version; the same on both.
const migrationsTable = `CREATE TABLE IF NOT EXISTS cost_schema_migrations (
	version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`

// DB is a cost.RollupStore in the store's database.
type DB struct {
	db *sqldb.DB
}

var _ cost.RollupStore = (*DB)(nil)

// Open migrates the cost tables in db and returns the store. The caller
// owns db and closes it. When the tables are current Open only reads, so
// it works on a store opened for reading only.
func Open(ctx context.Context, db *sqldb.DB) (*DB, error) {
	for _, m := range migrations {
		if m[db.Dialect()] == "" {
			return nil, fmt.Errorf("cost tables: no migrations for %s", db.Dialect())
		}
	}
	var have int
	err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM cost_schema_migrations`).Scan(&have)
	switch {
	case err == nil && have == len(migrations):
		return &DB{db: db}, nil
	case err == nil && have > len(migrations):
		return nil, fmt.Errorf("cost schema is version %d, newer than this steward knows (%d): upgrade steward", have, len(migrations))
	}
	// Missing (err), older or newer: decided under the write lock, so two
	// stewards opening one database at once migrate it once.
	for {
		done, err := migrateOne(ctx, db)
		if err != nil {
			return nil, err
		}
		if done {
			return &DB{db: db}, nil
		}
	}
}

// migrateOne applies the next cost migration, or says the tables are
// current.
func migrateOne(ctx context.Context, db *sqldb.DB) (done bool, err error) {
	tx, err := db.BeginWrite(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("cost migrations: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, migrationsTable); err != nil {
		return false, fmt.Errorf("cost migrations table: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM cost_schema_migrations`).Scan(&have); err != nil {
		return false, fmt.Errorf("cost schema version: %w", err)
	}
	switch {
	case have > len(migrations):
		return false, fmt.Errorf("cost schema is version %d, newer than this steward knows (%d): upgrade steward", have, len(migrations))
	case have == len(migrations):
		return true, nil
	}
	v := have + 1
	if _, err := tx.ExecContext(ctx, migrations[v-1][db.Dialect()]); err != nil {
		return false, fmt.Errorf("cost migration %d: %w", v, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cost_schema_migrations (version, applied_at) VALUES (?, ?)`,
		v, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return false, fmt.Errorf("cost migration %d: %w", v, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("cost migration %d: %w", v, err)
	}
	return false, nil
}

// ReplacePeriods deletes and inserts every batch in one transaction: a
// reader sees the old months or the new ones, never both and never half,
// and an ingest stopped halfway replaces none.
func (d *DB) ReplacePeriods(ctx context.Context, ingested time.Time, batches []cost.Batch) (err error) {
	for _, b := range batches {
		if err := b.Check(); err != nil {
			return err
		}
	}
	// The write lock keeps two ingests of one period from interleaving
	// their deletes and inserts (PostgreSQL would otherwise let both in).
	tx, err := d.db.BeginWrite(ctx, nil)
	if err != nil {
		return fmt.Errorf("replace periods: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO cost_rollups (source, period, day, account, region, service,
		usage_type, resource, resource_name, tags, kind, currency, billed, effective, lines)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("replace periods: %w", err)
	}
	defer stmt.Close()
	for _, b := range batches {
		if err = replacePeriod(ctx, tx, stmt, ingested, b); err != nil {
			return fmt.Errorf("replace %s %s: %w", b.Source, b.Period, err)
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("replace periods: commit: %w", err)
	}
	return nil
}

func replacePeriod(ctx context.Context, tx *sqldb.Tx, insert *sql.Stmt, ingested time.Time, b cost.Batch) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM cost_rollups WHERE source = ? AND period = ?`, b.Source, b.Period); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	var billed cost.Money
	for _, r := range b.Rollups {
		billed = billed.Add(r.Billed)
		if _, err := insert.ExecContext(ctx, r.Source, r.Period, r.Day.UTC().Format(time.DateOnly), r.Account, r.Region,
			r.Service, r.UsageType, r.Resource, r.ResourceName, string(r.Tags), string(r.Kind), r.Currency,
			r.Billed.String(), r.Effective.String(), r.Lines); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cost_periods (source, period, ingested, rollups, billed)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, period) DO UPDATE SET
		ingested = excluded.ingested, rollups = excluded.rollups, billed = excluded.billed`,
		b.Source, b.Period, ingested.UTC().Format(time.RFC3339Nano), len(b.Rollups), billed.String()); err != nil {
		return fmt.Errorf("period: %w", err)
	}
	return nil
}

// Scan streams rollups in day order.
func (d *DB) Scan(ctx context.Context, f cost.Filter, fn func(cost.Rollup) error) error {
	from, to := "0000-00-00", "9999-99-99"
	if !f.From.IsZero() {
		from = f.From.UTC().Format(time.DateOnly)
	}
	if !f.To.IsZero() {
		to = f.To.UTC().Format(time.DateOnly)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT source, period, day, account, region, service, usage_type, resource,
		resource_name, tags, kind, currency, billed, effective, lines FROM cost_rollups
		WHERE day >= ? AND day < ?
		ORDER BY day, source, account, service, usage_type, resource, tags, kind, region, currency`, from, to)
	if err != nil {
		return fmt.Errorf("scan rollups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r cost.Rollup
		var day, tags, kind, billed, effective string
		if err := rows.Scan(&r.Source, &r.Period, &day, &r.Account, &r.Region, &r.Service, &r.UsageType, &r.Resource,
			&r.ResourceName, &tags, &kind, &r.Currency, &billed, &effective, &r.Lines); err != nil {
			return fmt.Errorf("scan rollups: %w", err)
		}
		if r.Day, err = time.Parse(time.DateOnly, day); err != nil {
			return fmt.Errorf("scan rollups: day %q: %w", day, err)
		}
		r.Tags, r.Kind = cost.Tags(tags), cost.Kind(kind)
		if r.Billed, err = cost.ParseMoney(billed); err != nil {
			return fmt.Errorf("scan rollups: billed %q: %w", billed, err)
		}
		if r.Effective, err = cost.ParseMoney(effective); err != nil {
			return fmt.Errorf("scan rollups: effective %q: %w", effective, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("scan rollups: %w", err)
	} else if err != nil {
		return err
	}
	return nil
}

// Periods lists what is stored, by source and period.
func (d *DB) Periods(ctx context.Context) ([]cost.PeriodInfo, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT source, period, ingested, rollups, billed FROM cost_periods ORDER BY source, period`)
	if err != nil {
		return nil, fmt.Errorf("list periods: %w", err)
	}
	defer rows.Close()
	var out []cost.PeriodInfo
	for rows.Next() {
		var p cost.PeriodInfo
		var at, billed string
		if err := rows.Scan(&p.Source, &p.Period, &at, &p.Rollups, &billed); err != nil {
			return nil, fmt.Errorf("list periods: %w", err)
		}
		if p.Ingested, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, fmt.Errorf("list periods: ingested %q: %w", at, err)
		}
		if p.Billed, err = cost.ParseMoney(billed); err != nil {
			return nil, fmt.Errorf("list periods: billed %q: %w", billed, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list periods: %w", err)
	}
	return out, nil
}

package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// SQLDatabase is a store on database/sql (store.SQLDatabase).
type SQLDatabase interface{ SQLDB() *sqldb.DB }

// PgxPooler is a store on PostgreSQL through pgx: river's pgx driver
// takes its pool.
type PgxPooler interface{ PgxPool() *pgxpool.Pool }

// New runs jobs on the store's database: river's pgx driver when the store
// gives a pgx pool (PostgreSQL, shared by replicas), its SQLite driver
// when it gives a *sql.DB. River's tables must exist (the store's
// migrations make them).
func New(db any, jobs []Job, cfg Config) (*Runner, error) {
	if p, ok := db.(PgxPooler); ok {
		if pool := p.PgxPool(); pool != nil {
			return NewPostgres(pool, jobs, cfg)
		}
	}
	if d, ok := db.(SQLDatabase); ok && d.SQLDB().Dialect() == sqldb.SQLite {
		return NewSQLite(d.SQLDB().Raw(), jobs, cfg)
	}
	return nil, fmt.Errorf("jobs: the store (%T) keeps no database river can use", db)
}

// NewSQLite runs jobs with river's SQLite driver on db.
func NewSQLite(db *sql.DB, jobs []Job, cfg Config) (*Runner, error) {
	r, err := newRunner(jobs, cfg)
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(riversqlite.New(db), r.riverConfig())
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r.client = c
	return r, nil
}

// NewPostgres runs jobs with river's pgx driver on pool.
func NewPostgres(pool *pgxpool.Pool, jobs []Job, cfg Config) (*Runner, error) {
	r, err := newRunner(jobs, cfg)
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(riverpgxv5.New(pool), r.riverConfig())
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r.client = c
	return r, nil
}

// MigratePostgres brings river's tables on a PostgreSQL store up to
// target (0: the latest this river knows), for the store's migration
// step; the SQLite store does the same in its migration 0008.
func MigratePostgres(ctx context.Context, pool *pgxpool.Pool, target int) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: target}); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

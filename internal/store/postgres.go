package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/steward-sre/steward/internal/store/sqldb"
)

// openPostgres opens the store in the PostgreSQL database a DSN names, in
// the schema its search_path names (public by default), and brings the
// schema up to date. A store opened read-only runs every transaction
// read-only (default_transaction_read_only), so PostgreSQL itself refuses
// writes.
func openPostgres(ctx context.Context, dsn string, readOnly bool, logger *slog.Logger) (*sqlStore, error) {
	return openPostgresWith(ctx, dsn, readOnly, time.Now, logger)
}

func openPostgresWith(ctx context.Context, dsn string, readOnly bool, now func() time.Time, logger *slog.Logger) (*sqlStore, error) {
	name := redact(dsn)
	ms, err := loadMigrations(pgMigrationFS, postgresMigrations)
	if err != nil {
		return nil, err
	}
	// pgx says what is wrong with a DSN without its password; the DSN
	// shown is redacted here too.
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", name, redactErr(err, dsn))
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "steward"
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	raw := stdlib.OpenDB(*cfg)
	raw.SetMaxIdleConns(idleConns)
	db := sqldb.New(raw, sqldb.Postgres)
	s := &sqlStore{db: db, path: name, readOnly: readOnly, logger: logger}
	if !readOnly {
		if pc, err := pgxpool.ParseConfig(dsn); err == nil {
			pc.ConnConfig.RuntimeParams["application_name"] = cfg.RuntimeParams["application_name"]
			s.pgx = pc
		}
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres store %s: %w", name, redactErr(err, dsn))
	}
	if readOnly {
		err := s.checkSchema(ctx, len(ms))
		if err == nil {
			logger.Debug("store opened", "backend", "postgres", "dsn", name, "read_only", true)
			return s, nil
		}
		db.Close()
		if !errors.Is(err, errSchemaOlder) {
			if errors.Is(err, ErrNotFound) {
				return nil, err
			}
			return nil, fmt.Errorf("open postgres store %s: %w", name, redactErr(err, dsn))
		}
		// As on SQLite: reading comes first after an upgrade of steward,
		// and a store this role may write is brought up to date.
		rw, err := openPostgresWith(ctx, dsn, false, now, logger)
		if err != nil {
			return nil, err
		}
		if err := rw.Close(); err != nil {
			return nil, err
		}
		return openPostgresWith(ctx, dsn, true, now, logger)
	}
	if err := s.migrate(ctx, ms, now); err != nil {
		db.Close()
		if err := s.describe(err); errors.Is(err, ErrReadOnly) {
			return nil, err
		}
		if pgCode(err) == pgNoSchema {
			return nil, fmt.Errorf("open postgres store %s: %w (the schema search_path names must exist: CREATE SCHEMA it first)", name, redactErr(err, dsn))
		}
		return nil, fmt.Errorf("open postgres store %s: %w", name, redactErr(err, dsn))
	}
	logger.Debug("store opened", "backend", "postgres", "dsn", name)
	return s, nil
}

// PostgreSQL's codes for a write refused: the transaction is read-only, or
// the role may not write there.
const (
	pgReadOnlyTransaction   = "25006"
	pgInsufficientPrivilege = "42501"
)

// pgNoSchema is PostgreSQL's "no schema has been selected to create in":
// search_path names no schema that exists.
const pgNoSchema = "3F000"

// pgCode is the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgReadOnly says whether err is PostgreSQL refusing a write.
func pgReadOnly(err error) bool {
	c := pgCode(err)
	return c == pgReadOnlyTransaction || c == pgInsufficientPrivilege
}

// redactErr keeps a password out of an error that might quote the DSN it
// was given (pgx redacts its own; this is for any other path).
func redactErr(err error, dsn string) error {
	if err == nil {
		return nil
	}
	pw := dsnPassword(dsn)
	if pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), pw, "xxxxx"), err: err}
}

// redactedError is an error whose text had a password in it: the text is
// rewritten, the cause is kept for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

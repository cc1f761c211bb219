// Package sqldb is the database handle steward's SQL backends share, so
// that a query is written once for SQLite and PostgreSQL. Queries use '?'
// placeholders and SQL both dialects read the same way (ON CONFLICT upserts,
// RETURNING, UPDATE ... FROM); the handle rewrites the placeholders for
// PostgreSQL ($1, $2 ...). What remains different is named here or in a
// backend's own migrations, never guessed from a driver's type:
//
//   - placeholders: Rebind;
//   - one writer at a time: SQLite takes its write lock at BEGIN
//     (_txlock=immediate); on PostgreSQL BeginWrite takes a transaction
//     advisory lock named after the schema, so writers queue as they do on
//     SQLite and read-then-write transactions (the finding lifecycle, a
//     billing period's replacement) never interleave; readers are never
//     blocked;
//   - column types and collations: each backend's migrations;
//   - bulk writes: a PostgreSQL write transaction can CopyFrom (COPY).
//
// It knows database/sql (and pgx, for COPY) and nothing of steward's
// tables.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Dialect is the SQL a database speaks.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Rebind rewrites '?' placeholders into the dialect's own: unchanged for
// SQLite, $1, $2 ... for PostgreSQL. SQLite's numbered ?NNN is not
// supported. A '?' inside a string literal, a quoted
// identifier or a comment is left alone.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+1])
			i += end
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+4])
			i += end + 3
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// The lock BeginWrite takes first on PostgreSQL: one advisory lock per
// schema (a store is a schema: search_path picks it; none when search_path
// names no schema that exists), held until the transaction ends. tryWriteLock takes it if it is free, so that a writer
// about to wait can say so.
const (
	lockKey      = `hashtextextended('steward.store:' || COALESCE(current_schema(), ''), 0)`
	tryWriteLock = `SELECT pg_try_advisory_xact_lock(` + lockKey + `)`
	writeLock    = `SELECT pg_advisory_xact_lock(` + lockKey + `)`
)

// DB is a *sql.DB that speaks one dialect. Only the context-taking methods
// are offered, so that no query can skip Rebind.
type DB struct {
	db      *sql.DB
	dialect Dialect
}

// New wraps db; the caller hands db over and closes it with DB.Close.
func New(db *sql.DB, d Dialect) *DB { return &DB{db: db, dialect: d} }

// Dialect is the SQL the database speaks.
func (db *DB) Dialect() Dialect { return db.dialect }

// Raw is the database/sql handle, for a library that takes one (river's
// drivers); queries through it are not rebound.
func (db *DB) Raw() *sql.DB { return db.db }

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// PingContext checks the database can be reached.
func (db *DB) PingContext(ctx context.Context) error { return db.db.PingContext(ctx) }

// SetMaxOpenConns limits the connections the pool opens.
func (db *DB) SetMaxOpenConns(n int) { db.db.SetMaxOpenConns(n) }

func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.db.ExecContext(ctx, db.dialect.Rebind(query), args...)
}

func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.db.QueryContext(ctx, db.dialect.Rebind(query), args...)
}

func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return db.db.QueryRowContext(ctx, db.dialect.Rebind(query), args...)
}

func (db *DB) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return db.db.PrepareContext(ctx, db.dialect.Rebind(query))
}

// BeginTx starts a transaction for reading, or for writes that need no
// order with other writers.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{tx: tx, dialect: db.dialect}, nil
}

// BeginWrite starts a transaction that is the only writer of the store
// until it ends (see the package doc). On SQLite the lock is taken at BEGIN
// when the connection says _txlock=immediate, else at the first write; a
// busy SQLite database fails here, and the caller decides whether to wait.
// On PostgreSQL it waits for the lock as long as ctx allows, calling
// waiting (when not nil) once before it does.
func (db *DB) BeginWrite(ctx context.Context, waiting func()) (*Tx, error) {
	if db.dialect != Postgres {
		return db.BeginTx(ctx, nil)
	}
	// On a connection of its own, so that CopyFrom reaches the driver's
	// connection the transaction runs on.
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	tx := &Tx{tx: sqlTx, conn: conn, dialect: db.dialect}
	var got bool
	err = tx.tx.QueryRowContext(ctx, tryWriteLock).Scan(&got)
	if err == nil && !got {
		if waiting != nil {
			waiting()
		}
		_, err = tx.tx.ExecContext(ctx, writeLock)
	}
	if err != nil {
		tx.Rollback() //nolint:errcheck // the lock's error is the one to report
		return nil, fmt.Errorf("wait for other writers: %w", err)
	}
	return tx, nil
}

// BeginWriteUnchecked is BeginWrite for a write whose references the
// caller makes itself (a scan's save: the rows it names it has just read
// or written) and checks otherwise: on SQLite the transaction runs on a
// connection of its own with foreign keys off, which checking row by
// row made a fifth of a million-resource save; they are on again before
// the connection goes back to the pool, or the connection is dropped. On
// PostgreSQL, whose per-row keys the migrations keep where they are
// cheap, it is BeginWrite.
func (db *DB) BeginWriteUnchecked(ctx context.Context, waiting func()) (*Tx, error) {
	if db.dialect == Postgres {
		return db.BeginWrite(ctx, waiting)
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// A no-op inside a transaction: set before BEGIN.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		conn.Close()
		return nil, err
	}
	tx := &Tx{conn: conn, dialect: db.dialect, keysOff: true}
	if tx.tx, err = conn.BeginTx(ctx, nil); err != nil {
		tx.release()
		return nil, err
	}
	return tx, nil
}

// Tx is a transaction of a DB.
type Tx struct {
	tx *sql.Tx
	// conn is the transaction's own connection: a PostgreSQL write
	// transaction's, for CopyFrom, or an unchecked SQLite one's.
	conn    *sql.Conn
	keysOff bool // conn has foreign keys off (BeginWriteUnchecked)
	dialect Dialect
	stmts   map[string]*sql.Stmt // Prepared's
}

// Dialect is the SQL the database speaks.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// Raw is the database/sql transaction, for a library that takes one.
func (tx *Tx) Raw() *sql.Tx { return tx.tx }

func (tx *Tx) Commit() error {
	err := tx.tx.Commit()
	tx.release()
	return err
}

func (tx *Tx) Rollback() error {
	err := tx.tx.Rollback()
	tx.release()
	return err
}

// release gives the transaction's own connection back to the pool, with
// foreign keys on again; one that cannot have them is dropped.
func (tx *Tx) release() {
	if tx.conn == nil {
		return
	}
	if tx.keysOff {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := tx.conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`); err != nil {
			tx.conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // the error drops the connection
		}
		cancel()
	}
	tx.conn.Close()
	tx.conn = nil
}

// CanCopy says whether CopyFrom works: a PostgreSQL write transaction.
func (tx *Tx) CanCopy() bool { return tx.conn != nil && tx.dialect == Postgres }

// CopyFrom writes rows into a table's columns with PostgreSQL's COPY, in
// the transaction: one stream instead of a statement per few hundred
// rows. Only a PostgreSQL write transaction (BeginWrite) can.
func (tx *Tx) CopyFrom(ctx context.Context, table string, columns []string, rows pgx.CopyFromSource) (int64, error) {
	if !tx.CanCopy() {
		return 0, fmt.Errorf("copy into %s: only a PostgreSQL write transaction can copy", table)
	}
	var n int64
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: the connection is a %T, not pgx's", table, dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, rows)
		return err
	})
	return n, err
}

func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.dialect.Rebind(query), args...)
}

func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.dialect.Rebind(query), args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.dialect.Rebind(query), args...)
}

func (tx *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(ctx, tx.dialect.Rebind(query))
}

// Prepared is query prepared once per transaction, for a statement run
// many times in it (each full chunk of a multi-row write): parsed once,
// not at each run. The statement closes with the transaction.
func (tx *Tx) Prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.tx.PrepareContext(ctx, tx.dialect.Rebind(query))
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// Snapshot is a read-only transaction: all its queries see the database as
// one moment, whatever commits meanwhile. On SQLite it is a plain BEGIN on
// a connection of its own (the store's connections begin immediate
// transactions, which would take the write lock for a read); on PostgreSQL
// a REPEATABLE READ, READ ONLY transaction. Neither waits for writers.
type Snapshot struct {
	conn    *sql.Conn // SQLite
	tx      *sql.Tx   // PostgreSQL
	dialect Dialect
}

// BeginSnapshot starts a Snapshot; Close ends it.
func (db *DB) BeginSnapshot(ctx context.Context) (*Snapshot, error) {
	if db.dialect == Postgres {
		tx, err := db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return nil, err
		}
		return &Snapshot{tx: tx, dialect: db.dialect}, nil
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		conn.Close()
		return nil, err
	}
	return &Snapshot{conn: conn, dialect: db.dialect}, nil
}

// Dialect is the SQL the database speaks.
func (s *Snapshot) Dialect() Dialect { return s.dialect }

func (s *Snapshot) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s.tx != nil {
		return s.tx.QueryContext(ctx, s.dialect.Rebind(query), args...)
	}
	return s.conn.QueryContext(ctx, s.dialect.Rebind(query), args...)
}

func (s *Snapshot) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s.tx != nil {
		return s.tx.QueryRowContext(ctx, s.dialect.Rebind(query), args...)
	}
	return s.conn.QueryRowContext(ctx, s.dialect.Rebind(query), args...)
}

// Close ends the snapshot; it never wrote, so nothing is lost.
func (s *Snapshot) Close() error {
	if s.tx != nil {
		return s.tx.Rollback()
	}
	_, err := s.conn.ExecContext(context.Background(), `ROLLBACK`)
	if cerr := s.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

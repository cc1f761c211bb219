package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/steward-sre/steward/internal/store/sqldb"
)

// chunkRows is how many rows one multi-row statement writes or looks up.
// A statement per row costs a round trip through database/sql and the
// driver each; a statement per few hundred rows makes that cost vanish,
// while staying far below either backend's limit on parameters (SQLite
// 32766, PostgreSQL 65535) for the widest row the store writes.
const chunkRows = 500

// values is the VALUES list of a multi-row statement: rows groups of cols
// placeholders, "(?, ?), (?, ?)".
func values(rows, cols int) string {
	group := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(group+", ", rows-1) + group
}

// list is an IN list of n placeholders, "?, ?, ?".
func list(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}

// queryChunk runs the statement of one chunk of rows of a multi-row write
// or look-up and calls fn on each row it returns. The statement of a full
// chunk (chunkRows rows) is prepared once per transaction: its text is
// the same for every full chunk, so it is parsed once, not a thousand
// times in a big save.
func queryChunk(ctx context.Context, tx *sqldb.Tx, query string, rows int, args []any, fn func(*sql.Rows) error) error {
	if rows != chunkRows {
		return eachRow(ctx, tx, query, args, fn)
	}
	st, err := tx.Prepared(ctx, query)
	if err != nil {
		return err
	}
	q, err := st.QueryContext(ctx, args...)
	return forRows(q, err, fn)
}

// execChunk is queryChunk for a statement that returns no rows.
func execChunk(ctx context.Context, tx *sqldb.Tx, query string, rows int, args ...any) error {
	if rows != chunkRows {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	st, err := tx.Prepared(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// chunks calls fn with the bounds of consecutive pieces of at most size
// items out of n, stopping at the first error.
func chunks(n, size int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += size {
		if err := fn(lo, min(lo+size, n)); err != nil {
			return err
		}
	}
	return nil
}

// parallel runs fn over [0, n) split between the CPUs: the content hashes
// and bodies of a big scan are pure CPU work, independent per resource.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/1024, 1))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// insertRows writes n rows into table's columns, row(i, dst) filling
// dst with the values of row i: with COPY on a PostgreSQL write
// transaction, else a few hundred rows per INSERT, the full ones through
// one prepared statement.
func insertRows(ctx context.Context, tx *sqldb.Tx, table string, cols []string, n int, row func(i int, dst []any)) error {
	if n == 0 {
		return nil
	}
	if tx.CanCopy() {
		src := &rowSource{n: n, i: -1, row: row, vals: make([]any, len(cols))}
		if _, err := tx.CopyFrom(ctx, table, cols, src); err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		return nil
	}
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	per := min(chunkRows, n)
	full, err := tx.PrepareContext(ctx, head+values(per, len(cols)))
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	defer full.Close()
	args := make([]any, per*len(cols))
	return chunks(n, per, func(lo, hi int) error {
		a := args[:(hi-lo)*len(cols)]
		for i := lo; i < hi; i++ {
			row(i, a[(i-lo)*len(cols):(i-lo+1)*len(cols)])
		}
		var err error
		if hi-lo == per {
			_, err = full.ExecContext(ctx, a...)
		} else {
			_, err = tx.ExecContext(ctx, head+values(hi-lo, len(cols)), a...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		return nil
	})
}

// rowSource gives insertRows' rows to COPY (pgx.CopyFromSource).
type rowSource struct {
	n, i int
	row  func(i int, dst []any)
	vals []any
}

func (s *rowSource) Next() bool {
	s.i++
	return s.i < s.n
}

func (s *rowSource) Values() ([]any, error) {
	s.row(s.i, s.vals)
	return s.vals, nil
}

func (s *rowSource) Err() error { return nil }

package sqldb

import (
	"context"
	"database/sql"
	"testing"

	_ "modernc.org/sqlite"
)

// TestPrepared: a query is prepared once per transaction and runs again
// with other arguments; a new transaction prepares it anew.
func TestPrepared(t *testing.T) {
	ctx := context.Background()
	raw, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	defer raw.Close()
	db := New(raw, SQLite)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO t (n) VALUES (?), (?)`
	var first *sql.Stmt
	for round := range 2 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			st, err := tx.Prepared(ctx, insert)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case round == 0 && i == 0:
				first = st
			case round == 0 && st != first:
				t.Fatalf("round %d, run %d: prepared again in the same transaction", round, i)
			case round == 1 && st == first:
				t.Fatalf("round %d: a statement of the transaction before", round)
			}
			if _, err := st.ExecContext(ctx, i, 10*i); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var n, sum int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), SUM(n) FROM t`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 12 || sum != 2*(0+1+2+0+10+20) {
		t.Errorf("rows = %d, sum = %d; want 12 rows summing to %d", n, sum, 2*(0+1+2+0+10+20))
	}
}

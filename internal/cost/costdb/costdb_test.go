package costdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/costtest"
)

func open(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	costtest.Run(t, func(t *testing.T) cost.RollupStore {
		st, err := Open(context.Background(), open(t, filepath.Join(t.TempDir(), "steward.db")))
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// TestSharesTheFile opens the same file twice (a second steward run) and
// next to a table of another owner: migrations run once and touch only
// cost_* tables.
func TestSharesTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	db := open(t, path)
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER); INSERT INTO schema_migrations VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := Open(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	var costV, storeV int
	if err := db.QueryRow(`SELECT COUNT(*) FROM cost_schema_migrations`).Scan(&costV); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT version FROM schema_migrations`).Scan(&storeV); err != nil {
		t.Fatal(err)
	}
	if costV != len(migrations) || storeV != 7 {
		t.Errorf("cost migrations %d (want %d), store version %d (want 7)", costV, len(migrations), storeV)
	}
	if _, err := db.Exec(`INSERT INTO cost_schema_migrations VALUES (99, 'x')`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, db); err == nil {
		t.Error("a newer cost schema opened without an error")
	}
}

// TestMigratesRowsToBlocks opens a store whose rollups are still rows of
// cost_rollups (cost schema 1): they move into blocks unchanged, and the
// periods keep their ingest time and totals.
func TestMigratesRowsToBlocks(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "steward.db"))
	if _, err := db.Exec(`CREATE TABLE cost_schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
		INSERT INTO cost_schema_migrations VALUES (1, '2025-01-01T00:00:00Z');` + migrations[0].sql); err != nil {
		t.Fatal(err)
	}
	type row struct{ source, period, day, resource, tags, billed, effective string }
	rows := []row{
		{"b", "2024-09", "2024-09-02", "i-2", `{"env":"prod"}`, "2.5", "2"},
		{"a", "2024-09", "2024-09-02", "i-1", "", "-0.000000000001", "0"},
		{"a", "2024-09", "2024-09-01", "i-1", `{"system":"shop"}`, "1", "1"},
		{"a", "2024-10", "2024-10-01", "i-1", "", "4", "4"},
	}
	for _, r := range rows {
		if _, err := db.Exec(`INSERT INTO cost_rollups VALUES (?, ?, ?, '111111111111', 'ap-northeast-1', 'AmazonEC2', 'BoxUsage', ?, 'web', ?, 'usage', 'USD', ?, ?, 3)`,
			r.source, r.period, r.day, r.resource, r.tags, r.billed, r.effective); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO cost_periods VALUES ('a', '2024-09', '2024-10-03T00:00:00Z', 2, '0.999999999999'),
		('a', '2024-10', '2024-11-03T00:00:00Z', 1, '4'), ('b', '2024-09', '2024-10-04T00:00:00Z', 1, '2.5')`); err != nil {
		t.Fatal(err)
	}
	st, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error {
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s %s %d", r.Source, r.Period, r.Day.Format(time.DateOnly), r.Resource, r.Tags, r.Billed, r.Effective, r.Lines))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a 2024-09 2024-09-01 i-1 {"system":"shop"} 1 1 3`,
		`a 2024-09 2024-09-02 i-1  -0.000000000001 0 3`,
		`b 2024-09 2024-09-02 i-2 {"env":"prod"} 2.5 2 3`,
		`a 2024-10 2024-10-01 i-1  4 4 3`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rollups (-want +got):\n%s", d)
	}
	ps, err := st.Periods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var gotP []string
	for _, p := range ps {
		gotP = append(gotP, fmt.Sprintf("%s %s %d %s %s %s", p.Source, p.Period, p.Rollups, p.Billed, p.Ingested.Format(time.DateOnly), p.Last.Format(time.DateOnly)))
	}
	wantP := []string{"a 2024-09 2 0.999999999999 2024-10-03 2024-09-02", "a 2024-10 1 4 2024-11-03 2024-10-01", "b 2024-09 1 2.5 2024-10-04 2024-09-02"}
	if d := cmp.Diff(wantP, gotP); d != "" {
		t.Errorf("periods (-want +got):\n%s", d)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'cost_rollups'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("cost_rollups still there (%d, %v)", n, err)
	}
}

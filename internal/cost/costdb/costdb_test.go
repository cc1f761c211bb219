package costdb

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

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

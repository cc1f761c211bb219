package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
)

// TestRiverTablesMigrated: opening a store makes river's tables with
// river's own migrator, once, however often the store is opened.
func TestRiverTablesMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	for range 2 {
		s, err := openSQLite(ctx, path, false, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		var versions, jobs int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_migration WHERE line = 'main'`).Scan(&versions); err != nil {
			t.Fatalf("river_migration: %v", err)
		}
		if versions != 8 {
			t.Errorf("river migrations applied = %d, want 8", versions)
		}
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&jobs); err != nil {
			t.Fatalf("river_job: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRiverTarget(t *testing.T) {
	for _, tc := range []struct {
		sql     string
		want    int
		wantErr bool
	}{
		{"CREATE TABLE x (a INT);", 0, false},
		{"-- comment\n-- river: 8\n", 8, false},
		{"  -- river:12", 12, false},
		{"-- river: eight", 0, true},
		{"-- river: 0", 0, true},
	} {
		got, err := riverTarget("0008_river.sql", tc.sql)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("riverTarget(%q) = %d, %v; want %d, error %v", tc.sql, got, err, tc.want, tc.wantErr)
		}
	}
}

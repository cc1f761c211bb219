package store_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/pgtest"
	"github.com/steward-sre/steward/internal/store/storetest"
)

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

// TestPostgres runs the same suite on PostgreSQL, each test in a schema of
// its own, on the server STEWARD_TEST_POSTGRES names (.ci/postgres starts
// one); skipped loudly without it.
func TestPostgres(t *testing.T) {
	pgtest.ServerDSN(t)
	storetest.Run(t, openPostgres)
}

func openPostgres(t *testing.T) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), pgtest.DSN(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

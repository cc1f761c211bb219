package store_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/steward-sre/steward/internal/store"
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

// TestPostgres runs the same suite on PostgreSQL when a DSN is given:
// STEWARD_TEST_POSTGRES=postgres://user:pass@localhost/steward_test.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("STEWARD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("STEWARD_TEST_POSTGRES is not set")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
		if errors.Is(err, store.ErrNotSupported) {
			t.Skipf("postgres backend: %v", err)
		}
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}

package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/steward-sre/steward/internal/store"
)

// emptySQLite is the file of a SQLite store as store.Open leaves a new
// one, made once per test binary and kept in memory.
var emptySQLite struct {
	once sync.Once
	body []byte
	err  error
}

// EmptySQLite writes a new, empty SQLite store to dir/name, every
// migration applied, and returns its path. Migrating a store costs about
// half a second of CPU under -race; a test that needs an empty store
// rather than the migration (which this package's suite and the store's
// own tests hold) copies one made once.
func EmptySQLite(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := WriteEmptySQLite(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteEmptySQLite is EmptySQLite for a caller without a testing.TB (a
// testscript's setup).
func WriteEmptySQLite(path string) error {
	emptySQLite.once.Do(func() { emptySQLite.body, emptySQLite.err = makeEmptySQLite() })
	if emptySQLite.err != nil {
		return fmt.Errorf("make an empty store: %w", emptySQLite.err)
	}
	return os.WriteFile(path, emptySQLite.body, 0o600)
}

func makeEmptySQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "steward-empty-store-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "empty.db")
	s, err := store.Open(context.Background(), p, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(p + side); err == nil {
			return nil, fmt.Errorf("%s%s left after close: the store is not whole in its file", p, side)
		}
	}
	return os.ReadFile(p)
}

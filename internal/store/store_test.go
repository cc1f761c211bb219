package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/pgtest"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// openSQLite opens a new, empty store: a copy of one made once (by
// store.Open, so migrated as any new store is), since migrating a store
// takes seconds under -race and most tests open one of their own. The
// tests of opening itself (a new file, its folders and modes, older
// schemas) call store.Open on a path of their own.
func openSQLite(t *testing.T) store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "steward.db")
	if err := copyFile(emptySQLite(t), path); err != nil {
		t.Fatalf("copy the empty store: %v", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

var emptyStore struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// emptySQLite returns the path of a new store, made and closed (so whole
// in its one file) on the first call; TestMain removes it.
func emptySQLite(t *testing.T) string {
	t.Helper()
	emptyStore.once.Do(func() {
		dir, err := os.MkdirTemp("", "steward-store-test-")
		if err != nil {
			emptyStore.err = err
			return
		}
		emptyStore.dir = dir
		path := filepath.Join(dir, "empty.db")
		s, err := store.Open(context.Background(), path, slog.New(slog.DiscardHandler))
		if err != nil {
			emptyStore.err = err
			return
		}
		if err := s.Close(); err != nil {
			emptyStore.err = err
			return
		}
		for _, side := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(path + side); err == nil {
				emptyStore.err = fmt.Errorf("%s%s left after close: the store is not whole in its file", path, side)
				return
			}
		}
		emptyStore.path = path
	})
	if emptyStore.err != nil {
		t.Fatalf("make an empty store: %v", emptyStore.err)
	}
	return emptyStore.path
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

// TestPostgresReadOnly: a PostgreSQL store opened for reading only reads
// what was saved and refuses every write with ErrReadOnly (PostgreSQL
// itself refuses them); an empty schema is ErrNotFound, as an SQLite file
// that does not exist.
func TestPostgresReadOnly(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	if _, err := store.OpenReadOnly(ctx, dsn, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("read-only open of an empty schema: err = %v, want ErrNotFound", err)
	}
	rw, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs, fs := storetest.Estate(5, 0)
	if _, err := rw.SaveScan(ctx, &inventory.Scan{ID: "one", Started: time.Unix(1, 0)}, rs, fs); err != nil {
		t.Fatal(err)
	}
	rw.Close()

	ro, err := store.OpenReadOnly(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	got, err := ro.Resources(ctx, "one")
	if err != nil || len(got) != len(rs) {
		t.Fatalf("read-only Resources = %d resources, %v; want %d", len(got), err, len(rs))
	}
	_, err = ro.SaveScan(ctx, &inventory.Scan{ID: "two", Started: time.Unix(2, 0)}, rs, fs)
	if !errors.Is(err, store.ErrReadOnly) || !store.IsReadOnly(err) {
		t.Errorf("SaveScan on a read-only store: err = %v, want ErrReadOnly", err)
	}
	err = ro.JournalIntent(ctx, store.JournalEntry{ID: "j1", PlanID: "p", ARN: rs[0].ARN, Type: rs[0].Type, Action: "tag", AsOf: time.Unix(3, 0), IntentAt: time.Unix(3, 0)})
	if !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("JournalIntent on a read-only store: err = %v, want ErrReadOnly", err)
	}
	if scans, err := ro.Scans(ctx, 0); err != nil || len(scans) != 1 {
		t.Errorf("after refused writes: %d scans, %v; want the one saved", len(scans), err)
	}
}

// TestPostgresNewerSchema: a store migrated by a newer steward is refused,
// saying so, rather than read with the wrong tables.
func TestPostgresNewerSchema(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	s, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.(store.SQLDatabase).SQLDB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for name, open := range map[string]func(context.Context, string, *slog.Logger) (store.Store, error){"Open": store.Open, "OpenReadOnly": store.OpenReadOnly} {
		if _, err := open(ctx, dsn, nil); err == nil || !strings.Contains(err.Error(), "newer than this steward knows") {
			t.Errorf("%s of a newer schema: err = %v, want it refused as newer", name, err)
		}
	}
}

// TestPostgresMissingSchema: a search_path naming no schema says what to do.
func TestPostgresMissingSchema(t *testing.T) {
	u, err := url.Parse(pgtest.ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "steward_no_such_schema")
	u.RawQuery = q.Encode()
	_, err = store.Open(context.Background(), u.String(), nil)
	if err == nil || !strings.Contains(err.Error(), "CREATE SCHEMA") {
		t.Errorf("open with a missing schema: err = %v, want it to say to create the schema", err)
	}
}

// TestPostgresSaveWaitsForAnotherWriter: while another steward holds the
// store's write lock, a save waits for it, says so once in the log, gives
// up when its context ends and then stores nothing.
func TestPostgresSaveWaitsForAnotherWriter(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	var logs strings.Builder
	s, err := store.Open(ctx, dsn, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.(store.SQLDatabase).SQLDB().BeginWrite(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rs, fs := storetest.Estate(10, 0)

	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.SaveScan(dctx, &inventory.Scan{ID: "gave-up", Started: time.Unix(1, 0)}, rs, fs)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("save while another writes, with a deadline: err = %v, want the deadline", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the save waited %v, past its deadline", waited)
	}

	done := make(chan error, 1)
	go func() {
		_, err := s.SaveScan(ctx, &inventory.Scan{ID: "waited", Started: time.Unix(2, 0)}, rs, fs)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the save finished while another steward held the write lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the save did not wait for the other writer: %v", err)
	}
	if _, err := s.Scan(ctx, "gave-up"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the save that gave up: err = %v, want ErrNotFound", err)
	}
	if latest, err := s.LatestScan(ctx); err != nil || latest.ID != "waited" {
		t.Errorf("latest = %v, %v; want the save that waited", latest, err)
	}
	if n := strings.Count(logs.String(), "waiting for it to finish"); n != 2 {
		t.Errorf("the log says %d times that a save waits, want once per save:\n%s", n, logs.String())
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if pw, ok := u.User.Password(); ok && strings.Contains(logs.String(), pw) {
		t.Errorf("the log shows the password:\n%s", logs.String())
	}
}

// TestFindingPagesAnotherWriter: a reader holding a scan's findings in
// memory sees them change when another process indexes the scan again (a
// save of an earlier scan moves their first-seen times and newness).
func TestFindingPagesAnotherWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	reader, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	rs, fs := storetest.Estate(300, 0)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	later := &inventory.Scan{ID: "later", Source: "test", Started: day.Add(24 * time.Hour)}
	if _, err := reader.SaveScan(ctx, later, rs, fs); err != nil {
		t.Fatal(err)
	}
	newOnly := store.FindingQuery{NewOnly: true, Limit: 1000}
	if p, err := reader.FindingPage(ctx, "later", newOnly); err != nil || p.Total != len(fs) {
		t.Fatalf("new at the only scan: %d, %v; want all %d", p.Total, err, len(fs))
	}
	writer, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	earlier := &inventory.Scan{ID: "earlier", Source: "test", Started: day}
	if _, err := writer.SaveScan(ctx, earlier, rs, fs[:10]); err != nil {
		t.Fatal(err)
	}
	p, err := reader.FindingPage(ctx, "later", newOnly)
	if err != nil || p.Total != len(fs)-10 || len(p.Findings) != len(fs)-10 {
		t.Fatalf("new at the later scan after an earlier one was saved: %d (%d shown), %v; want %d", p.Total, len(p.Findings), err, len(fs)-10)
	}
	for _, f := range p.Findings {
		if !f.FirstSeen.Equal(later.Started) {
			t.Errorf("%s shown as new, first seen %s", f.Key(), f.FirstSeen)
		}
	}
}

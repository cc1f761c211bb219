package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/pgtest"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// TestReadDuringSave reads while a big scan is being saved: readers are
// not blocked by the writer (WAL) and see the previous scan until the new
// one is committed, never a part of it.
func TestReadDuringSave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "steward.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	small, smallF := storetest.Estate(100, 0)
	if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "small", Started: start}, small, smallF); err != nil {
		t.Fatal(err)
	}
	big, bigF := storetest.Estate(1_000, 1)
	var saving atomic.Bool
	saving.Store(true)
	done := make(chan error, 1)
	go func() {
		_, err := s.SaveScan(ctx, &inventory.Scan{ID: "big", Started: start.Add(time.Hour)}, big, bigF)
		saving.Store(false)
		done <- err
	}()

	readsDuring := 0
	for {
		wasSaving := saving.Load()
		latest, err := s.LatestScan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := s.Resources(ctx, latest.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Whichever scan is latest, it is whole.
		if want := map[string]int{"small": len(small), "big": len(big)}[latest.ID]; len(rs) != want || latest.Resources != want {
			t.Fatalf("read scan %s with %d resources (header %d), want %d", latest.ID, len(rs), latest.Resources, want)
		}
		// The save may commit just before the flag drops, so only reads
		// that still saw the old scan count as reads during the save.
		if wasSaving && saving.Load() && latest.ID == "small" {
			readsDuring++
		}
		if !saving.Load() {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if readsDuring == 0 {
		t.Fatal("no read completed while the save was running: readers were blocked by the writer")
	}
	t.Logf("%d reads completed during the save", readsDuring)
}

// overlapChildEnv switches the test binary into the child role of
// TestOverlappingScans: "PATH INDEX": save scan INDEX of the series into the
// store at PATH (a file or a DSN).
const overlapChildEnv = "STEWARD_STORE_OVERLAP_CHILD"

const (
	overlapScans = 6
	overlapSeed  = 7
)

// TestOverlapChild is the child's body; it does nothing in a normal run.
func TestOverlapChild(t *testing.T) {
	arg := os.Getenv(overlapChildEnv)
	if arg == "" {
		t.Skip("only runs as a child of TestOverlappingScans")
	}
	path, idx, _ := strings.Cut(arg, " ")
	i, err := strconv.Atoi(idx)
	if err != nil {
		t.Fatal(err)
	}
	sc := storetest.Series(overlapSeed, overlapScans)[i]
	// Later scans save first: the scans that started earlier finish last.
	time.Sleep(time.Duration(overlapScans-1-i) * 50 * time.Millisecond)
	ctx := context.Background()
	s, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SaveScan(ctx, sc.Scan, sc.Resources, sc.Findings); err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != sc.Scan.ID {
		fmt.Println("saved before a newer scan")
	}
}

// TestOverlappingScans starts processes that save scans of one estate into
// one new store at once, the ones that started earlier finishing later (cron
// and a person scanning at the same time): every scan is saved, the one that
// started last is the latest, and the store says what it would had the
// scans been saved one after another in start order.
func TestOverlappingScans(t *testing.T) {
	t.Parallel()
	testOverlappingScans(t, filepath.Join(t.TempDir(), "steward.db"))
}

// TestOverlappingScansPostgres: the same on PostgreSQL, where the
// processes queue on the store's advisory lock instead of SQLite's.
func TestOverlappingScansPostgres(t *testing.T) {
	t.Parallel()
	testOverlappingScans(t, pgtest.DSN(t))
}

func testOverlappingScans(t *testing.T, path string) {
	ctx := context.Background()
	series := storetest.Series(overlapSeed, overlapScans)
	type result struct {
		out []byte
		err error
	}
	results := make(chan result, overlapScans)
	for i := range series {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOverlapChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", overlapChildEnv, path, i))
		go func() {
			out, err := cmd.CombinedOutput()
			results <- result{out, err}
		}()
	}
	late := 0
	for range series {
		r := <-results
		if r.err != nil {
			t.Errorf("a scan was not saved: %v\n%s", r.err, r.out)
		}
		if strings.Contains(string(r.out), "saved before a newer scan") {
			late++
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if late == 0 {
		t.Error("every scan was saved in start order: the test proved nothing")
	}

	got, err := store.OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	scans, err := got.Scans(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(scans) != len(series) {
		t.Fatalf("%d scans stored, want %d", len(scans), len(series))
	}
	latest, err := got.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := series[len(series)-1].Scan.ID; latest.ID != want {
		t.Errorf("latest scan = %s, want %s (the one that started last)", latest.ID, want)
	}
	want, err := store.Open(ctx, filepath.Join(t.TempDir(), "in-order.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	for _, sc := range series {
		if _, err := want.SaveScan(ctx, sc.Scan, sc.Resources, sc.Findings); err != nil {
			t.Fatal(err)
		}
	}
	storetest.SameHistory(t, want, got, series)
}

// TestSaveWaitsForAnotherWriter: while another process holds the write
// lock, a save waits for it rather than failing, for as long as its context
// allows, and a save that gives up stores nothing.
func TestSaveWaitsForAnotherWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Another writer as SQLite sees it: a write transaction on a
	// connection of its own.
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
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
		t.Fatalf("the save finished while another process held the write lock: %v", err)
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
}

package store_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
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

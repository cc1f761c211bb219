package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// TestStoreRefusalsInJapanese: what the store refuses that a person did
// (an override with no id, a write to a store opened for reading, a
// retention below zero) carries a phrase the reader's language says;
// the errors still match their sentinels.
func TestStoreRefusalsInJapanese(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs, fs := storetest.Estate(3, 0)
	if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "s1", Started: time.Unix(1, 0)}, rs, fs); err != nil {
		t.Fatal(err)
	}
	overrideErr := s.AddOverride(ctx, schedule.Override{Target: "web", Kind: schedule.OverrideResource, State: schedule.On, Reason: "x",
		Created: time.Unix(1, 0), Until: time.Unix(3600, 0)})
	_, pruneErr := s.Prune(ctx, store.Retention{Scans: -1}, time.Unix(10, 0), true)
	s.Close()
	ro, err := store.OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, roErr := ro.SaveScan(ctx, &inventory.Scan{ID: "s2", Started: time.Unix(2, 0)}, rs, fs)
	if !errors.Is(roErr, store.ErrReadOnly) {
		t.Errorf("SaveScan on a read-only store: %v, want ErrReadOnly", roErr)
	}
	tests := map[string]struct {
		err    error
		ja, en string
	}{
		"override with no id": {overrideErr, "オーバーライド: id は必須です", "override: id is required"},
		"negative retention":  {pruneErr, "prune: 保持するスキャン数 -1 と日数 0 は 0 以上にしてください", "prune: retention scans -1 and days 0 must not be negative"},
		"read-only store":     {roErr, "ストア " + path + " は読み取り専用です（読み取り専用で開いています）", "store " + path + " is read-only (opened for reading only)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var pe interface{ Phrase() i18n.Phrase }
			if !errors.As(tc.err, &pe) {
				t.Fatalf("%v: no phrase", tc.err)
			}
			if got := pe.Phrase().In(i18n.JA); got != tc.ja {
				t.Errorf("ja %q, want %q", got, tc.ja)
			}
			if got := pe.Phrase().In(i18n.EN); got != tc.en {
				t.Errorf("en %q, want %q", got, tc.en)
			}
		})
	}
}

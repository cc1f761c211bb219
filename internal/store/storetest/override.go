package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// testOverrides: an override round-trips, lists while it has not ended,
// is cancelled once, and a wrong one is refused before it is stored.
func testOverrides(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	if os, err := s.OverridesSince(ctx, time.Time{}); err != nil || len(os) != 0 {
		t.Fatalf("no overrides yet: %v, %v", os, err)
	}
	a := schedule.Override{ID: "o1", Target: "shop-dev-web", Kind: schedule.OverrideResource, State: schedule.On,
		Reason: "demo for a customer", Actor: "alice", Created: at(0), Until: at(0).Add(3 * time.Hour)}
	b := schedule.Override{ID: "o2", Target: "qa3", Kind: schedule.OverrideEnv, State: schedule.Off,
		Reason: "load test done", Actor: "bob", Created: at(0).Add(time.Hour), Until: at(1)}
	for _, o := range []schedule.Override{a, b} {
		if err := s.AddOverride(ctx, o); err != nil {
			t.Fatalf("add %s: %v", o.ID, err)
		}
	}
	if err := s.AddOverride(ctx, a); err == nil {
		t.Error("a second override with the same id was stored")
	}
	bad := a
	bad.ID, bad.Reason = "o3", " "
	if err := s.AddOverride(ctx, bad); err == nil {
		t.Error("an override without a reason was stored")
	}
	all, err := s.OverridesSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]schedule.Override{b, a}, all); diff != "" {
		t.Errorf("all overrides, latest first (-want +got):\n%s", diff)
	}
	// Four hours in, a has ended by itself.
	live, err := s.OverridesSince(ctx, at(0).Add(4*time.Hour))
	if err != nil || len(live) != 1 || live[0].ID != "o2" {
		t.Errorf("overrides not ended 4h in: %+v, %v", live, err)
	}
	cancelAt := at(0).Add(5 * time.Hour)
	got, err := s.CancelOverride(ctx, "o2", "carol", cancelAt)
	if err != nil || !got.Cancelled.Equal(cancelAt) || got.CancelledBy != "carol" || !got.End().Equal(cancelAt) {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
	if _, err := s.CancelOverride(ctx, "o2", "carol", cancelAt.Add(time.Minute)); err == nil {
		t.Error("an override was cancelled twice")
	}
	if _, err := s.CancelOverride(ctx, "nope", "carol", cancelAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancel of an unknown override: %v, want ErrNotFound", err)
	}
	if live, err := s.OverridesSince(ctx, cancelAt); err != nil || len(live) != 0 {
		t.Errorf("overrides after the cancel: %+v, %v", live, err)
	}
	all, err = s.OverridesSince(ctx, time.Time{})
	if err != nil || len(all) != 2 || all[0].CancelledBy != "carol" || !all[0].Cancelled.Equal(cancelAt) {
		t.Errorf("the cancelled override is kept as a record: %+v, %v", all, err)
	}
}

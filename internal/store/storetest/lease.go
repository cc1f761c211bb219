package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/store"
)

// testLeases: a change is written whole or not at all, an environment
// never has two unended leases, ended leases stay as history, and the
// history lists every event in order.
func testLeases(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	if ls, err := s.Leases(ctx, "", false); err != nil || len(ls) != 0 {
		t.Fatalf("empty store: %v, %v", ls, err)
	}
	a := env.Lease{ID: "qa3@1", Environment: "qa3", Holder: "alice", Purpose: "PR #123", Branch: "feat/pay",
		Start: at(0), Until: at(0).Add(4 * time.Hour), Via: env.ViaClaim}
	claim := func(l env.Lease) func(*env.Lease) (env.Change, error) {
		return func(cur *env.Lease) (env.Change, error) {
			return env.Change{Leases: []env.Lease{l}, Events: []env.Event{{At: l.Start, Environment: l.Environment, LeaseID: l.ID, Kind: env.EventClaimed, Actor: l.Holder}}}, nil
		}
	}
	if err := s.ChangeLeases(ctx, "qa3", claim(a)); err != nil {
		t.Fatal(err)
	}
	// The decision sees the open lease.
	var seen *env.Lease
	if err := s.ChangeLeases(ctx, "qa3", func(cur *env.Lease) (env.Change, error) { seen = cur; return env.Change{}, nil }); err != nil {
		t.Fatal(err)
	}
	if seen == nil || cmp.Diff(a, *seen) != "" {
		t.Fatalf("open lease seen = %+v, want %+v", seen, a)
	}
	// A second open lease is refused and nothing of that change is kept.
	b := a
	b.ID, b.Holder = "qa3@2", "bob"
	err := s.ChangeLeases(ctx, "qa3", func(cur *env.Lease) (env.Change, error) {
		return env.Change{Leases: []env.Lease{b}, Events: []env.Event{{At: at(1), Environment: "qa3", LeaseID: b.ID, Kind: env.EventClaimed, Actor: "bob"}}}, nil
	})
	if !errors.Is(err, store.ErrLeaseConflict) {
		t.Fatalf("second open lease: %v, want ErrLeaseConflict", err)
	}
	// A decision's error leaves everything as it was.
	boom := errors.New("refused")
	if err := s.ChangeLeases(ctx, "qa3", func(*env.Lease) (env.Change, error) { return env.Change{}, boom }); !errors.Is(err, boom) {
		t.Fatalf("decision error: %v", err)
	}
	// Steal: end a, start b, in one change.
	ended := a
	ended.Ended, ended.EndReason, ended.EndedBy = at(1), env.EndStolen, "bob"
	b.Start, b.Until, b.Via = at(1), at(1).Add(time.Hour), env.ViaSteal
	err = s.ChangeLeases(ctx, "qa3", func(cur *env.Lease) (env.Change, error) {
		return env.Change{Leases: []env.Lease{ended, b}, Events: []env.Event{
			{At: at(1), Environment: "qa3", LeaseID: a.ID, Kind: env.EventStolen, Actor: "bob", Detail: "hotfix"},
			{At: at(1), Environment: "qa3", LeaseID: b.ID, Kind: env.EventClaimed, Actor: "bob"},
		}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Leases(ctx, "qa3", false)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]env.Lease{b, ended}, all); d != "" {
		t.Errorf("leases, latest first (-want +got):\n%s", d)
	}
	open1, err := s.Leases(ctx, "", true)
	if err != nil || len(open1) != 1 || open1[0].ID != b.ID {
		t.Errorf("open leases = %+v, %v; want bob's only", open1, err)
	}
	if other, _ := s.Leases(ctx, "qa4", false); len(other) != 0 {
		t.Errorf("qa4 leases = %+v, want none", other)
	}
	evs, err := s.LeaseEvents(ctx, "qa3")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind+":"+e.Actor)
	}
	if d := cmp.Diff([]string{"claimed:alice", "stolen:bob", "claimed:bob"}, kinds); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	bad := env.Lease{ID: "x", Environment: "qa5", Start: at(0), Until: at(0).Add(time.Hour), Via: env.ViaClaim}
	if err := s.ChangeLeases(ctx, "qa5", claim(bad)); err == nil {
		t.Error("a lease without a holder was accepted")
	}
}

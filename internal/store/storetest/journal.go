package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/store"
)

func entry(id, arn string, i int) store.JournalEntry {
	return store.JournalEntry{
		ID: id, PlanID: "plan-1", ARN: arn, Type: "AWS::ECS::Service", Name: "web", Action: "stop",
		Why: "scheduled off", Actor: "ci", Before: map[string]string{"desired_count": "2"}, After: map[string]string{"desired_count": "0"},
		AsOf: at(i), IntentAt: at(i).Add(time.Second),
	}
}

// testJournal: an intent is readable at once as intent (a crash after it
// leaves exactly that), a result completes it once, and entries list the
// latest first, by ARN when asked.
func testJournal(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	if es, err := s.JournalEntries(ctx, store.JournalFilter{}); err != nil || len(es) != 0 {
		t.Fatalf("empty journal: %v, %v", es, err)
	}
	if _, err := s.JournalEntry(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown entry: %v, want ErrNotFound", err)
	}
	a := entry("c1", "arn:aws:ecs:ap-northeast-1:111111111111:service/dev/web", 0)
	b := entry("c2", "arn:aws:rds:ap-northeast-1:111111111111:db:dev-db", 1)
	b.UndoOf = "c1"
	for _, e := range []store.JournalEntry{a, b} {
		if err := s.JournalIntent(ctx, e); err != nil {
			t.Fatalf("intent %s: %v", e.ID, err)
		}
	}
	if err := s.JournalIntent(ctx, a); err == nil {
		t.Error("a second intent with the same id was accepted")
	}
	bad := a
	bad.ID, bad.ARN = "c3", ""
	if err := s.JournalIntent(ctx, bad); err == nil {
		t.Error("an entry without an ARN was accepted")
	}

	got, err := s.JournalEntry(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.Status = store.JournalIntent
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("intent read back (-want +got):\n%s", d)
	}

	done := at(0).Add(time.Minute)
	prev := map[string]string{"desired_count": "2", "min": "1", "max": "4"}
	if err := s.JournalResult(ctx, "c1", store.JournalDone, done, prev, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.JournalResult(ctx, "c1", store.JournalFailed, done, nil, "again"); err == nil {
		t.Error("a second result for one change was accepted")
	}
	if err := s.JournalResult(ctx, "nope", store.JournalDone, done, nil, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("result for an unknown change: %v, want ErrNotFound", err)
	}
	if err := s.JournalResult(ctx, "c2", store.JournalIntent, done, nil, ""); err == nil {
		t.Error("intent accepted as a result status")
	}
	if err := s.JournalResult(ctx, "c2", store.JournalFailed, done, nil, "InvalidDBInstanceState"); err != nil {
		t.Fatal(err)
	}

	all, err := s.JournalEntries(ctx, store.JournalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want.Status, want.ResultAt, want.Previous = store.JournalDone, done.UTC(), prev
	wantB := b
	wantB.Status, wantB.ResultAt, wantB.Error = store.JournalFailed, done.UTC(), "InvalidDBInstanceState"
	if d := cmp.Diff([]store.JournalEntry{wantB, want}, all); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
	one, err := s.JournalEntries(ctx, store.JournalFilter{ARN: a.ARN})
	if err != nil || len(one) != 1 || one[0].ID != "c1" {
		t.Errorf("by ARN: %v, %v", one, err)
	}
	lim, err := s.JournalEntries(ctx, store.JournalFilter{Limit: 1})
	if err != nil || len(lim) != 1 || lim[0].ID != "c2" {
		t.Errorf("limit 1: %v, %v", lim, err)
	}
}

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/store"
)

func day(i int, hhmm ...int) time.Time {
	t := base.Add(time.Duration(i) * 24 * time.Hour)
	if len(hhmm) == 2 {
		t = t.Add(time.Duration(hhmm[0])*time.Hour + time.Duration(hhmm[1])*time.Minute)
	}
	return t
}

func deliveryFixture() delivery.Data {
	return delivery.Data{
		Deployments: []delivery.Deployment{
			{ID: "d1", Service: "api", Environment: "production", Started: day(1, 1, 0), Finished: day(1, 1, 7).Add(123456789),
				Result: delivery.Success, CommitSHA: "aaaa1111", Version: "v1.2.3", Actor: "alice", Tool: "ecspresso", Link: "https://ci.example/1"},
			{ID: "d2", Service: "api", Environment: "production", Finished: day(2), Result: delivery.RolledBack, CommitSHA: "bbbb2222", LeasedBy: "carol"},
		},
		Commits: []delivery.Commit{
			{Service: "api", SHA: "aaaa1111", CommittedAt: day(0)},
			{Service: "api", SHA: "bbbb2222", ParentSHA: "aaaa1111", CommittedAt: day(1)},
		},
		Changes: []delivery.Change{
			{Service: "api", ID: "12", MergeSHA: "bbbb2222", FirstCommitAt: day(0, 3, 0), MergedAt: day(1)},
		},
		Incidents: []delivery.Incident{
			{ID: "inc-1", Service: "api", CreatedAt: day(2, 1, 0), ResolvedAt: day(2, 2, 30), DeploymentID: "d2"},
			{ID: "inc-2", Service: "api", CreatedAt: day(3)},
		},
	}
}

func testDeliveryRoundTrip(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	empty, err := s.Delivery(ctx)
	if err != nil || empty.Len() != 0 {
		t.Fatalf("Delivery on an empty store = %+v, %v; want nothing", empty, err)
	}
	if _, err := s.Incident(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Incident(nope) err = %v, want ErrNotFound", err)
	}
	want := deliveryFixture()
	if err := s.SaveDelivery(ctx, want); err != nil {
		t.Fatalf("SaveDelivery: %v", err)
	}
	got, err := s.Delivery(ctx)
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Errorf("Delivery (-want +got):\n%s", diff)
	}
	inc, err := s.Incident(ctx, "inc-2")
	if err != nil {
		t.Fatalf("Incident: %v", err)
	}
	if diff := cmp.Diff(want.Incidents[1], inc, timeEqual); diff != "" {
		t.Errorf("Incident (-want +got):\n%s", diff)
	}
}

// testDeliveryReplace: records saved again under the same keys replace the
// old ones; nothing is duplicated, and records not named stay.
func testDeliveryReplace(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	first := deliveryFixture()
	if err := s.SaveDelivery(ctx, first); err != nil {
		t.Fatalf("SaveDelivery: %v", err)
	}
	again := deliveryFixture()
	again.Deployments = again.Deployments[1:]
	again.Deployments[0].Result = delivery.Failure
	again.Commits[1].CommittedAt = day(1, 5, 0)
	again.Changes[0].FirstCommitAt = day(0, 1, 0)
	again.Incidents[1].ResolvedAt = day(3, 4, 0)
	if err := s.SaveDelivery(ctx, again); err != nil {
		t.Fatalf("SaveDelivery again: %v", err)
	}
	got, err := s.Delivery(ctx)
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	want := again
	want.Deployments = append([]delivery.Deployment{first.Deployments[0]}, again.Deployments...)
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Errorf("Delivery after saving the same keys again (-want +got):\n%s", diff)
	}
}

// testDeliveryRejects: a batch with one bad record stores nothing.
func testDeliveryRejects(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	bad := map[string]func(d *delivery.Data){
		"result":     func(d *delivery.Data) { d.Deployments[1].Result = "maybe" },
		"sha":        func(d *delivery.Data) { d.Commits[0].SHA = "not-hex" },
		"empty id":   func(d *delivery.Data) { d.Changes[0].ID = "" },
		"time order": func(d *delivery.Data) { d.Incidents[0].ResolvedAt = day(1) },
	}
	for name, spoil := range bad {
		d := deliveryFixture()
		spoil(&d)
		var fe *delivery.FieldError
		if err := s.SaveDelivery(ctx, d); !errors.As(err, &fe) {
			t.Errorf("%s: SaveDelivery err = %v, want a *delivery.FieldError", name, err)
		}
	}
	got, err := s.Delivery(ctx)
	if err != nil || got.Len() != 0 {
		t.Errorf("after rejected saves the store holds %d records (err %v), want none", got.Len(), err)
	}
}

package demo

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/delivery"
)

func TestDelivery(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	d := Delivery(now)
	if diff := cmp.Diff(d, Delivery(now.Add(5*time.Hour))); diff != "" {
		t.Fatalf("two calls on one day differ:\n%s", diff)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("demo history is not valid: %v", err)
	}
	end := now.Truncate(24 * time.Hour)
	tools := map[string]bool{}
	var first, last time.Time
	ids := map[string]bool{}
	for _, dep := range d.Deployments {
		tools[dep.Tool] = true
		if ids[dep.ID] {
			t.Errorf("deployment id %s twice", dep.ID)
		}
		ids[dep.ID] = true
		if first.IsZero() || dep.Finished.Before(first) {
			first = dep.Finished
		}
		if dep.Finished.After(last) {
			last = dep.Finished
		}
	}
	if len(tools) != 3 {
		t.Errorf("tools = %v, want three", tools)
	}
	if span := last.Sub(first); span < 80*24*time.Hour || !last.Before(end) {
		t.Errorf("deployments from %s to %s: want about three months before %s", first, last, end)
	}
	var explicit, inferred, open int
	for _, inc := range d.Incidents {
		switch {
		case inc.ResolvedAt.IsZero():
			open++
		case inc.DeploymentID != "":
			explicit++
		default:
			inferred++
		}
	}
	if explicit == 0 || inferred == 0 || open != 1 {
		t.Errorf("incidents: %d naming a deployment, %d not, %d open; want some of each and one open", explicit, inferred, open)
	}
}

// TestDeliveryGraded: whatever the day of the week the demo runs on (its
// working days shift with it), every service is graded on every key over
// the last quarter, and nothing needs a note.
func TestDeliveryGraded(t *testing.T) {
	for i := range 7 {
		now := time.Date(2026, 11, 22+i, 9, 30, 0, 0, time.UTC)
		d := Delivery(now)
		end := now.Truncate(24 * time.Hour)
		for _, p := range pipelines {
			r := delivery.Compute(d, delivery.Query{From: end.AddDate(0, 0, -90), To: end, Services: []string{p.service}})
			for key, l := range map[string]delivery.Level{
				"frequency": r.DeploymentFrequency.Level, "lead time": r.LeadTime.Level,
				"change failure rate": r.ChangeFailureRate.Level, "recovery": r.RecoveryTime.Level,
			} {
				if l == delivery.InsufficientData {
					t.Errorf("%s %s %s: insufficient data", now.Weekday(), p.service, key)
				}
			}
			if len(r.Explain.Notes) > 0 {
				t.Errorf("%s %s: notes %q: the demo history should explain itself fully", now.Weekday(), p.service, r.Explain.Notes)
			}
		}
	}
}

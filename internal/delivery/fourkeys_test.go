package delivery

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixture is one service's fortnight, worked out by hand below. Window:
// 2026-03-01T00:00Z to 2026-03-15T00:00Z, 14 days. Main branch (first
// parent): c0 <- c1 <- c2 <- c3 <- c4 <- c5 <- c6.
//
//	c1  squash of PR #1, first commit 02-28 10:00
//	c2  squash of PR #2, first commit 03-01 08:00
//	c3  merge of PR #3,  first commit 02-27 12:00
//	c4  pushed straight to main at 03-03 10:00 (no PR)
//	c5  squash of PR #4, first commit 03-04 09:00
//	c6  squash of PR #5, first commit 03-06 09:00
//
// Deployments to prod (the records say "prod"; the query says production):
//
//	d0  02-25 00:00 success c0   before the window: the base of d1
//	d1  03-02 12:00 success c3   ships c3, c2, c1: three PRs
//	d2  03-03 11:00 failure c4
//	d3  03-03 12:00 success c4   ships c4; incident inc-2 names it
//	d4  03-05 10:00 rolled_back c5
//	d5  03-05 10:30 success c4   the rollback: c4 again, ships nothing
//	d6  03-06 16:00 success c6   ships c6 and c5 (c5 never stayed out)
//	d7  03-10 09:00 success c6   redeploy, ships nothing
//	s1  03-06 17:00 success c6   to staging: not counted
//	w1  03-07 00:00 failure 9999 another service
//
// Incidents: inc-1 03-06 18:00-20:30 with no deployment named: laid at d6,
// the latest successful prod deployment of api before it. inc-2 03-04
// 00:00-01:00 names d3.
func fixture() Data {
	sha := func(n int) string { return "c0c0c" + string(rune('0'+n)) }
	return Data{
		Commits: []Commit{
			{Service: "api", SHA: sha(0), CommittedAt: ts("2026-02-20T00:00:00Z")},
			{Service: "api", SHA: sha(1), ParentSHA: sha(0), CommittedAt: ts("2026-03-01T09:00:00Z")},
			{Service: "api", SHA: sha(2), ParentSHA: sha(1), CommittedAt: ts("2026-03-01T12:00:00Z")},
			{Service: "api", SHA: sha(3), ParentSHA: sha(2), CommittedAt: ts("2026-03-02T06:00:00Z")},
			{Service: "api", SHA: sha(4), ParentSHA: sha(3), CommittedAt: ts("2026-03-03T10:00:00Z")},
			{Service: "api", SHA: sha(5), ParentSHA: sha(4), CommittedAt: ts("2026-03-05T09:00:00Z")},
			{Service: "api", SHA: sha(6), ParentSHA: sha(5), CommittedAt: ts("2026-03-06T15:00:00Z")},
		},
		Changes: []Change{
			{Service: "api", ID: "#1", MergeSHA: sha(1), FirstCommitAt: ts("2026-02-28T10:00:00Z"), MergedAt: ts("2026-03-01T09:00:00Z")},
			{Service: "api", ID: "#2", MergeSHA: sha(2), FirstCommitAt: ts("2026-03-01T08:00:00Z"), MergedAt: ts("2026-03-01T12:00:00Z")},
			{Service: "api", ID: "#3", MergeSHA: sha(3), FirstCommitAt: ts("2026-02-27T12:00:00Z"), MergedAt: ts("2026-03-02T06:00:00Z")},
			{Service: "api", ID: "#4", MergeSHA: sha(5), FirstCommitAt: ts("2026-03-04T09:00:00Z"), MergedAt: ts("2026-03-05T09:00:00Z")},
			{Service: "api", ID: "#5", MergeSHA: sha(6), FirstCommitAt: ts("2026-03-06T09:00:00Z"), MergedAt: ts("2026-03-06T15:00:00Z")},
		},
		Deployments: []Deployment{
			{ID: "d7", Service: "api", Environment: "prod", Finished: ts("2026-03-10T09:00:00Z"), Result: Success, CommitSHA: sha(6)},
			{ID: "d0", Service: "api", Environment: "prod", Finished: ts("2026-02-25T00:00:00Z"), Result: Success, CommitSHA: sha(0)},
			{ID: "d1", Service: "api", Environment: "prod", Finished: ts("2026-03-02T12:00:00Z"), Result: Success, CommitSHA: sha(3)},
			{ID: "d2", Service: "api", Environment: "prod", Finished: ts("2026-03-03T11:00:00Z"), Result: Failure, CommitSHA: sha(4)},
			{ID: "d3", Service: "api", Environment: "prod", Finished: ts("2026-03-03T12:00:00Z"), Result: Success, CommitSHA: sha(4)},
			{ID: "d4", Service: "api", Environment: "prod", Finished: ts("2026-03-05T10:00:00Z"), Result: RolledBack, CommitSHA: sha(5)},
			{ID: "d5", Service: "api", Environment: "prod", Finished: ts("2026-03-05T10:30:00Z"), Result: Success, CommitSHA: sha(4)},
			{ID: "d6", Service: "api", Environment: "prod", Finished: ts("2026-03-06T16:00:00Z"), Result: Success, CommitSHA: sha(6)},
			{ID: "s1", Service: "api", Environment: "staging", Finished: ts("2026-03-06T17:00:00Z"), Result: Success, CommitSHA: sha(6)},
			{ID: "w1", Service: "web", Environment: "production", Finished: ts("2026-03-07T00:00:00Z"), Result: Failure, CommitSHA: "9999"},
		},
		Incidents: []Incident{
			{ID: "inc-1", Service: "api", CreatedAt: ts("2026-03-06T18:00:00Z"), ResolvedAt: ts("2026-03-06T20:30:00Z")},
			{ID: "inc-2", Service: "api", CreatedAt: ts("2026-03-04T00:00:00Z"), ResolvedAt: ts("2026-03-04T01:00:00Z"), DeploymentID: "d3"},
		},
	}
}

func TestComputeHandWorked(t *testing.T) {
	q := Query{From: ts("2026-03-01T00:00:00Z"), To: ts("2026-03-15T00:00:00Z"), Services: []string{"api"}, Environment: "production"}
	got := Compute(fixture(), q)

	// Deployments in the window: d1..d7 = 7 (d0 before it, s1 staging, w1 web).
	// Frequency: successes d1 d3 d5 d6 d7 = 5 in 14 days: 5/14 = 0.357/day,
	// 5/14*7 = 2.5/week: at least weekly, under daily: high.
	wantFreq := Frequency{Successful: 5, PerDay: 0.357, PerWeek: 2.5, Level: High}
	// Lead times, deployment finish minus first commit:
	//   #1 02-28 10:00 -> d1 03-02 12:00 = 2 d 2 h  = 3000 min
	//   #2 03-01 08:00 -> d1 03-02 12:00 = 1 d 4 h  = 1680 min
	//   #3 02-27 12:00 -> d1 03-02 12:00 = 3 d      = 4320 min (February 2026 has 28 days)
	//   c4 03-03 10:00 -> d3 03-03 12:00 = 2 h      =  120 min
	//   #4 03-04 09:00 -> d6 03-06 16:00 = 2 d 7 h  = 3300 min
	//   #5 03-06 09:00 -> d6 03-06 16:00 = 7 h      =  420 min
	// Sorted 120 420 1680 3000 3300 4320: median (1680+3000)/2 = 2340 min
	// (39 h: a day to a week: high); p90 nearest rank ceil(0.9*6) = 6th = 4320.
	wantLead := LeadTime{Changes: 6, MedianMinutes: ptr(2340.0), P90Minutes: ptr(4320.0), Level: High}
	// Failed: d2 (failure), d3 (inc-2 names it), d4 (rolled back), d6 (inc-1
	// laid at it) = 4 of 7 = 0.5714: above 15 %: low.
	wantCFR := FailureRate{Ratio: ptr(0.5714), Failed: 4, Total: 7, Level: Low}
	// Recovery: d2 -> next success d3 = 60 min; d3 via inc-2 = 60 min;
	// d4 -> next success d5 = 30 min; d6 via inc-1 = 150 min.
	// Sorted 30 60 60 150: median 60 min, not under an hour: high.
	wantRec := RecoveryTime{Recoveries: 4, MedianMinutes: ptr(60.0), Level: High}

	if got.Deployments != 7 {
		t.Errorf("deployments = %d, want 7", got.Deployments)
	}
	if diff := cmp.Diff(wantFreq, got.DeploymentFrequency); diff != "" {
		t.Errorf("deployment frequency (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantLead, got.LeadTime); diff != "" {
		t.Errorf("lead time (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantCFR, got.ChangeFailureRate); diff != "" {
		t.Errorf("change failure rate (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRec, got.RecoveryTime); diff != "" {
		t.Errorf("recovery time (-want +got):\n%s", diff)
	}

	// The explanation names what each deployment shipped and why it failed.
	shipped := map[string][]string{}
	why := map[string]string{}
	for _, u := range got.Explain.Deployments {
		shipped[u.ID] = u.Changes
		why[u.ID] = u.Why
	}
	wantShipped := map[string][]string{"d1": {"#3", "#2", "#1"}, "d2": nil, "d3": {"c0c0c4"}, "d4": nil, "d5": nil, "d6": {"#5", "#4"}, "d7": nil}
	if diff := cmp.Diff(wantShipped, shipped); diff != "" {
		t.Errorf("changes shipped (-want +got):\n%s", diff)
	}
	wantWhy := map[string]string{"d1": "", "d2": "result failure", "d3": "incident inc-2", "d4": "result rolled_back", "d5": "", "d6": "incident inc-1", "d7": ""}
	if diff := cmp.Diff(wantWhy, why); diff != "" {
		t.Errorf("why failed (-want +got):\n%s", diff)
	}
	links := map[string]string{}
	for _, iu := range got.Explain.Incidents {
		links[iu.ID] = iu.Link + " " + iu.LinkedTo
	}
	if diff := cmp.Diff(map[string]string{"inc-1": "inferred d6", "inc-2": "explicit d3"}, links); diff != "" {
		t.Errorf("incident links (-want +got):\n%s", diff)
	}
}

func TestComputeInsufficientData(t *testing.T) {
	tests := map[string]struct {
		q    Query
		want [4]Level
	}{
		// 03-10 to 03-12: only d7, 2 days: too short a window, no change,
		// 1 deployment, no failure.
		"short window": {Query{From: ts("2026-03-10T00:00:00Z"), To: ts("2026-03-12T00:00:00Z")},
			[4]Level{InsufficientData, InsufficientData, InsufficientData, InsufficientData}},
		// A service with no deployment on record.
		"unknown service": {Query{From: ts("2026-03-01T00:00:00Z"), To: ts("2026-03-15T00:00:00Z"), Services: []string{"nope"}},
			[4]Level{InsufficientData, InsufficientData, InsufficientData, InsufficientData}},
		// 03-06 to 03-20: d6 d7 succeed = 2 in 14 days = 1/week: high; d6
		// ships #5 and #4 (2 changes < 3); 2 deployments < 5; one recovery < 2.
		"few events": {Query{From: ts("2026-03-06T00:00:00Z"), To: ts("2026-03-20T00:00:00Z"), Services: []string{"api"}},
			[4]Level{High, InsufficientData, InsufficientData, InsufficientData}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := Compute(fixture(), tc.q)
			got := [4]Level{r.DeploymentFrequency.Level, r.LeadTime.Level, r.ChangeFailureRate.Level, r.RecoveryTime.Level}
			if got != tc.want {
				t.Errorf("levels = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestComputeFirstDeployment: a service's first deployment on record has no
// base to tell its changes from; it is said, not guessed.
func TestComputeFirstDeployment(t *testing.T) {
	d := fixture()
	q := Query{From: ts("2026-02-01T00:00:00Z"), To: ts("2026-03-01T00:00:00Z")}
	r := Compute(d, q)
	if r.LeadTime.Changes != 0 || len(r.Explain.Notes) != 1 {
		t.Fatalf("lead time changes = %d, notes = %q; want none and one note on d0", r.LeadTime.Changes, r.Explain.Notes)
	}
	if want := "deployment d0: the first successful deployment of api on record"; r.Explain.Notes[0][:len(want)] != want {
		t.Errorf("note = %q", r.Explain.Notes[0])
	}
}

func TestLevels(t *testing.T) {
	day := float64(minutesPerDay)
	tests := []struct {
		name string
		got  Level
		want Level
	}{
		{"2/day", frequencyLevel(2), Elite},
		{"1/day", frequencyLevel(1), Elite},
		{"1/week", frequencyLevel(1.0 / 7), High},
		{"1/month", frequencyLevel(1.0 / 30), Medium},
		{"1/quarter", frequencyLevel(1.0 / 90), Low},
		{"lead 23h", leadTimeLevel(23 * 60), Elite},
		{"lead 1 day", leadTimeLevel(day), High},
		{"lead 1 week", leadTimeLevel(7 * day), Medium},
		{"lead 30 days", leadTimeLevel(30 * day), Low},
		{"cfr 5%", failureRateLevel(0.05), Elite},
		{"cfr 10%", failureRateLevel(0.10), High},
		{"cfr 15%", failureRateLevel(0.15), Medium},
		{"cfr 16%", failureRateLevel(0.16), Low},
		{"recovery 59m", recoveryLevel(59), Elite},
		{"recovery 1h", recoveryLevel(60), High},
		{"recovery 1d", recoveryLevel(day), Medium},
		{"recovery 1w", recoveryLevel(7 * day), Low},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: level %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

func TestShippedSurvivesBadHistory(t *testing.T) {
	h := newHistory(Data{Commits: []Commit{
		{Service: "x", SHA: "aaaa", ParentSHA: "bbbb", CommittedAt: time.Unix(1, 0)},
		{Service: "x", SHA: "bbbb", ParentSHA: "aaaa", CommittedAt: time.Unix(2, 0)}, // a cycle
	}})
	got, err := h.shipped("x", "aaaa", "cccc")
	if err == nil {
		t.Fatalf("shipped with an unknown base = %v, want an error", got)
	}
	if _, err := h.shipped("x", "dddd", "aaaa"); err == nil {
		t.Errorf("shipped from an unknown head: want an error")
	}
}

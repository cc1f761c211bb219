package server

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/delivery"
)

// TestDeliveryTrendGaps renders the delivery page of a service with a
// history that leaves weeks without a change, a failure or any deploy,
// and reads the charts' data as the browser gets it: each key week by
// week, weeks starting on Monday in the configured time zone, and a week
// with nothing to measure written as null (a gap in the line), not 0.
func TestDeliveryTrendGaps(t *testing.T) {
	s := testServer(t, "time_zone: Asia/Tokyo\n")
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	// testNow is Wednesday 18 March 2026, 12:00 in Tokyo; its week began
	// on Monday the 16th, the last of the twelve weeks shown (index 11).
	monday := time.Date(2026, 3, 16, 0, 0, 0, 0, tokyo)
	at := func(week, hours int) time.Time {
		return monday.AddDate(0, 0, -7*(trendWeeks-1-week)).Add(time.Duration(hours) * time.Hour)
	}
	sha := func(n int) string { return fmt.Sprintf("%040x", 0xc0+n) }
	dep := func(id string, week, hours int, res delivery.Result, commit int) delivery.Deployment {
		return delivery.Deployment{ID: id, Service: "pay", Environment: "production", Finished: at(week, hours), Result: res, CommitSHA: sha(commit)}
	}
	data := delivery.Data{
		Deployments: []delivery.Deployment{
			dep("p0", 8, 24, delivery.Success, 0), // the first success: no lead time from it
			dep("p1", 9, 36, delivery.Success, 1), // ships c1, committed 24 h before
			dep("p2", 11, 10, delivery.Failure, 2),
			dep("p3", 11, 14, delivery.Success, 2), // ships c2 (5 h), restores p2 (4 h)
			// Another environment: not a deploy of the Four Keys.
			{ID: "p-stg", Service: "pay", Environment: "staging", Finished: at(10, 20), Result: delivery.Success, CommitSHA: sha(2)},
		},
		Commits: []delivery.Commit{
			{Service: "pay", SHA: sha(0), CommittedAt: at(8, 1)},
			{Service: "pay", SHA: sha(1), ParentSHA: sha(0), CommittedAt: at(9, 12)},
			{Service: "pay", SHA: sha(2), ParentSHA: sha(1), CommittedAt: at(11, 9)},
		},
		// Laid at p1 (the last success before it), resolved in 3 h.
		Incidents: []delivery.Incident{{ID: "inc-1", Service: "pay", CreatedAt: at(9, 40), ResolvedAt: at(9, 43)}},
	}
	if err := s.store.SaveDelivery(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	code, body := getPage(t, s, "/delivery?service=pay")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	n := any(nil)
	zeros := func(k int) []any { return make([]any, k) }
	weeksOf := func(tail ...any) []any {
		out := zeros(trendWeeks - len(tail))
		return append(out, tail...)
	}
	deploysBefore := make([]any, 8)
	for i := range deploysBefore {
		deploysBefore[i] = 0.0
	}
	want := map[string][]any{
		"deploys": append(deploysBefore, 1.0, 1.0, 0.0, 1.0),
		"lead":    weeksOf(n, 24.0, n, 5.0),
		"failure": weeksOf(0.0, 100.0, n, 50.0),
		"restore": weeksOf(n, 3.0, n, 4.0),
	}
	for key, values := range want {
		t.Run(key, func(t *testing.T) {
			m := regexp.MustCompile(`<script type="application/json" id="` + key + `-data">([^<]*)</script>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no %s chart in the page", key)
			}
			var c struct {
				X      []int64 `json:"x"`
				Series []struct {
					Label  string `json:"label"`
					Values []any  `json:"values"`
				} `json:"series"`
			}
			if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &c); err != nil {
				t.Fatalf("chart data %q: %v", m[1], err)
			}
			if len(c.X) != trendWeeks || c.X[0] != at(0, 0).Unix() || c.X[trendWeeks-1] != monday.Unix() {
				t.Errorf("weeks: %v", c.X)
			}
			if len(c.Series) != 1 || c.Series[0].Label != "pay" {
				t.Fatalf("series: %+v", c.Series)
			}
			if d := cmp.Diff(values, c.Series[0].Values); d != "" {
				t.Errorf("values (-want +got)\n%s", d)
			}
		})
	}
}

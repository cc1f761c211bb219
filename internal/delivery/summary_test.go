package delivery

import (
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

func TestSummarize(t *testing.T) {
	q := Query{From: ts("2026-03-01T00:00:00Z"), To: ts("2026-03-15T00:00:00Z")}
	s := Summarize(fixture(), q, map[string][]string{"team-api": {"api"}, "team-web": {"web"}, "team-none": {"nope"}})
	// All services: api's 7 deployments and web's failed w1 = 8, 5 failed.
	if s.Deployments != 8 || s.ChangeFailureRate.Failed != 5 {
		t.Errorf("scope: deployments %d failed %d, want 8 and 5", s.Deployments, s.ChangeFailureRate.Failed)
	}
	if len(s.ByService) != 2 || s.ByService[0].Name != "api" || s.ByService[0].Deployments != 7 || s.ByService[1].Deployments != 1 {
		t.Errorf("by service = %+v, want api (7) and web (1)", s.ByService)
	}
	if len(s.ByTeam) != 2 || s.ByTeam[0].Name != "team-api" || s.ByTeam[1].Name != "team-web" {
		t.Errorf("by team = %+v, want team-api and team-web (team-none has no service in scope)", s.ByTeam)
	}
	if s.ByService[0].Explain != nil || s.Explain == nil {
		t.Errorf("only the scope carries the explanation")
	}
}

func TestParseWindow(t *testing.T) {
	now := ts("2026-06-10T12:00:00Z")
	tests := map[string]struct {
		from, to         string
		wantFrom, wantTo time.Time
		wantErr          string
	}{
		// [from, to) ends after the current second: what finished in it
		// (a collected deploy keeps its sub-second time) is in.
		"defaults":        {"", "", ts("2026-03-12T12:00:01Z"), ts("2026-06-10T12:00:01Z"), ""},
		"dates, to whole": {"2026-01-01", "2026-01-31", ts("2026-01-01T00:00:00Z"), ts("2026-02-01T00:00:00Z"), ""},
		"times":           {"2026-01-01T09:00:00+09:00", "2026-01-02T00:00:00Z", ts("2026-01-01T00:00:00Z"), ts("2026-01-02T00:00:00Z"), ""},
		"bad":             {"yesterday", "", time.Time{}, time.Time{}, `--from: "yesterday" is not a date (2026-01-31) or an RFC3339 time (2026-01-31T09:00:00Z)`},
		"backwards":       {"2026-02-01", "2026-01-01", time.Time{}, time.Time{}, "--from 2026-02-01T00:00:00Z is not before --to 2026-01-02T00:00:00Z"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// A moment into the second, as a clock reads.
			from, to, err := ParseWindow(tc.from, tc.to, now.Add(400*time.Millisecond))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || !from.Equal(tc.wantFrom) || !to.Equal(tc.wantTo) {
				t.Errorf("= %s, %s, %v; want %s, %s", from, to, err, tc.wantFrom, tc.wantTo)
			}
		})
	}
}

func TestHumanMinutes(t *testing.T) {
	for m, want := range map[float64]string{0: "0m", 45: "45m", 60: "1h", 200: "3h 20m", 1440: "1d", 3120: "2d 4h", 3121: "2d 4h", -90: "-1h 30m"} {
		if got := HumanMinutes(m); got != want {
			t.Errorf("HumanMinutes(%v) = %q, want %q", m, got, want)
		}
	}
	for m, want := range map[float64]string{0: "0分", 45: "45分", 60: "1時間", 200: "3時間20分", 1440: "1日", 3121: "2日4時間"} {
		if got := HumanMinutesIn(i18n.JA, m); got != want {
			t.Errorf("HumanMinutesIn(ja, %v) = %q, want %q", m, got, want)
		}
	}
}

// FuzzParseWindow: any --from and --to give an error or a window that
// starts before it ends.
func FuzzParseWindow(f *testing.F) {
	f.Add("2026-01-01", "2026-01-31")
	f.Add("", "2026-01-31T09:00:00+09:00")
	f.Add("0000-01-01", "9999-12-31")
	f.Fuzz(func(t *testing.T, from, to string) {
		start, end, err := ParseWindow(from, to, ts("2026-06-10T12:00:00Z"))
		if err == nil && !start.Before(end) {
			t.Fatalf("ParseWindow(%q, %q) = %s, %s: not a window", from, to, start, end)
		}
	})
}

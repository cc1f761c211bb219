package delivery

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// Breakdown is the Four Keys of one service or team inside a summary.
type Breakdown struct {
	Name string `json:"name"`
	Report
}

// Summary is the Four Keys of a scope, and of each service (and each team
// of teams that has a service in the scope) within it.
type Summary struct {
	Report
	ByService []Breakdown `json:"by_service"`
	ByTeam    []Breakdown `json:"by_team,omitempty"`
}

// Summarize computes the scope of q, then each service seen in it, then
// each team (teams maps a team to its services) with services in it. The
// breakdowns carry no explanation: the scope's lists every record.
func Summarize(d Data, q Query, teams map[string][]string) Summary {
	s := Summary{Report: Compute(d, q), ByService: []Breakdown{}}
	for _, svc := range s.Services {
		sq := q
		sq.Services = []string{svc}
		r := Compute(d, sq)
		r.Explain = nil
		s.ByService = append(s.ByService, Breakdown{Name: svc, Report: r})
	}
	names := make([]string, 0, len(teams))
	for name := range teams {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var in []string
		for _, svc := range teams[name] {
			if slices.Contains(s.Services, svc) {
				in = append(in, svc)
			}
		}
		if len(in) == 0 {
			continue
		}
		tq := q
		tq.Services = in
		r := Compute(d, tq)
		r.Explain = nil
		s.ByTeam = append(s.ByTeam, Breakdown{Name: name, Report: r})
	}
	return s
}

// DefaultWindowDays is the window when none is given: a quarter, long
// enough for monthly deployers to be graded.
const DefaultWindowDays = 90

// ParseWindow reads --from and --to: a date (YYYY-MM-DD, UTC) or an RFC3339
// time. A date as --to includes that whole day. Empty --to is now; empty
// --from is DefaultWindowDays before --to.
func ParseWindow(from, to string, now time.Time) (time.Time, time.Time, error) {
	// The window is [from, to): by default it ends after the current
	// second, so a deploy finished a moment ago (a collected one keeps its
	// sub-second time) is in it.
	end := now.UTC().Truncate(time.Second).Add(time.Second)
	if to != "" {
		t, date, err := parseWhen(to)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--to: %w", err)
		}
		if date {
			t = t.AddDate(0, 0, 1)
		}
		end = t
	}
	start := end.AddDate(0, 0, -DefaultWindowDays)
	if from != "" {
		t, _, err := parseWhen(from)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--from: %w", err)
		}
		start = t
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, i18n.Say("cli.date.order", start.Format(time.RFC3339), end.Format(time.RFC3339)).Err()
	}
	return start, end, nil
}

func parseWhen(s string) (time.Time, bool, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false, i18n.Say("cli.date.orinstant", s).Err()
	}
	return t.UTC(), false, nil
}

// HumanMinutes writes a duration in minutes the way people say it: 45m,
// 3h 20m, 2d 4h.
func HumanMinutes(m float64) string { return HumanMinutesIn(i18n.EN, m) }

// HumanMinutesIn is HumanMinutes for a reader of lang: Japanese says
// 45分, 3時間20分, 2日4時間.
func HumanMinutesIn(lang i18n.Lang, m float64) string {
	total := int64(math.Round(m))
	if total < 0 {
		return "-" + HumanMinutesIn(lang, -m)
	}
	d, h, min := total/(24*60), total%(24*60)/60, total%60
	if d > 0 {
		min = 0 // two units are enough to read
	}
	return lang.Units(d, h, min, " ")
}

// DeploymentID is the id of a deployment recorded without one: the same
// service, environment, finish time and commit give the same id, so
// recording one deployment twice replaces it.
func DeploymentID(d Deployment) string {
	sha := d.CommitSHA
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return d.Service + "-" + d.Environment + "-" + d.Finished.UTC().Format("20060102T150405Z") + "-" + sha
}

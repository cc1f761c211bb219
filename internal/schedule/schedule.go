package schedule

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// State is what a schedule wants of a resource.
type State string

// States.
const (
	On  State = "on"
	Off State = "off"
	// None: the schedule has no transition in the last 7 days, so it
	// wants nothing; a run leaves the resource as it is.
	None State = "none"
)

// Transition is an instant where a schedule wants a state.
type Transition struct {
	State State     `json:"state"`
	At    time.Time `json:"at"`
}

// Status is a schedule's answer at an instant.
type Status struct {
	State State `json:"state"`
	// Since is the last transition at or before the instant (zero for
	// None). A resource changed by hand after Since keeps its state until
	// Next unless the schedule is enforced.
	Since time.Time `json:"since,omitzero"`
	// Next is the first transition after the instant; nil when there is
	// none within a year.
	Next *Transition `json:"next,omitempty"`
}

// Schedule is a named schedule or one read from an offhours tag. It is
// immutable and safe for concurrent use.
type Schedule struct {
	name     string
	loc      *time.Location
	enforced bool

	// A named schedule: windows, days off.
	named    bool
	windows  []Window
	holidays *Calendar
	closed   map[MonthDay]bool
	envs     []string
	systems  []string

	// A tag schedule: weekly instants.
	events []event
	tag    string
}

// event is a weekly instant of a tag schedule.
type event struct {
	days  [7]bool
	hour  int
	state State
}

// Spec is a named schedule as steward.yaml writes it.
type Spec struct {
	Name string
	// Windows are when resources are on, e.g. "mon-fri 09:00-20:00".
	Windows []string
	// TimeZone is an IANA name (Asia/Tokyo) or a Custodian alias (jst).
	TimeZone string
	// Holidays names the public holidays that are off all day: jp, us or
	// none (empty).
	Holidays string
	// Closed are more days off every year, as MM-DD.
	Closed []string
	// Enforced schedules override manual changes at every run.
	Enforced bool
	// Env and System are globs (case-insensitive) of the env and system
	// of the resources that follow the schedule; a resource must match
	// every list given.
	Env    []string
	System []string
}

// FieldError is a problem with one field of a Spec; Field is the key as
// steward.yaml writes it (windows[1], time_zone).
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Compile checks a Spec and builds its schedule. Errors are *FieldError.
func Compile(spec Spec) (*Schedule, error) {
	if spec.Name == "" {
		return nil, &FieldError{"name", i18n.Say("schedule.err.noname").Err()}
	}
	if strings.EqualFold(spec.Name, OptOutValue) {
		return nil, &FieldError{"name", i18n.Say("schedule.err.reserved", OptOutValue).Err()}
	}
	s := &Schedule{name: spec.Name, named: true, enforced: spec.Enforced, closed: map[MonthDay]bool{}}
	if spec.TimeZone == "" {
		return nil, &FieldError{"time_zone", i18n.Say("schedule.err.nozone").Err()}
	}
	loc, err := LoadZone(spec.TimeZone)
	if err != nil {
		return nil, &FieldError{"time_zone", err}
	}
	s.loc = loc
	if len(spec.Windows) == 0 {
		return nil, &FieldError{"windows", i18n.Say("schedule.err.nowindow").Err()}
	}
	for i, w := range spec.Windows {
		win, err := ParseWindow(w)
		if err != nil {
			return nil, &FieldError{fmt.Sprintf("windows[%d]", i), err}
		}
		s.windows = append(s.windows, win)
	}
	if s.holidays, err = HolidayCalendar(spec.Holidays); err != nil {
		return nil, &FieldError{"holidays", err}
	}
	for i, d := range spec.Closed {
		md, err := ParseMonthDay(d)
		if err != nil {
			return nil, &FieldError{fmt.Sprintf("closed[%d]", i), err}
		}
		s.closed[md] = true
	}
	for name, globs := range map[string][]string{"env": spec.Env, "system": spec.System} {
		for i, g := range globs {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				return nil, &FieldError{fmt.Sprintf("%s[%d]", name, i), i18n.Say("schedule.err.glob", g).Err()}
			}
		}
	}
	s.envs, s.systems = spec.Env, spec.System
	return s, nil
}

// Name is the schedule's name; for a tag schedule, the tag and its value.
func (s *Schedule) Name() string { return s.name }

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// Enforced reports whether runs override manual changes.
func (s *Schedule) Enforced() bool { return s.enforced }

// Windows are a named schedule's windows (none for a tag schedule).
func (s *Schedule) Windows() []Window { return slices.Clone(s.windows) }

// Holidays is a named schedule's holiday calendar (none for a tag
// schedule).
func (s *Schedule) Holidays() string {
	if s.holidays == nil {
		return "none"
	}
	return s.holidays.Name()
}

// Closed are a named schedule's closed days, in calendar order.
func (s *Schedule) Closed() []MonthDay {
	var out []MonthDay
	for d := range s.closed {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b MonthDay) int { return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day)) })
	return out
}

// Selectors are the env and system globs of a named schedule.
func (s *Schedule) Selectors() (env, system []string) {
	return slices.Clone(s.envs), slices.Clone(s.systems)
}

// String describes the schedule in one line.
func (s *Schedule) String() string { return s.Describe(i18n.EN) }

// Describe is String in l: the windows and zone as steward.yaml spells
// them, then the holidays and closed days in l's words.
func (s *Schedule) Describe(l i18n.Lang) string {
	if !s.named {
		return s.tag
	}
	var ws []string
	for _, w := range s.windows {
		ws = append(ws, w.String())
	}
	out := strings.Join(ws, "; ") + " " + s.loc.String()
	if h := s.Holidays(); h != "none" {
		out += l.T("schedule.desc.holidays", h)
	}
	if cl := s.Closed(); len(cl) > 0 {
		var ds []string
		for _, d := range cl {
			ds = append(ds, d.String())
		}
		out += l.T("schedule.desc.closed", strings.Join(ds, ","))
	}
	return out
}

// DayOff reports whether the day of t (in the schedule's zone) is off all
// day for a named schedule, and why: the holiday's name or "closed".
func (s *Schedule) DayOff(t time.Time) (string, bool) {
	if !s.named {
		return "", false
	}
	y, m, d := t.In(s.loc).Date()
	noon := time.Date(y, m, d, 12, 0, 0, 0, s.loc)
	if name, ok := s.holidays.Holiday(noon); ok {
		return name, true
	}
	if s.closed[MonthDay{m, d}] {
		return "closed", true
	}
	return "", false
}

// lookbacks are how far back Eval searches for the last transition: a tag
// schedule looks 7 days back (its instants repeat weekly); a named
// schedule is on or off at every instant, so it looks further, past the
// longest holiday break.
func (s *Schedule) lookbacks() []time.Duration {
	if !s.named {
		return []time.Duration{7 * day}
	}
	return []time.Duration{8 * day, 64 * day, 400 * day}
}

const day = 24 * time.Hour

// Eval is the desired state at an instant, since when, and the next
// transition. Times are in the schedule's zone.
func (s *Schedule) Eval(at time.Time) Status {
	at = at.In(s.loc)
	st := Status{State: None}
	for _, back := range s.lookbacks() {
		if ts := s.Transitions(at.Add(-back), at.Add(time.Nanosecond)); len(ts) > 0 {
			last := ts[len(ts)-1]
			st.State, st.Since = last.State, last.At
			break
		}
	}
	if st.State == None {
		return st
	}
	for _, ahead := range []time.Duration{8 * day, 64 * day, 400 * day} {
		if ts := s.Transitions(at.Add(time.Nanosecond), at.Add(ahead)); len(ts) > 0 {
			st.Next = &ts[0]
			break
		}
	}
	return st
}

// Transitions are the schedule's transitions from from (included) to to
// (excluded), in order, in the schedule's zone.
func (s *Schedule) Transitions(from, to time.Time) []Transition {
	if !to.After(from) {
		return nil
	}
	from, to = from.In(s.loc), to.In(s.loc)
	// Whole local days around the range: an interval that starts the day
	// before from (an overnight window) still ends inside it.
	first := noonOf(from).AddDate(0, 0, -2)
	last := noonOf(to).AddDate(0, 0, 1)
	var all []Transition
	if s.named {
		all = s.windowTransitions(first, last)
	} else {
		all = s.eventTransitions(first, last)
	}
	out := all[:0]
	for _, t := range all {
		if !t.At.Before(from) && t.At.Before(to) {
			out = append(out, t)
		}
	}
	return out
}

// noonOf is noon on t's day in t's zone: days stepped with AddDate from
// noon never land on a DST change.
func noonOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 12, 0, 0, 0, t.Location())
}

// wall is minute m after midnight of the day of noon. A time in a
// skipped hour moves forward by the gap (02:30 becomes 03:30 when clocks
// go from 02:00 to 03:00); a doubled hour is taken at its first
// occurrence.
func wall(noon time.Time, m int) time.Time {
	y, mo, d := noon.Date()
	loc := noon.Location()
	t := time.Date(y, mo, d, 0, m, 0, 0, loc)
	naive := time.Date(y, mo, d, 0, m, 0, 0, time.UTC)
	ty, tmo, td := t.Date()
	ny, nmo, nd := naive.Date()
	if ty == ny && tmo == nmo && td == nd && t.Hour() == naive.Hour() && t.Minute() == naive.Minute() {
		return t
	}
	// In a gap: read the wall time with the offset in force before it.
	_, before := t.Add(-12 * time.Hour).Zone()
	return naive.Add(-time.Duration(before) * time.Second).In(loc)
}

// interval is an on period of a named schedule, from a to b.
type interval struct{ a, b time.Time }

// windowTransitions are the boundaries of a named schedule's on periods
// for windows starting on the days from first to last (noons).
func (s *Schedule) windowTransitions(first, last time.Time) []Transition {
	var out []Transition
	for _, iv := range s.onIntervals(first, last) {
		out = append(out, Transition{On, iv.a}, Transition{Off, iv.b})
	}
	return out
}

// onIntervals are a named schedule's on periods, merged, for windows
// starting on the days from first to last (noons).
func (s *Schedule) onIntervals(first, last time.Time) []interval {
	var ivs []interval
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if _, off := s.DayOff(d); off {
			continue
		}
		for _, w := range s.windows {
			if !w.Days[d.Weekday()] {
				continue
			}
			a, b := wall(d, w.Start), wall(d, w.End)
			if w.overnight() {
				// A holiday is off from its midnight.
				next := d.AddDate(0, 0, 1)
				b = wall(next, w.End)
				if _, off := s.DayOff(next); off {
					b = wall(next, 0)
				}
			}
			if b.After(a) {
				ivs = append(ivs, interval{a, b})
			}
		}
	}
	slices.SortFunc(ivs, func(x, y interval) int { return x.a.Compare(y.a) })
	var out []interval
	for i := 0; i < len(ivs); {
		cur := ivs[i]
		j := i + 1
		for ; j < len(ivs) && !ivs[j].a.After(cur.b); j++ {
			if ivs[j].b.After(cur.b) {
				cur.b = ivs[j].b
			}
		}
		out = append(out, cur)
		i = j
	}
	return out
}

// eventTransitions are a tag schedule's instants on the days from first
// to last (noons). An on and an off in the same hour leave it on.
func (s *Schedule) eventTransitions(first, last time.Time) []Transition {
	var out []Transition
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		for _, e := range s.events {
			if e.days[d.Weekday()] {
				out = append(out, Transition{e.state, wall(d, e.hour*60)})
			}
		}
	}
	slices.SortFunc(out, func(x, y Transition) int {
		return cmp.Or(x.At.Compare(y.At), cmp.Compare(stateOrder(x.State), stateOrder(y.State)))
	})
	return slices.Compact(out)
}

func stateOrder(s State) int {
	if s == On {
		return 1
	}
	return 0
}

// Day is one day of a preview: whether it is off all day and why, and
// the transitions on it.
type Day struct {
	Date        time.Time    `json:"date"` // midnight in the schedule's zone
	Off         string       `json:"off,omitempty"`
	Transitions []Transition `json:"transitions"`
}

// Preview lists the days from the day of from, n of them, with their
// transitions and holidays.
func (s *Schedule) Preview(from time.Time, n int) []Day {
	start := noonOf(from.In(s.loc))
	out := make([]Day, 0, n)
	for i := range n {
		d := start.AddDate(0, 0, i)
		day := Day{Date: wall(d, 0), Transitions: s.Transitions(wall(d, 0), wall(d.AddDate(0, 0, 1), 0))}
		if day.Transitions == nil {
			day.Transitions = []Transition{}
		}
		day.Off, _ = s.DayOff(d)
		out = append(out, day)
	}
	return out
}

// WeeklyOnMinutes is how long a named schedule is on in a week without
// days off, in minutes; overlapping windows count once.
func (s *Schedule) WeeklyOnMinutes() int {
	if !s.named {
		return 0
	}
	// A week of a calendar with no days off, in UTC: no DST, no holiday.
	plain := &Schedule{name: s.name, loc: time.UTC, named: true, windows: s.windows}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // a Monday
	to := from.Add(7 * day)
	on := time.Duration(0)
	for _, iv := range plain.onIntervals(noonOf(from).AddDate(0, 0, -1), noonOf(to)) {
		a, b := iv.a, iv.b
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if b.After(a) {
			on += b.Sub(a)
		}
	}
	return int(on / time.Minute)
}

// DaysOff counts the days from the day of from up to the day of to (not
// included), in the schedule's zone, on which a window of a named
// schedule starts but which are off all day: public holidays (on the day
// or the day they are observed) and closed days.
func (s *Schedule) DaysOff(from, to time.Time) int {
	if !s.named {
		return 0
	}
	end := noonOf(to.In(s.loc))
	n := 0
	for d := noonOf(from.In(s.loc)); d.Before(end); d = d.AddDate(0, 0, 1) {
		if !slices.ContainsFunc(s.windows, func(w Window) bool { return w.Days[d.Weekday()] }) {
			continue
		}
		if _, off := s.DayOff(d); off {
			n++
		}
	}
	return n
}

// Package schedule owns off-hours schedules: named weekly schedules from
// steward.yaml (windows, time zone, public holidays, closed days), Cloud
// Custodian's offhours tag syntax, the holiday calendars, and which
// schedule a resource follows. It answers one question for the actions
// that stop and start resources: at an instant, what state should this
// resource be in, since when, and when does that change next.
//
// It knows resources only as their tags, env and system, and nothing of
// AWS, the store or configuration files: package config decodes
// steward.yaml and hands the plain values to [Compile] and [Resolver].
//
// # State, not exact-hour matching
//
// A schedule gives a desired state at every instant ([Schedule.Eval]):
// [On], [Off], or [None] when it has no transition in the last 7 days.
// A run applies the desired state, so a missed run catches up on the
// next one, unlike tools that act only in the exact hour of a transition.
//
// For a named schedule the windows define every instant: inside a window
// it is on, outside off; public holidays and closed days are off all day
// (a window that runs past midnight into a holiday ends at midnight). Its
// state is None only when it never changes (no windows, or windows that
// cover the whole week), since a long holiday extends an off period rather
// than suspending the schedule. A Custodian tag schedule is a list of
// weekly on and off instants; the state is the one of the latest instant
// within the last 7 days, which with weekly instants is None only when
// the tag has none (on=disabled;off=disabled).
//
// # Manual changes
//
// Someone who starts a resource by hand during an off period (or stops
// it during a window) is respected until the next transition: a run
// changes a resource only when the desired state differs from its state
// and it was not changed by hand after [Status.Since], the last
// transition. A schedule with enforced: true has no such grace: every run
// puts the resource back in the desired state. [Decide] holds this rule
// for the runner.
//
// # Time zones
//
// Windows and hours are wall-clock times in the schedule's zone. On the
// day clocks go forward, a transition in the skipped hour happens when
// the clock reaches the next valid time (02:30 in America/Los_Angeles on
// a spring-forward day is 03:30 PDT); on the day they go back, an hour
// that occurs twice is taken at its first occurrence.
package schedule

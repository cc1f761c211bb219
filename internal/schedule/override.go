package schedule

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// Override is a timed exception to the schedules: a resource, or every
// resource of an env, held on or off until an instant, whoever asked and
// why. It ends by itself at Until (or when cancelled); the resource then
// follows its schedule again.
type Override struct {
	ID string `json:"id"`
	// Target names what the override holds: an ARN or a resource name
	// (Kind resource), or an env tag value (Kind env).
	Target string       `json:"target"`
	Kind   OverrideKind `json:"kind"`
	State  State        `json:"state"`
	Reason string       `json:"reason"`
	// Actor is who asked (STEWARD_USER, else the OS user).
	Actor   string    `json:"actor"`
	Created time.Time `json:"created"`
	Until   time.Time `json:"until"`
	// Cancelled is when it was cancelled, zero if it was not.
	Cancelled   time.Time `json:"cancelled,omitzero"`
	CancelledBy string    `json:"cancelled_by,omitempty"`
}

// OverrideKind says what an override's target names.
type OverrideKind string

// Override kinds.
const (
	OverrideResource OverrideKind = "resource"
	OverrideEnv      OverrideKind = "env"
)

// MaxOverride is the longest an override may last: a longer exception is
// a schedule of its own, or steward:schedule=none.
const MaxOverride = 31 * 24 * time.Hour

// End is when the override stops holding: Until, or the cancellation if
// it came first.
func (o Override) End() time.Time {
	if !o.Cancelled.IsZero() && o.Cancelled.Before(o.Until) {
		return o.Cancelled
	}
	return o.Until
}

// Active says whether the override holds at t.
func (o Override) Active(t time.Time) bool {
	return !t.Before(o.Created) && t.Before(o.End())
}

// Matches says whether the override names a resource, by its ARN or
// name (Kind resource) or its env (Kind env, ignoring case).
func (o Override) Matches(arn, name, env string) bool {
	switch o.Kind {
	case OverrideResource:
		return o.Target == arn || (name != "" && o.Target == name)
	case OverrideEnv:
		return env != "" && strings.EqualFold(o.Target, env)
	}
	return false
}

// Validate checks an override before it is stored, naming the wrong field.
func (o Override) Validate() error {
	switch {
	case strings.TrimSpace(o.Target) == "":
		return i18n.Say("schedule.err.override.target").Err()
	case o.Kind != OverrideResource && o.Kind != OverrideEnv:
		return i18n.Say("schedule.err.override.kind", string(o.Kind)).Err()
	case o.State != On && o.State != Off:
		return i18n.Say("schedule.err.override.state", string(o.State)).Err()
	case strings.TrimSpace(o.Reason) == "":
		return i18n.Say("schedule.err.override.reason").Err()
	case o.Created.IsZero() || !o.Until.After(o.Created):
		return i18n.Say("schedule.err.override.until").Err()
	case o.Until.Sub(o.Created) > MaxOverride:
		return i18n.Say("schedule.err.override.long",
			o.Until.Sub(o.Created).Round(time.Minute), MaxOverride, DefaultScheduleKey, OptOutValue).Err()
	}
	return nil
}

// Governing returns the override that decides a resource's state at t:
// of those naming it, the active one made last; ok is false when none is
// active. A resource override wins over an env override.
func Governing(list []Override, arn, name, env string, t time.Time) (Override, bool) {
	var best Override
	found := false
	rank := func(o Override) int {
		if o.Kind == OverrideResource {
			return 1
		}
		return 0
	}
	for _, o := range list {
		if !o.Active(t) || !o.Matches(arn, name, env) {
			continue
		}
		if !found || rank(o) > rank(best) || (rank(o) == rank(best) && o.Created.After(best.Created)) {
			best, found = o, true
		}
	}
	return best, found
}

// LastEnded returns, of the overrides naming a resource that ended at or
// before t, the one that ended last.
func LastEnded(list []Override, arn, name, env string, t time.Time) (Override, bool) {
	var best Override
	found := false
	for _, o := range list {
		if o.Active(t) || o.End().After(t) || !o.Matches(arn, name, env) {
			continue
		}
		if !found || o.End().After(best.End()) {
			best, found = o, true
		}
	}
	return best, found
}

// Status is what the override wants at t (it must be active): its state
// since it was made, and at its end the state s wants then (or off when
// the resource follows no schedule s).
func (o Override) Status(s *Schedule) Status {
	st := Status{State: o.State, Since: o.Created}
	after := Off
	if s != nil {
		after = s.Eval(o.End()).State
	}
	st.Next = &Transition{State: after, At: o.End()}
	return st
}

var clockRE = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})$`)

// ParseUntil reads when an override ends: a wall-clock time HH:MM (the
// next such time in loc after now), an RFC 3339 instant, or a duration
// from now such as 90m or 2h. The end must be after now and within
// MaxOverride.
func ParseUntil(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	if m := clockRE.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		if h > 23 || mi > 59 {
			return time.Time{}, i18n.Say("schedule.err.until.clock", s).Err()
		}
		n := now.In(loc)
		t = time.Date(n.Year(), n.Month(), n.Day(), h, mi, 0, 0, loc)
		if !t.After(now) {
			t = time.Date(n.Year(), n.Month(), n.Day()+1, h, mi, 0, 0, loc)
		}
	} else if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, i18n.Say("schedule.err.until.positive", s).Err()
		}
		if d > MaxOverride {
			return time.Time{}, i18n.Say("schedule.err.until.over", s, MaxOverride).Err()
		}
		t = now.Add(d)
	} else if at, err := time.Parse(time.RFC3339, s); err == nil {
		t = at
	} else {
		return time.Time{}, i18n.Say("schedule.err.until.form", s).Err()
	}
	if !t.After(now) {
		return time.Time{}, i18n.Say("schedule.err.until.past", s, t.Format(time.RFC3339)).Err()
	}
	if t.Sub(now) > MaxOverride {
		return time.Time{}, i18n.Say("schedule.err.until.ahead", s, t.Format(time.RFC3339), MaxOverride).Err()
	}
	return t, nil
}

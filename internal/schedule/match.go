package schedule

import (
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
)

// DefaultScheduleKey is the tag that names the schedule a resource
// follows: steward:schedule=office-hours.
const DefaultScheduleKey = "steward:schedule"

// OptOutValue, as the value of the schedule tag, takes a resource out of
// every schedule (one its env or system would give it too).
const OptOutValue = "none"

// Resolver decides which schedule a resource follows.
type Resolver struct {
	// ScheduleKey names a named schedule (default steward:schedule).
	ScheduleKey string
	// OffhoursKey holds a Custodian offhours schedule (default
	// maid_offhours).
	OffhoursKey string
	// Offhours are the defaults of offhours tags.
	Offhours OffhoursDefaults
	// Named are the schedules of steward.yaml.
	Named []*Schedule
}

// Target is what a resolver reads of a resource.
type Target struct {
	Tags   map[string]string
	Env    string
	System string
}

// Match is the schedule a resource follows and why.
type Match struct {
	// Schedule is nil when the resource follows none.
	Schedule *Schedule
	// By says why, e.g. "tag steward:schedule=office-hours", "tag
	// maid_offhours", "env dev3 (dev*)", in the reader's language.
	By i18n.Phrase
	// OptedOut: a tag took the resource out of scheduling
	// (maid_offhours=off, steward:schedule=none).
	OptedOut bool
}

// Schedule returns the named schedule called name.
func (r *Resolver) Schedule(name string) (*Schedule, bool) {
	i := slices.IndexFunc(r.Named, func(s *Schedule) bool { return s.name == name })
	if i < 0 {
		return nil, false
	}
	return r.Named[i], true
}

// For returns the schedule t follows, in this order: the schedule tag
// naming a schedule (or none), the offhours tag, then the named
// schedules whose env and system globs match. An error (an unknown
// schedule name, a tag Custodian rejects, two schedules matching) is
// for a finding on the resource; it follows no schedule meanwhile.
func (r *Resolver) For(t Target) (Match, error) {
	schedKey := cmpOr(r.ScheduleKey, DefaultScheduleKey)
	if v, ok := tag(t.Tags, schedKey); ok {
		by := i18n.Say("sched.by.tag", schedKey+"="+v)
		if strings.EqualFold(strings.TrimSpace(v), OptOutValue) {
			return Match{By: by, OptedOut: true}, nil
		}
		s, ok := r.Schedule(strings.TrimSpace(v))
		if !ok {
			return Match{}, i18n.Say("schedule.err.tag.unknown", schedKey, v, r.names()).Err()
		}
		return Match{Schedule: s, By: by}, nil
	}
	offKey := cmpOr(r.OffhoursKey, DefaultOffhoursKey)
	if v, ok := tag(t.Tags, offKey); ok {
		d := r.Offhours
		if d.TimeZone == "" {
			d = DefaultOffhours("")
		}
		s, optedOut, err := ParseOffhours(v, d)
		var te *TagError
		if errors.As(err, &te) {
			te.Key = offKey
		}
		if err != nil {
			return Match{}, err
		}
		by := i18n.Say("sched.by.tag", offKey)
		if optedOut {
			return Match{By: by, OptedOut: true}, nil
		}
		s.name = offKey + "=" + v
		return Match{Schedule: s, By: by}, nil
	}
	var found []Match
	for _, s := range r.Named {
		if len(s.envs) == 0 && len(s.systems) == 0 {
			continue
		}
		var why []i18n.Phrase
		if len(s.envs) > 0 {
			g, ok := matchGlob(s.envs, t.Env)
			if !ok {
				continue
			}
			why = append(why, i18n.Say("sched.by.env", t.Env, g))
		}
		if len(s.systems) > 0 {
			g, ok := matchGlob(s.systems, t.System)
			if !ok {
				continue
			}
			why = append(why, i18n.Say("sched.by.system", t.System, g))
		}
		by := why[0]
		if len(why) == 2 {
			by = i18n.Say("sched.by.both", why[0], why[1])
		}
		found = append(found, Match{Schedule: s, By: by})
	}
	switch len(found) {
	case 0:
		return Match{}, nil
	case 1:
		return found[0], nil
	}
	return Match{}, i18n.Say("schedule.err.ambiguous",
		found[0].Schedule.name, found[1].Schedule.name, found[0].By, found[1].By, schedKey).Err()
}

// names lists the schedules steward.yaml defines, for a message: a
// phrase when there are none, so it is said in the reader's language.
func (r *Resolver) names() any {
	if len(r.Named) == 0 {
		return i18n.Say("schedule.known.none")
	}
	var ns []string
	for _, s := range r.Named {
		ns = append(ns, s.name)
	}
	return strings.Join(ns, ", ")
}

// tag finds a tag by key, ignoring case as Custodian does.
func tag(tags map[string]string, key string) (string, bool) {
	if v, ok := tags[key]; ok {
		return v, true
	}
	// Keys that differ only in case: the first in sorted order, so the
	// answer does not change from run to run.
	found, value := "", ""
	for k, v := range tags {
		if strings.EqualFold(k, key) && (found == "" || k < found) {
			found, value = k, v
		}
	}
	return value, found != ""
}

// matchGlob returns the first glob that matches v, ignoring case; an
// empty v matches nothing.
func matchGlob(globs []string, v string) (string, bool) {
	if v == "" {
		return "", false
	}
	v = strings.ToLower(v)
	for _, g := range globs {
		if ok, _ := path.Match(strings.ToLower(g), v); ok {
			return g, true
		}
	}
	return "", false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

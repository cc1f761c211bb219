package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// DefaultOffhoursKey is the tag Cloud Custodian reads an offhours
// schedule from.
const DefaultOffhoursKey = "maid_offhours"

// OffhoursDefaults are what a tag gets for what it leaves out: Custodian's
// offhour/onhour policy defaults.
type OffhoursDefaults struct {
	// TimeZone when the tag has no tz: an IANA name or an alias.
	// Custodian's default is et.
	TimeZone string
	// OnHour and OffHour are the hours of a side the tag leaves out, on
	// Days (Custodian: 7 and 19, Monday to Friday).
	OnHour, OffHour int
	Days            [7]bool
}

// DefaultOffhours are Custodian's defaults: on at 7, off at 19, Monday to
// Friday, in tz.
func DefaultOffhours(tz string) OffhoursDefaults {
	if tz == "" {
		tz = "et"
	}
	d := OffhoursDefaults{TimeZone: tz, OnHour: 7, OffHour: 19}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		d.Days[wd] = true
	}
	return d
}

// TagError is a tag value Custodian's parser rejects; Part is the piece
// that is wrong. A resource with such a tag follows no schedule and gets
// a finding.
type TagError struct {
	Key   string // the tag key, when known
	Value string
	Part  string
	Err   error
}

func (e *TagError) Error() string {
	tag := fmt.Sprintf("%q", e.Value)
	if e.Key != "" {
		tag = fmt.Sprintf("%s=%q", e.Key, e.Value)
	}
	if e.Part == "" {
		return fmt.Sprintf("tag %s: %v", tag, e.Err)
	}
	return fmt.Sprintf("tag %s: %q: %v", tag, e.Part, e.Err)
}

func (e *TagError) Unwrap() error { return e.Err }

// Phrase is the error in the reader's language (i18n.PhraseOf).
func (e *TagError) Phrase() i18n.Phrase {
	tag := fmt.Sprintf("%q", e.Value)
	if e.Key != "" {
		tag = fmt.Sprintf("%s=%q", e.Key, e.Value)
	}
	if e.Part == "" {
		return i18n.Say("schedule.err.tagvalue", tag, said(e.Err))
	}
	return i18n.Say("schedule.err.tagpart", tag, e.Part, said(e.Err))
}

// Custodian's escapes for characters some services refuse in tag values
// (Elastic Beanstalk, EFS): u28 for "(", u29 for ")" and so on.
var tagUnescaper = strings.NewReplacer(
	"u28", "(", "u29", ")", "u5b", "[", "u5d", "]", "u2c", ",",
	"u3b", ";", "u3d", "=", "u2f", "/", "u2d", "-",
)

// ParseOffhours reads a Cloud Custodian offhours tag value, with
// Custodian's meaning:
//
//   - off=(M-F,19);on=(M-F,7);tz=jst: off at 19:00 and on at 07:00,
//     Monday to Friday, Tokyo time. Days are M T W H F S U, single or as
//     a range (M-F; F-M wraps around the week); hours 0 to 23.
//   - off=[(M-F,21),(U,18)]: several instants in a list.
//   - a side left out takes the default (on at 7, off at 19, Monday to
//     Friday); on=disabled or off=disabled has none.
//   - tz is an alias (pt, et, jst ...) or an IANA name; without it the
//     default zone applies. An empty value, "on", or a value with only tz
//     takes the defaults.
//   - off opts the resource out: optedOut is true and s is nil.
//
// The value is read in lower case, with Custodian's u28-style escapes
// and surrounding quotes removed. A value Custodian rejects is a
// *TagError naming the part that is wrong; so is a key other than on,
// off and tz, which Custodian would silently ignore.
func ParseOffhours(value string, d OffhoursDefaults) (s *Schedule, optedOut bool, err error) {
	v := strings.ToLower(value)
	v = tagUnescaper.Replace(v)
	v = strings.Trim(strings.Trim(v, "'"), `"`)
	if v == "off" {
		return nil, true, nil
	}
	fail := func(part string, err error) (*Schedule, bool, error) {
		return nil, false, &TagError{Value: value, Part: part, Err: err}
	}
	var pieces []string
	for p := range strings.SplitSeq(v, ";") {
		if p != "" {
			pieces = append(pieces, p)
		}
	}
	// Custodian first reads every key=value separated by ; or a space,
	// skipping what is not key=value, and rejects an unknown key.
	var hasSide bool
	var tz string
	for p := range strings.FieldsFuncSeq(strings.Join(pieces, ";"), func(r rune) bool { return r == ' ' || r == ';' }) {
		k, val, ok := strings.Cut(p, "=")
		if !ok || strings.Contains(val, "=") {
			continue
		}
		switch k {
		case "on", "off":
			hasSide = true
		case "tz":
			tz = val
		default:
			return fail(p, i18n.Say("schedule.err.offhours.key", k).Err())
		}
	}
	sides := map[State][]event{
		On:  {{days: d.Days, hour: d.OnHour, state: On}},
		Off: {{days: d.Days, hour: d.OffHour, state: Off}},
	}
	// With an on or off, each ;-separated piece must be key=value.
	if hasSide {
		tz = ""
		for _, p := range pieces {
			k, val, ok := strings.Cut(p, "=")
			if !ok || strings.Contains(val, "=") {
				return fail(p, i18n.Say("schedule.err.offhours.pair").Err())
			}
			switch k {
			case "tz":
				tz = val
			case "on", "off":
				evs, err := parseInstants(State(k), val)
				if err != nil {
					return fail(p, err)
				}
				sides[State(k)] = evs
			default:
				return fail(p, i18n.Say("schedule.err.offhours.key", k).Err())
			}
		}
	}
	if tz == "" {
		tz = d.TimeZone
	}
	loc, err := LoadZone(tz)
	if err != nil {
		return fail("tz="+tz, err)
	}
	s = &Schedule{name: value, tag: value, loc: loc}
	s.events = append(s.events, sides[Off]...)
	s.events = append(s.events, sides[On]...)
	return s, false, nil
}

// custodianDays are Custodian's day letters, Monday first.
var custodianDays = []struct {
	letter string
	day    time.Weekday
}{{"m", time.Monday}, {"t", time.Tuesday}, {"w", time.Wednesday}, {"h", time.Thursday}, {"f", time.Friday}, {"s", time.Saturday}, {"u", time.Sunday}}

// parseInstants reads the value of on= or off=: (days,hour), a list
// [(days,hour),(days,hour)], or disabled.
func parseInstants(state State, lexeme string) ([]event, error) {
	if lexeme == "disabled" {
		return nil, nil
	}
	var out []event
	lex := strings.NewReplacer("[", "", "]", "").Replace(lexeme)
	for e := range strings.SplitSeq(lex, ",(") {
		toks := strings.Split(strings.NewReplacer("(", "", ")", "").Replace(e), ",")
		if len(toks) != 2 {
			return nil, i18n.Say("schedule.err.offhours.instant", e).Err()
		}
		hour, err := strconv.Atoi(toks[1])
		if err != nil || hour < 0 || hour > 23 || strings.TrimLeft(toks[1], "0123456789") != "" {
			return nil, i18n.Say("schedule.err.offhours.hour", toks[1]).Err()
		}
		days, err := custodianDayRange(toks[0])
		if err != nil {
			return nil, err
		}
		out = append(out, event{days: days, hour: hour, state: state})
	}
	return out, nil
}

// custodianDayRange reads M, or a range M-F (F-M wraps around the week).
func custodianDayRange(s string) ([7]bool, error) {
	var days [7]bool
	index := func(l string) int {
		for i, d := range custodianDays {
			if d.letter == l {
				return i
			}
		}
		return -1
	}
	bad := i18n.Say("schedule.err.offhours.days", s).Err()
	if i := index(s); i >= 0 {
		days[custodianDays[i].day] = true
		return days, nil
	}
	from, to, ok := strings.Cut(s, "-")
	a, b := index(from), index(to)
	if !ok || a < 0 || b < 0 {
		return days, bad
	}
	for i := a; ; i = (i + 1) % 7 {
		days[custodianDays[i].day] = true
		if i == b {
			break
		}
	}
	return days, nil
}

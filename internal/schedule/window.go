package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// Window is a weekly period when resources are on: on each of Days from
// Start to End, minutes after midnight. End is after Start, up to 24:00;
// an End before Start runs past midnight into the next day.
type Window struct {
	Days       [7]bool // by time.Weekday
	Start, End int
}

// ParseWindow reads a window such as "mon-fri 09:00-20:00",
// "sat,sun 10:00-18:00", "mon-fri 22:00-06:00" (overnight) or
// "fri-mon 00:00-24:00" (day ranges wrap around the week).
func ParseWindow(s string) (Window, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Window{}, i18n.Say("schedule.err.window.form", s).Err()
	}
	days, err := ParseDays(fields[0])
	if err != nil {
		return Window{}, i18n.Say("schedule.err.window", s, said(err)).Err()
	}
	from, to, ok := strings.Cut(fields[1], "-")
	if !ok {
		return Window{}, i18n.Say("schedule.err.window.range", s, fields[1]).Err()
	}
	start, err := ParseClock(from)
	if err == nil && start == 24*60 {
		err = i18n.Say("schedule.err.window.24").Err()
	}
	if err != nil {
		return Window{}, i18n.Say("schedule.err.window.start", s, said(err)).Err()
	}
	end, err := ParseClock(to)
	if err != nil {
		return Window{}, i18n.Say("schedule.err.window.end", s, said(err)).Err()
	}
	if end == start {
		return Window{}, i18n.Say("schedule.err.window.empty", s, from).Err()
	}
	return Window{Days: days, Start: start, End: end}, nil
}

// ParseDays reads days as a window spells them: a day (mon), a range
// (mon-fri; fri-mon wraps around the week) or several joined by commas
// (mon,wed,fri or mon-wed,sat).
func ParseDays(s string) ([7]bool, error) {
	var days [7]bool
	for part := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		first, err := ParseWeekday(from)
		if err != nil {
			return days, err
		}
		last := first
		if isRange {
			if last, err = ParseWeekday(to); err != nil {
				return days, err
			}
		}
		for d := first; ; d = (d + 1) % 7 {
			days[d] = true
			if d == last {
				break
			}
		}
	}
	return days, nil
}

// overnight reports whether the window ends on the next day.
func (w Window) overnight() bool { return w.End < w.Start }

// Minutes is how long the window lasts on each of its days.
func (w Window) Minutes() int {
	if w.overnight() {
		return w.End + 24*60 - w.Start
	}
	return w.End - w.Start
}

func (w Window) String() string {
	var b strings.Builder
	// Runs of days print as ranges, starting on Monday as people write
	// them.
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i := 0; i < len(order); {
		if !w.Days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && w.Days[order[j+1]] {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(dayNames[order[i]])
		if j > i {
			b.WriteString("-" + dayNames[order[j]])
		}
		i = j + 1
	}
	return fmt.Sprintf("%s %s-%s", b.String(), clock(w.Start), clock(w.End))
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// said is what err says, as a phrase when it is one, so that a message
// framing it is said in the reader's language all through.
func said(err error) any {
	if p, ok := i18n.PhraseOf(err); ok {
		return p
	}
	return err.Error()
}

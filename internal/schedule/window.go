package schedule

import (
	"fmt"
	"strings"
	"time"
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
		return Window{}, fmt.Errorf("%q is not a window (want DAYS HH:MM-HH:MM, e.g. mon-fri 09:00-20:00)", s)
	}
	days, err := ParseDays(fields[0])
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	from, to, ok := strings.Cut(fields[1], "-")
	if !ok {
		return Window{}, fmt.Errorf("window %q: %q is not a time range (want HH:MM-HH:MM, e.g. 09:00-20:00)", s, fields[1])
	}
	start, err := ParseClock(from)
	if err == nil && start == 24*60 {
		err = fmt.Errorf("24:00 can only end a window")
	}
	if err != nil {
		return Window{}, fmt.Errorf("window %q: start: %w", s, err)
	}
	end, err := ParseClock(to)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: end: %w", s, err)
	}
	if end == start {
		return Window{}, fmt.Errorf("window %q: start and end are both %s (for a whole day write 00:00-24:00)", s, from)
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

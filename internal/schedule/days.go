package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/us"
	"github.com/steward-sre/steward/internal/i18n"

	// Schedules name time zones; the binary must resolve them on hosts
	// without a zoneinfo database (distroless images, Windows).
	_ "time/tzdata"
)

// dayNames are the days of the week as windows spell them, in
// time.Weekday order.
var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWeekday reads a day name: mon, tue, wed, thu, fri, sat or sun (any
// case).
func ParseWeekday(s string) (time.Weekday, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range dayNames {
		if l == n {
			return time.Weekday(i), nil
		}
	}
	return 0, i18n.Say("schedule.err.day", s).Err()
}

// ParseClock reads a time of day as HH:MM and returns minutes after
// midnight; 24:00 is allowed as the end of a day.
func ParseClock(s string) (int, error) {
	if s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, i18n.Say("schedule.err.clock", s).Err()
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Calendar is a public holiday calendar.
type Calendar struct {
	name string
	cal  *cal.Calendar
}

// calendars are the holiday calendars a schedule can name.
var calendars = map[string][]*cal.Holiday{"jp": jp.Holidays, "us": us.Holidays, "none": nil}

// CalendarNames are the valid values of a schedule's holidays.
const CalendarNames = "jp, us, none"

// HolidayCalendar returns the calendar called name: jp, us or none (any
// case; empty is none).
func HolidayCalendar(name string) (*Calendar, error) {
	l := strings.ToLower(strings.TrimSpace(name))
	if l == "" {
		l = "none"
	}
	hs, ok := calendars[l]
	if !ok {
		return nil, i18n.Say("schedule.err.calendar", name, CalendarNames).Err()
	}
	c := &cal.Calendar{}
	c.AddHoliday(hs...)
	return &Calendar{name: l, cal: c}, nil
}

// Name is the calendar's name: jp, us or none.
func (c *Calendar) Name() string { return c.name }

// Holiday reports whether the date of day (in day's location) is a public
// holiday, on the day itself or on the day it is observed (Japan's
// substitute holidays, a US holiday on a Saturday observed on Friday),
// and its name.
func (c *Calendar) Holiday(day time.Time) (string, bool) {
	if c == nil || len(c.cal.Holidays) == 0 {
		return "", false
	}
	actual, observed, h := c.cal.IsHoliday(day)
	switch {
	case actual:
		return h.Name, true
	case observed:
		return h.Name + " (observed)", true
	}
	return "", false
}

// MonthDay is a day of every year.
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay reads MM-DD, e.g. 12-29.
func ParseMonthDay(s string) (MonthDay, error) {
	// Parsed without a year, 02-29 is valid: a leap day closes only in
	// leap years.
	t, err := time.Parse("01-02", s)
	if err != nil || t.Format("01-02") != s {
		return MonthDay{}, i18n.Say("schedule.err.monthday", s).Err()
	}
	return MonthDay{t.Month(), t.Day()}, nil
}

func (m MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(m.Month), m.Day) }

package costconfig

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
)

// RecommendConfig tunes `steward cost recommend` (cost.recommend in steward.yaml).
type RecommendConfig struct {
	OfficeHours OfficeHours `yaml:"office_hours"`
	// ProductionEnvs are env values (globs, case-insensitive) that are
	// never told to run on Spot (default prod, prd, production).
	ProductionEnvs []string `yaml:"production_envs"`
	// FargateSpotDiscount is the share of the Fargate price Spot saves
	// (default 0.7: AWS advertises up to 70% off; the real discount moves
	// with spare capacity).
	FargateSpotDiscount float64 `yaml:"fargate_spot_discount"`
}

// OfficeHours are when dev and QA environments need to run; the rest of
// the week they can be stopped.
type OfficeHours struct {
	// TimeZone of Start and End (default Asia/Tokyo).
	TimeZone string `yaml:"time_zone"`
	// Days are the working days, mon to sun (default mon-fri).
	Days []string `yaml:"days"`
	// Start and End as HH:MM, End after Start (default 09:00 and 20:00).
	Start string `yaml:"start"`
	End   string `yaml:"end"`
	// Envs are the env values (globs, case-insensitive) to stop outside
	// office hours (default dev*, qa*, test*).
	Envs []string `yaml:"envs"`
	// Holidays names the public holidays that are off too: jp (default),
	// us or none.
	Holidays string `yaml:"holidays"`
	// Closed are more days off every year, as MM-DD (e.g. 12-29 to 01-03
	// for a year-end break).
	Closed []string `yaml:"closed"`
}

func (r *RecommendConfig) defaults() {
	oh := &r.OfficeHours
	if oh.TimeZone == "" {
		oh.TimeZone = "Asia/Tokyo"
	}
	if len(oh.Days) == 0 {
		oh.Days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	if oh.Start == "" {
		oh.Start = "09:00"
	}
	if oh.End == "" {
		oh.End = "20:00"
	}
	if len(oh.Envs) == 0 {
		oh.Envs = []string{"dev*", "qa*", "test*"}
	}
	if oh.Holidays == "" {
		oh.Holidays = "jp"
	}
	if len(r.ProductionEnvs) == 0 {
		r.ProductionEnvs = []string{"prod", "prd", "production"}
	}
	if r.FargateSpotDiscount == 0 {
		r.FargateSpotDiscount = 0.7
	}
}

func (r *RecommendConfig) validate() error {
	oh := r.OfficeHours
	if _, err := time.LoadLocation(oh.TimeZone); err != nil {
		return &FieldError{Field: "cost.recommend.office_hours.time_zone", Err: fmt.Errorf("%q is not a time zone (e.g. Asia/Tokyo, UTC): %w", oh.TimeZone, err)}
	}
	for i, d := range oh.Days {
		if _, err := schedule.ParseWeekday(d); err != nil {
			return &FieldError{Field: fmt.Sprintf("cost.recommend.office_hours.days[%d]", i), Err: err}
		}
	}
	start, err := schedule.ParseClock(oh.Start)
	if err != nil {
		return &FieldError{Field: "cost.recommend.office_hours.start", Err: err}
	}
	end, err := schedule.ParseClock(oh.End)
	if err != nil {
		return &FieldError{Field: "cost.recommend.office_hours.end", Err: err}
	}
	if end <= start {
		return &FieldError{Field: "cost.recommend.office_hours.end", Err: i18n.Say("cost.cfg.oh.end", oh.End, oh.Start).Err()}
	}
	if _, err := schedule.HolidayCalendar(oh.Holidays); err != nil || oh.Holidays == "" {
		return &FieldError{Field: "cost.recommend.office_hours.holidays", Err: i18n.Say("cost.cfg.oh.holidays", oh.Holidays, schedule.CalendarNames).Err()}
	}
	for i, d := range oh.Closed {
		if _, err := schedule.ParseMonthDay(d); err != nil {
			return &FieldError{Field: fmt.Sprintf("cost.recommend.office_hours.closed[%d]", i), Err: err}
		}
	}
	if _, err := oh.Schedule(); err != nil {
		return &FieldError{Field: "cost.recommend.office_hours", Err: err}
	}
	for name, globs := range map[string][]string{"office_hours.envs": oh.Envs, "production_envs": r.ProductionEnvs} {
		for i, g := range globs {
			if _, err := path.Match(g, ""); err != nil {
				return &FieldError{Field: fmt.Sprintf("cost.recommend.%s[%d]", name, i), Err: fmt.Errorf("%q is not a glob: %w", g, err)}
			}
		}
	}
	if r.FargateSpotDiscount <= 0 || r.FargateSpotDiscount >= 1 {
		return &FieldError{Field: "cost.recommend.fargate_spot_discount", Err: i18n.Say("cost.cfg.spot", r.FargateSpotDiscount).Err()}
	}
	return nil
}

// Schedule is the office hours as a schedule: one window on Days from
// Start to End, with the holidays and closed days off. Savings are
// computed from it, so cost recommend and the off-hours runner share one
// reading of a schedule.
func (oh OfficeHours) Schedule() (*schedule.Schedule, error) {
	return schedule.Compile(schedule.Spec{
		Name:     "office-hours",
		Windows:  []string{strings.Join(oh.Days, ",") + " " + oh.Start + "-" + oh.End},
		TimeZone: oh.TimeZone,
		Holidays: oh.Holidays,
		Closed:   oh.Closed,
	})
}

// OnMinutesPerWeek is how long office hours last in a week, in minutes.
// It assumes a validated configuration.
func (oh OfficeHours) OnMinutesPerWeek() int {
	s, err := oh.Schedule()
	if err != nil {
		return 0
	}
	return s.WeeklyOnMinutes()
}

// DayMinutes is how long office hours last in a day, in minutes. It
// assumes a validated configuration.
func (oh OfficeHours) DayMinutes() int {
	s, err := oh.Schedule()
	if err != nil {
		return 0
	}
	return s.Windows()[0].Minutes()
}

// DaysOff counts the office days in the year from the day of from (in
// the office time zone) that are off all the same: public holidays of
// the calendar (on the day or the day they move to) and Closed days. It
// assumes a validated configuration.
func (oh OfficeHours) DaysOff(from time.Time) int {
	s, err := oh.Schedule()
	if err != nil {
		return 0
	}
	start := from.In(s.Location())
	return s.DaysOff(start, start.AddDate(1, 0, 0))
}

// String is the office hours as a person reads them, in English.
func (oh OfficeHours) String() string { return oh.Phrase().In(i18n.EN) }

// Phrase is the office hours for the reader's language: days, times and
// zone as configured, then the holidays and closed days off.
func (oh OfficeHours) Phrase() i18n.Phrase {
	var hol, closed i18n.Phrase
	if h := strings.ToLower(oh.Holidays); h != "" && h != "none" {
		hol = i18n.Say("cost.oh.holidays", h)
	}
	if len(oh.Closed) > 0 {
		closed = i18n.Say("cost.oh.closed", strings.Join(oh.Closed, ","))
	}
	return i18n.Say("cost.oh", fmt.Sprintf("%s %s-%s %s", strings.Join(oh.Days, ","), oh.Start, oh.End, oh.TimeZone), hol, closed)
}

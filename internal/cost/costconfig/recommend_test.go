package costconfig

import (
	"testing"
	"time"
)

// recNow is the day recommendations are made on in package cost's tests.
var recNow = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

// TestOfficeDaysOff counts 2025's days off by hand: Japan's 15 public
// holidays on weekdays (Feb 23 and Nov 23 fall on Sundays and move to
// Monday; May 4, a Sunday, moves to Tuesday May 6 since Monday is a
// holiday already), and a year-end break adds its five weekdays.
func TestOfficeDaysOff(t *testing.T) {
	from := time.Date(2024, 12, 31, 20, 0, 0, 0, time.UTC) // 2025-01-01 in Tokyo
	rc := RecommendConfig{}
	rc.defaults()
	if got := rc.OfficeHours.DaysOff(from); got != 15 {
		t.Errorf("jp, 2025: %d office days off, want 15", got)
	}
	// From recNow (2025-06-30): Jul 21, Aug 11, Sep 15, Sep 23, Oct 13,
	// Nov 3, Nov 24 (for Sunday 23); Jan 1, Jan 12, Feb 11, Feb 23,
	// Mar 20, Apr 29, May 4, May 5, May 6 (for Sunday May 3).
	if got := rc.OfficeHours.DaysOff(recNow); got != 16 {
		t.Errorf("jp, from %s: %d office days off, want 16", recNow.Format(time.DateOnly), got)
	}
	rc.OfficeHours.Closed = []string{"12-29", "12-30", "12-31", "01-02", "01-03"}
	if got := rc.OfficeHours.DaysOff(from); got != 20 {
		t.Errorf("jp and a year-end break, 2025: %d office days off, want 20", got)
	}
	rc.OfficeHours.Holidays, rc.OfficeHours.Closed = "none", nil
	if got := rc.OfficeHours.DaysOff(from); got != 0 {
		t.Errorf("no holidays: %d office days off, want 0", got)
	}
	rc.OfficeHours.Holidays = "us"
	// New Year's Day, MLK, Presidents', Memorial, Juneteenth, July 4,
	// Labor, Columbus, Veterans, Thanksgiving, Christmas: all weekdays.
	if got := rc.OfficeHours.DaysOff(from); got != 11 {
		t.Errorf("us, 2025: %d office days off, want 11", got)
	}
	for _, tc := range []struct {
		oh   OfficeHours
		want string
	}{
		{OfficeHours{Holidays: "fr"}, `cost.recommend.office_hours.holidays: "fr" is not a holiday calendar (valid: jp, us, none)`},
		{OfficeHours{Closed: []string{"12-32"}}, `cost.recommend.office_hours.closed[0]: "12-32" is not a day of the year (want MM-DD, e.g. 12-29)`},
		{OfficeHours{Closed: []string{"1-3"}}, `cost.recommend.office_hours.closed[0]: "1-3" is not a day of the year (want MM-DD, e.g. 12-29)`},
	} {
		c := RecommendConfig{OfficeHours: tc.oh}
		c.defaults()
		if err := c.validate(); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: error %v, want %s", tc.oh, err, tc.want)
		}
	}
}

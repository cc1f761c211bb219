package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustCompile(t *testing.T, spec Spec) *Schedule {
	t.Helper()
	s, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNamedEval(t *testing.T) {
	office := Spec{Name: "office-hours", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "Asia/Tokyo", Holidays: "jp"}
	yearEnd := office
	yearEnd.Closed = []string{"12-29", "12-30", "12-31", "01-02", "01-03"}
	night := Spec{Name: "batch", Windows: []string{"mon-fri 22:00-06:00"}, TimeZone: "Asia/Tokyo", Holidays: "jp"}
	la := Spec{Name: "la", Windows: []string{"mon-fri 09:00-17:00"}, TimeZone: "America/Los_Angeles", Holidays: "us"}
	tests := map[string]struct {
		spec Spec
		at   string
		want status
	}{
		"a weekday evening": {
			spec: office, at: "2026-12-07T19:30:00+09:00",
			want: status{"on", "2026-12-07T09:00:00+09:00", "off", "2026-12-07T20:00:00+09:00"},
		},
		"a saturday": {
			spec: office, at: "2026-12-05T12:00:00+09:00",
			want: status{"off", "2026-12-04T20:00:00+09:00", "on", "2026-12-07T09:00:00+09:00"},
		},
		// 2026-11-03, a Tuesday, is Culture Day.
		"culture day is off all day": {
			spec: office, at: "2026-11-03T10:00:00+09:00",
			want: status{"off", "2026-11-02T20:00:00+09:00", "on", "2026-11-04T09:00:00+09:00"},
		},
		"the day before culture day ends as usual": {
			spec: office, at: "2026-11-02T19:00:00+09:00",
			want: status{"on", "2026-11-02T09:00:00+09:00", "off", "2026-11-02T20:00:00+09:00"},
		},
		// 2027-01-01 is a Friday: off from Thursday evening to Monday.
		"new year's day": {
			spec: office, at: "2027-01-01T10:00:00+09:00",
			want: status{"off", "2026-12-31T20:00:00+09:00", "on", "2027-01-04T09:00:00+09:00"},
		},
		"a year-end break of closed days": {
			spec: yearEnd, at: "2027-01-01T10:00:00+09:00",
			want: status{"off", "2026-12-28T20:00:00+09:00", "on", "2027-01-04T09:00:00+09:00"},
		},
		// 2026-05-03 (Constitution Day) is a Sunday: the substitute
		// holiday is Wednesday May 6, after Greenery and Children's Day.
		"golden week and its substitute holiday": {
			spec: office, at: "2026-05-06T12:00:00+09:00",
			want: status{"off", "2026-05-01T20:00:00+09:00", "on", "2026-05-07T09:00:00+09:00"},
		},
		"holidays none: culture day is a working day": {
			spec: Spec{Name: "x", Windows: office.Windows, TimeZone: "Asia/Tokyo"}, at: "2026-11-03T10:00:00+09:00",
			want: status{"on", "2026-11-03T09:00:00+09:00", "off", "2026-11-03T20:00:00+09:00"},
		},
		"an overnight window": {
			spec: night, at: "2026-12-08T03:00:00+09:00",
			want: status{"on", "2026-12-07T22:00:00+09:00", "off", "2026-12-08T06:00:00+09:00"},
		},
		"an overnight window ends at the midnight of a holiday": {
			spec: night, at: "2026-11-03T03:00:00+09:00",
			want: status{"off", "2026-11-03T00:00:00+09:00", "on", "2026-11-04T22:00:00+09:00"},
		},
		"several windows, overlapping ones merge": {
			spec: Spec{Name: "x", Windows: []string{"mon-fri 09:00-12:00", "mon-fri 11:00-18:00", "sat 10:00-14:00"}, TimeZone: "UTC"},
			at:   "2026-12-05T09:00:00Z",
			want: status{"off", "2026-12-04T18:00:00Z", "on", "2026-12-05T10:00:00Z"},
		},
		"windows that cover the week never change: none": {
			spec: Spec{Name: "x", Windows: []string{"mon-sun 00:00-24:00"}, TimeZone: "UTC"}, at: "2026-12-05T09:00:00Z",
			want: status{State: "none"},
		},
		"the whole week but a holiday: off on it": {
			spec: Spec{Name: "x", Windows: []string{"mon-sun 00:00-24:00"}, TimeZone: "Asia/Tokyo", Holidays: "jp"}, at: "2026-11-03T12:00:00+09:00",
			want: status{"off", "2026-11-03T00:00:00+09:00", "on", "2026-11-04T00:00:00+09:00"},
		},
		"DST: friday in PST to monday in PDT": {
			spec: la, at: "2026-03-07T12:00:00-08:00",
			want: status{"off", "2026-03-06T17:00:00-08:00", "on", "2026-03-09T09:00:00-07:00"},
		},
		"DST: a window across the spring-forward night": {
			spec: Spec{Name: "x", Windows: []string{"sat 22:00-06:00"}, TimeZone: "America/Los_Angeles"}, at: "2026-03-08T05:59:00-07:00",
			want: status{"on", "2026-03-07T22:00:00-08:00", "off", "2026-03-08T06:00:00-07:00"},
		},
		"DST: a window starting in the skipped hour starts at 03:30 PDT": {
			spec: Spec{Name: "x", Windows: []string{"sun 02:30-05:00"}, TimeZone: "America/Los_Angeles"}, at: "2026-03-08T01:00:00-08:00",
			want: status{"off", "2026-03-01T05:00:00-08:00", "on", "2026-03-08T03:30:00-07:00"},
		},
		"DST: thanksgiving is off in los angeles": {
			spec: la, at: "2026-11-26T10:00:00-08:00",
			want: status{"off", "2026-11-25T17:00:00-08:00", "on", "2026-11-27T09:00:00-08:00"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := mustCompile(t, tc.spec)
			if diff := cmp.Diff(tc.want, flatten(s.Eval(mustTime(t, tc.at)))); diff != "" {
				t.Errorf("Eval(%s) (-want +got):\n%s", tc.at, diff)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	ok := Spec{Name: "x", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "Asia/Tokyo"}
	tests := map[string]struct {
		set   func(*Spec)
		field string
		want  string
	}{
		"no zone":        {func(s *Spec) { s.TimeZone = "" }, "time_zone", "is required"},
		"bad zone":       {func(s *Spec) { s.TimeZone = "Mars/Base" }, "time_zone", `"Mars/Base" is not a time zone`},
		"no window":      {func(s *Spec) { s.Windows = nil }, "windows", "at least one window"},
		"bad day":        {func(s *Spec) { s.Windows = []string{"mon-fri 09:00-20:00", "mon-fry 09:00-20:00"} }, "windows[1]", `"fry" is not a day (valid: mon, tue, wed, thu, fri, sat, sun)`},
		"no time":        {func(s *Spec) { s.Windows = []string{"mon-fri"} }, "windows[0]", "is not a window (want DAYS HH:MM-HH:MM"},
		"bad time":       {func(s *Spec) { s.Windows = []string{"mon-fri 9am-8pm"} }, "windows[0]", `start: "9am" is not a time of day`},
		"no range":       {func(s *Spec) { s.Windows = []string{"mon-fri 09:00"} }, "windows[0]", `"09:00" is not a time range`},
		"empty window":   {func(s *Spec) { s.Windows = []string{"mon 09:00-09:00"} }, "windows[0]", "start and end are both 09:00"},
		"start at 24":    {func(s *Spec) { s.Windows = []string{"mon 24:00-09:00"} }, "windows[0]", "24:00 can only end a window"},
		"bad calendar":   {func(s *Spec) { s.Holidays = "fr" }, "holidays", `"fr" is not a holiday calendar (valid: jp, us, none)`},
		"bad closed day": {func(s *Spec) { s.Closed = []string{"12-29", "12-32"} }, "closed[1]", `"12-32" is not a day of the year (want MM-DD, e.g. 12-29)`},
		"bad env glob":   {func(s *Spec) { s.Env = []string{"[dev"} }, "env[0]", "is not a glob"},
		"reserved name":  {func(s *Spec) { s.Name = "none" }, "name", "reserved"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			spec := ok
			tc.set(&spec)
			_, err := Compile(spec)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Err.Error(), tc.want) {
				t.Errorf("Compile error = %v, want field %s: %q", err, tc.field, tc.want)
			}
		})
	}
	if _, err := Compile(ok); err != nil {
		t.Errorf("valid spec: %v", err)
	}
}

func TestWindowString(t *testing.T) {
	for in, want := range map[string]string{
		"MON-FRI 09:00-20:00":     "mon-fri 09:00-20:00",
		"sat,sun 10:00-18:00":     "sat-sun 10:00-18:00",
		"fri-mon 22:00-06:00":     "mon,fri-sun 22:00-06:00",
		"mon,wed,fri 00:00-24:00": "mon,wed,fri 00:00-24:00",
	} {
		w, err := ParseWindow(in)
		if err != nil || w.String() != want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %s", in, w, err, want)
		}
	}
}

func TestWeeklyOnMinutes(t *testing.T) {
	tests := map[string]struct {
		windows []string
		want    int
	}{
		"office hours":      {[]string{"mon-fri 09:00-20:00"}, 5 * 11 * 60},
		"overlap once":      {[]string{"mon-fri 09:00-12:00", "mon-fri 11:00-18:00"}, 5 * 9 * 60},
		"overnight":         {[]string{"sun 22:00-06:00"}, 8 * 60},
		"the whole week":    {[]string{"mon-sun 00:00-24:00"}, 7 * 24 * 60},
		"adjacent windows":  {[]string{"mon 00:00-12:00", "mon 12:00-24:00"}, 24 * 60},
		"weekend and hours": {[]string{"mon-fri 09:00-20:00", "sat 10:00-14:00"}, 55*60 + 4*60},
	}
	for name, tc := range tests {
		s := mustCompile(t, Spec{Name: "x", Windows: tc.windows, TimeZone: "America/Los_Angeles", Holidays: "us"})
		if got := s.WeeklyOnMinutes(); got != tc.want {
			t.Errorf("%s: %d minutes, want %d", name, got, tc.want)
		}
	}
}

func TestPreviewMarksHolidays(t *testing.T) {
	s := mustCompile(t, Spec{Name: "office-hours", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "Asia/Tokyo", Holidays: "jp", Closed: []string{"11-04"}})
	days := s.Preview(mustTime(t, "2026-11-02T15:00:00Z"), 3) // 2026-11-03 00:00 in Tokyo
	type row struct {
		Date, Off string
		N         int
	}
	var got []row
	for _, d := range days {
		got = append(got, row{d.Date.Format(time.RFC3339), d.Off, len(d.Transitions)})
	}
	want := []row{
		{"2026-11-03T00:00:00+09:00", "Culture Day", 0},
		{"2026-11-04T00:00:00+09:00", "closed", 0},
		{"2026-11-05T00:00:00+09:00", "", 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	if tr := days[2].Transitions; tr[0].State != On || tr[0].At.Hour() != 9 || tr[1].State != Off || tr[1].At.Hour() != 20 {
		t.Errorf("2026-11-05 transitions = %v, want on 09:00 and off 20:00", tr)
	}
}

func TestHolidayCalendar(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	jp, err := HolidayCalendar("JP")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"2026-11-03": "Culture Day",
		"2027-01-01": "New Year's Day",
		"2026-05-06": "Constitution Memorial Day (observed)",
		"2026-11-04": "",
	}
	for day, want := range tests {
		d, _ := time.ParseInLocation(time.DateOnly, day, tokyo)
		name, ok := jp.Holiday(d.Add(12 * time.Hour))
		if name != want || ok != (want != "") {
			t.Errorf("jp %s = %q, %v; want %q", day, name, ok, want)
		}
	}
	none, _ := HolidayCalendar("")
	if _, ok := none.Holiday(time.Date(2027, 1, 1, 12, 0, 0, 0, tokyo)); ok || none.Name() != "none" {
		t.Errorf("the empty calendar has holidays")
	}
}

package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseOffhours: any tag value is a schedule, an opt-out or a
// *TagError; never a panic; and a schedule evaluates to a state whose
// since is not after the instant and whose next is after it.
func FuzzParseOffhours(f *testing.F) {
	for _, s := range []string{
		"", "off", "on", "off=(M-F,19);on=(M-F,7);tz=jst", "off=[(M-F,21),(U,18)];on=[(M-F,6),(U,10)];tz=pt",
		"off=(M-F,19)", "tz=est", "off=disabled;on=disabled", "off=(F-M,23);on=(S,0)", "off=u28m-fu2c19u29",
		"off=(M-F,19) on=(M-F,7)", "off=;", "=", ";;;", "off=(,)", "on=[(m,1),(t,2),(w,3)]", "tz=america/port-au-prince",
	} {
		f.Add(s, int64(1796000000))
	}
	at0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string, sec int64) {
		s, opted, err := ParseOffhours(value, DefaultOffhours("Asia/Tokyo"))
		if err != nil {
			var te *TagError
			if !errors.As(err, &te) || te.Part == "" && te.Err == nil {
				t.Fatalf("error %v is not a *TagError naming a part", err)
			}
			return
		}
		if opted {
			if s != nil {
				t.Fatal("opted out with a schedule")
			}
			return
		}
		at := at0.Add(time.Duration(sec%(20*365*24*3600)) * time.Second)
		st := s.Eval(at)
		switch st.State {
		case None:
			if !st.Since.IsZero() || st.Next != nil {
				t.Fatalf("none with since or next: %+v", st)
			}
		case On, Off:
			if st.Since.After(at) || at.Sub(st.Since) > 7*24*time.Hour {
				t.Fatalf("since %s not within 7 days before %s", st.Since, at)
			}
			if st.Next == nil || !st.Next.At.After(at) {
				t.Fatalf("next %v not after %s", st.Next, at)
			}
		default:
			t.Fatalf("state %q", st.State)
		}
	})
}

// FuzzParseWindow: any window text parses or fails, and a parsed window
// prints as text that parses to the same window.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"mon-fri 09:00-20:00", "sat,sun 10:00-18:00", "fri-mon 22:00-06:00", "mon 00:00-24:00", "x", "mon 9:00-10:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWindow(s)
		if err != nil {
			return
		}
		back, err := ParseWindow(w.String())
		if err != nil || back != w {
			t.Fatalf("%q -> %q -> %v, %v", s, w.String(), back, err)
		}
		if m := w.Minutes(); m <= 0 || m >= 24*60+1 {
			t.Fatalf("%q lasts %d minutes", s, m)
		}
	})
}

// FuzzParseClock holds times of day to HH:MM within a day.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"09:00", "24:00", "9:00", "23:59", "25:00", "", "12:60"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseClock(s)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a time of day") {
				t.Fatalf("error %q does not say what is valid", err)
			}
			return
		}
		if m < 0 || m > 24*60 {
			t.Fatalf("%q read as %d minutes", s, m)
		}
	})
}

// FuzzNamedEval checks a named schedule's state against a direct reading
// of its windows (in Tokyo, which has no daylight saving, with Japan's
// holidays): on inside a window of a day that is not off, off outside;
// since is at or before the instant and next after it.
func FuzzNamedEval(f *testing.F) {
	f.Add("mon-fri 09:00-20:00", "sat 10:00-14:00", int64(1796000000))
	f.Add("mon-fri 22:00-06:00", "sun 00:00-24:00", int64(1793700000))
	f.Add("fri-mon 23:30-00:30", "tue 12:00-12:01", int64(1800000000))
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	at0 := time.Date(2026, 1, 1, 0, 0, 0, 0, tokyo)
	f.Fuzz(func(t *testing.T, w1, w2 string, sec int64) {
		var windows []string
		for _, w := range []string{w1, w2} {
			if _, err := ParseWindow(w); err == nil {
				windows = append(windows, w)
			}
		}
		if len(windows) == 0 {
			return
		}
		s, err := Compile(Spec{Name: "x", Windows: windows, TimeZone: "Asia/Tokyo", Holidays: "jp", Closed: []string{"12-31"}})
		if err != nil {
			t.Fatal(err)
		}
		if sec < 0 {
			sec = -sec
		}
		at := at0.Add(time.Duration(sec%(3*365*24*3600)) * time.Second).In(tokyo)
		want := Off
		if onAt(s, at) {
			want = On
		}
		st := s.Eval(at)
		if st.State == None {
			return // windows that cover the whole week and no day off near
		}
		if st.State != want {
			t.Fatalf("%v at %s: %s, want %s", windows, at, st.State, want)
		}
		if st.Since.After(at) || st.Next == nil || !st.Next.At.After(at) || st.Next.State == st.State {
			t.Fatalf("%v at %s: %+v", windows, at, st)
		}
	})
}

// onAt reads the windows directly: a window on a day that is not off
// covers its minutes; an overnight window's morning part belongs to the
// day before, and is off when either day is.
func onAt(s *Schedule, at time.Time) bool {
	_, offToday := s.DayOff(at)
	prev := at.AddDate(0, 0, -1)
	_, offPrev := s.DayOff(prev)
	m := at.Hour()*60 + at.Minute()
	for _, w := range s.windows {
		if w.Days[at.Weekday()] && !offToday {
			if !w.overnight() && m >= w.Start && m < w.End || w.overnight() && m >= w.Start {
				return true
			}
		}
		if w.overnight() && w.Days[prev.Weekday()] && !offPrev && !offToday && m < w.End {
			return true
		}
	}
	return false
}

// FuzzParseMonthDay: a closed day parses only as MM-DD and prints back
// as it was written.
func FuzzParseMonthDay(f *testing.F) {
	for _, s := range []string{"12-29", "02-29", "1-3", "13-01", "12-32", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		md, err := ParseMonthDay(s)
		if err != nil {
			return
		}
		if md.String() != s {
			t.Fatalf("%q read as %s", s, md)
		}
	})
}

// FuzzLoadZone: any text is a zone or an error, never this machine's
// zone or a file outside the zone database.
func FuzzLoadZone(f *testing.F) {
	for _, s := range []string{"jst", "Asia/Tokyo", "asia/tokyo", "Local", "", "../../etc/passwd", "EST5EDT", "etc/gmt+9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := LoadZone(s)
		if err != nil {
			return
		}
		if loc == time.Local && loc.String() == "Local" {
			t.Fatalf("%q resolved to the machine's zone", s)
		}
	})
}

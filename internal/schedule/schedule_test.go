package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// status is a Status with times as RFC3339 text, to compare by hand.
type status struct {
	State, Since, NextState, NextAt string
}

func flatten(st Status) status {
	out := status{State: string(st.State)}
	if !st.Since.IsZero() {
		out.Since = st.Since.Format(time.RFC3339)
	}
	if st.Next != nil {
		out.NextState, out.NextAt = string(st.Next.State), st.Next.At.Format(time.RFC3339)
	}
	return out
}

func TestOffhoursEval(t *testing.T) {
	tests := map[string]struct {
		tag, defaultTZ, at string
		want               status
	}{
		"weekday evening, off since 19:00": {
			tag: "off=(M-F,19);on=(M-F,7);tz=jst", defaultTZ: "Asia/Tokyo", at: "2026-12-07T19:30:00+09:00",
			want: status{"off", "2026-12-07T19:00:00+09:00", "on", "2026-12-08T07:00:00+09:00"},
		},
		"exactly at a transition": {
			tag: "off=(M-F,19);on=(M-F,7);tz=jst", at: "2026-12-08T07:00:00+09:00",
			want: status{"on", "2026-12-08T07:00:00+09:00", "off", "2026-12-08T19:00:00+09:00"},
		},
		"the instant is read in the tag's zone": {
			tag: "off=(M-F,19);on=(M-F,7);tz=jst", at: "2026-12-07T10:30:00Z", // 19:30 in Tokyo
			want: status{"off", "2026-12-07T19:00:00+09:00", "on", "2026-12-08T07:00:00+09:00"},
		},
		"saturday: off since friday evening": {
			tag: "off=(M-F,19);on=(M-F,7);tz=jst", at: "2026-12-05T12:00:00+09:00",
			want: status{"off", "2026-12-04T19:00:00+09:00", "on", "2026-12-07T07:00:00+09:00"},
		},
		"a list and a sunday window": {
			tag: "off=[(M-F,21),(U,18)];on=[(M-F,6),(U,10)];tz=pt", at: "2026-12-06T12:00:00-08:00",
			want: status{"on", "2026-12-06T10:00:00-08:00", "off", "2026-12-06T18:00:00-08:00"},
		},
		"only off: on takes the default 7:00 mon-fri": {
			tag: "off=(M-F,21)", defaultTZ: "Asia/Tokyo", at: "2026-12-09T06:00:00+09:00",
			want: status{"off", "2026-12-08T21:00:00+09:00", "on", "2026-12-09T07:00:00+09:00"},
		},
		"only on: off takes the default 19:00": {
			tag: "on=(M-F,9)", defaultTZ: "Asia/Tokyo", at: "2026-12-09T19:30:00+09:00",
			want: status{"off", "2026-12-09T19:00:00+09:00", "on", "2026-12-10T09:00:00+09:00"},
		},
		"empty tag: defaults in the default zone": {
			tag: "", defaultTZ: "Asia/Tokyo", at: "2026-12-08T20:00:00+09:00",
			want: status{"off", "2026-12-08T19:00:00+09:00", "on", "2026-12-09T07:00:00+09:00"},
		},
		"empty tag, no default zone: custodian's et": {
			tag: "", at: "2026-07-08T20:00:00Z", // 16:00 EDT
			want: status{"on", "2026-07-08T07:00:00-04:00", "off", "2026-07-08T19:00:00-04:00"},
		},
		"only tz: defaults in that zone": {
			tag: "tz=jst", defaultTZ: "UTC", at: "2026-12-08T20:00:00+09:00",
			want: status{"off", "2026-12-08T19:00:00+09:00", "on", "2026-12-09T07:00:00+09:00"},
		},
		"the alias est is New York with daylight saving, not the zone EST": {
			tag: "off=(M-F,19);on=(M-F,7);tz=est", at: "2026-07-08T12:00:00Z",
			want: status{"on", "2026-07-08T07:00:00-04:00", "off", "2026-07-08T19:00:00-04:00"},
		},
		"wrapping range F-M": {
			tag: "on=(F-M,8);off=(F-M,18);tz=utc", at: "2026-12-06T09:00:00Z", // a Sunday
			want: status{"on", "2026-12-06T08:00:00Z", "off", "2026-12-06T18:00:00Z"},
		},
		"wrapping range F-M: wednesday is off since monday": {
			tag: "on=(F-M,8);off=(F-M,18);tz=utc", at: "2026-12-09T09:00:00Z",
			want: status{"off", "2026-12-07T18:00:00Z", "on", "2026-12-11T08:00:00Z"},
		},
		"upper case, quotes and trailing semicolon": {
			tag: `"OFF=(M-F,19);ON=(M-F,7);TZ=Asia/Tokyo;"`, at: "2026-12-07T19:30:00+09:00",
			want: status{"off", "2026-12-07T19:00:00+09:00", "on", "2026-12-08T07:00:00+09:00"},
		},
		"custodian's escapes for services that refuse brackets": {
			tag: "off=u28m-fu2c19u29;on=u28m-fu2c7u29;tz=jst", at: "2026-12-07T19:30:00+09:00",
			want: status{"off", "2026-12-07T19:00:00+09:00", "on", "2026-12-08T07:00:00+09:00"},
		},
		"on disabled: off stays": {
			tag: "off=(M-F,19);on=disabled;tz=jst", at: "2026-12-08T10:00:00+09:00",
			want: status{"off", "2026-12-07T19:00:00+09:00", "off", "2026-12-08T19:00:00+09:00"},
		},
		"both disabled: no transition in 7 days, none": {
			tag: "off=disabled;on=disabled", defaultTZ: "UTC", at: "2026-12-08T10:00:00Z",
			want: status{State: "none"},
		},
		"only saturday: 7 days back still sees it": {
			tag: "off=(S,1);on=disabled;tz=utc", at: "2026-12-12T00:30:00Z", // Saturday before 01:00
			want: status{"off", "2026-12-05T01:00:00Z", "off", "2026-12-12T01:00:00Z"},
		},
		// America/Los_Angeles: clocks go forward on Sunday 2026-03-08
		// at 02:00 (to 03:00 PDT) and back on Sunday 2026-11-01 at 02:00
		// (to 01:00 PST).
		"DST: friday off in PST, monday on in PDT": {
			tag: "off=(M-F,19);on=(M-F,7);tz=pt", at: "2026-03-07T12:00:00-08:00",
			want: status{"off", "2026-03-06T19:00:00-08:00", "on", "2026-03-09T07:00:00-07:00"},
		},
		"DST: on in the skipped hour happens at 03:00 PDT": {
			tag: "on=(U,2);off=(U,20);tz=pt", at: "2026-03-08T01:30:00-08:00",
			want: status{"off", "2026-03-01T20:00:00-08:00", "on", "2026-03-08T03:00:00-07:00"},
		},
		"DST: a doubled hour is taken at its first occurrence": {
			tag: "on=(U,1);off=(U,20);tz=pt", at: "2026-11-01T00:30:00-07:00",
			want: status{"off", "2026-10-25T20:00:00-07:00", "on", "2026-11-01T01:00:00-07:00"},
		},
		"DST: 11 hours on the day after fall back are still 07:00 to 19:00": {
			tag: "off=(M-F,19);on=(M-F,7);tz=pt", at: "2026-11-02T12:00:00-08:00",
			want: status{"on", "2026-11-02T07:00:00-08:00", "off", "2026-11-02T19:00:00-08:00"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, opted, err := ParseOffhours(tc.tag, DefaultOffhours(tc.defaultTZ))
			if err != nil || opted {
				t.Fatalf("ParseOffhours(%q) = %v, opted out %v", tc.tag, err, opted)
			}
			if diff := cmp.Diff(tc.want, flatten(s.Eval(mustTime(t, tc.at)))); diff != "" {
				t.Errorf("Eval(%s) (-want +got):\n%s", tc.at, diff)
			}
		})
	}
}

func TestOffhoursOptOut(t *testing.T) {
	for _, v := range []string{"off", "OFF", "'off'"} {
		s, opted, err := ParseOffhours(v, DefaultOffhours("jst"))
		if err != nil || !opted || s != nil {
			t.Errorf("ParseOffhours(%q) = %v, %v, %v; want opted out", v, s, opted, err)
		}
	}
}

func TestOffhoursErrors(t *testing.T) {
	tests := map[string]struct {
		tag, part, reason string
	}{
		"unknown day":           {"off=(M-X,19);on=(M-F,7)", "off=(m-x,19)", `"m-x" is not a day or a range of days`},
		"hour out of range":     {"off=(M-F,24)", "off=(m-f,24)", `hour "24" is not 0 to 23`},
		"hour not a number":     {"on=(M-F,7am)", "on=(m-f,7am)", `hour "7am" is not 0 to 23`},
		"signed hour":           {"on=(M-F,+7)", "on=(m-f,+7)", `hour "+7" is not 0 to 23`},
		"space in a pair":       {"off=(M-F, 19)", "off=(m-f, 19)", `hour " 19" is not 0 to 23`},
		"three parts":           {"off=(M-F,19,20)", "off=(m-f,19,20)", `is not (days,hour)`},
		"empty side":            {"off=;on=(M-F,7)", "off=", `"" is not (days,hour)`},
		"unknown key":           {"off=(M-F,19);zone=jst", "zone=jst", `unknown key "zone" (valid: on, off, tz)`},
		"unknown key, no side":  {"foo=bar", "foo=bar", `unknown key "foo"`},
		"space separated":       {"off=(M-F,19) on=(M-F,7)", "off=(m-f,19) on=(m-f,7)", "is not key=value"},
		"junk piece":            {"off=(M-F,19);nightly", "nightly", "is not key=value"},
		"unknown zone":          {"off=(M-F,19);tz=mars", "tz=mars", `"mars" is not a time zone`},
		"unknown zone, no side": {"tz=Mars/Base", "tz=mars/base", `"mars/base" is not a time zone`},
		"local is not a zone":   {"off=(M-F,19);tz=local", "tz=local", "is not a time zone"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := ParseOffhours(tc.tag, DefaultOffhours("jst"))
			var te *TagError
			if !errors.As(err, &te) {
				t.Fatalf("ParseOffhours(%q) error = %v, want a *TagError", tc.tag, err)
			}
			if te.Part != tc.part || !strings.Contains(te.Err.Error(), tc.reason) || te.Value != tc.tag {
				t.Errorf("error = %+v (%v), want part %q and %q", te, err, tc.part, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.part) {
				t.Errorf("message %q does not name the part %q", err, tc.part)
			}
		})
	}
}

func TestLoadZone(t *testing.T) {
	tests := map[string]string{
		"jst": "Asia/Tokyo", "JST": "Asia/Tokyo", "pt": "America/Los_Angeles", "et": "America/New_York",
		"est": "America/New_York", "cet": "Europe/Berlin", "gmt": "Etc/GMT", "utc": "Etc/UTC",
		"Asia/Tokyo": "Asia/Tokyo", "asia/tokyo": "Asia/Tokyo", "america/los_angeles": "America/Los_Angeles",
		"america/port-au-prince": "America/Port-au-Prince", "est5edt": "EST5EDT", "etc/gmt+9": "Etc/GMT+9",
		"UTC": "Etc/UTC", "Europe/London": "Europe/London",
	}
	for in, want := range tests {
		loc, err := LoadZone(in)
		if err != nil || loc.String() != want {
			t.Errorf("LoadZone(%q) = %v, %v; want %s", in, loc, err, want)
		}
	}
	for _, bad := range []string{"", "Local", "local", "Mars/Base", "../etc/passwd", "/etc/localtime"} {
		if loc, err := LoadZone(bad); err == nil {
			t.Errorf("LoadZone(%q) = %v, want an error", bad, loc)
		}
	}
}

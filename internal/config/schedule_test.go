package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/yamlfile"
)

func TestSchedules(t *testing.T) {
	src := `
time_zone: Asia/Tokyo
tags:
  offhours_key: downtime
schedules:
  office-hours:
    windows: ["mon-fri 09:00-20:00"]
    holidays: jp
    closed: ["12-29", "12-30", "12-31"]
    env: [dev*, qa*]
  us-support:
    windows: ["mon-fri 08:00-17:00", "sat 10:00-14:00"]
    time_zone: America/Los_Angeles
    holidays: us
    enforced: true
    system: [support]
`
	c, err := Parse("steward.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := c.ScheduleResolver()
	if len(r.Named) != 2 || r.ScheduleKey != "steward:schedule" || r.OffhoursKey != "downtime" {
		t.Fatalf("resolver = %+v", r)
	}
	m, err := r.For(schedule.Target{Env: "qa3"})
	if err != nil || m.Schedule == nil || m.Schedule.Name() != "office-hours" {
		t.Fatalf("qa3 follows %+v, %v; want office-hours", m, err)
	}
	// The top-level zone applies to a schedule without its own; Culture
	// Day is off.
	if st := m.Schedule.Eval(time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)); st.State != schedule.Off || st.Since.Location().String() != "Asia/Tokyo" {
		t.Errorf("office-hours on Culture Day = %+v, want off in Asia/Tokyo", st)
	}
	us, _ := r.Schedule("us-support")
	if !us.Enforced() || us.Location().String() != "America/Los_Angeles" || us.Holidays() != "us" {
		t.Errorf("us-support = %s enforced %v", us, us.Enforced())
	}
	// An offhours tag under the configured key, without tz, takes the
	// top-level zone.
	m, err = r.For(schedule.Target{Tags: map[string]string{"downtime": "off=(M-F,19)"}})
	if err != nil || m.Schedule == nil || m.Schedule.Location().String() != "Asia/Tokyo" {
		t.Errorf("downtime tag = %+v, %v; want a schedule in Asia/Tokyo", m, err)
	}
	// Office hours in cost recommend take the top-level zone too.
	if got := c.Cost.Recommend.OfficeHours.TimeZone; got != "Asia/Tokyo" {
		t.Errorf("office hours zone = %s", got)
	}
}

func TestScheduleErrors(t *testing.T) {
	tests := map[string]struct {
		src  string
		want string
	}{
		"bad window": {"time_zone: UTC\nschedules:\n  office:\n    windows:\n      - mon-fri 09:00-20:00\n      - mon-fry 09:00-20:00\n",
			`steward.yaml:6:9: schedules.office.windows[1]: window "mon-fry 09:00-20:00": "fry" is not a day (valid: mon, tue, wed, thu, fri, sat, sun)`},
		"no zone anywhere": {"schedules:\n  office:\n    windows: [\"mon-fri 09:00-20:00\"]\n",
			`steward.yaml:3:12: schedules.office.time_zone: is required (set it on the schedule, or time_zone at the top of steward.yaml; e.g. Asia/Tokyo)`},
		"bad top zone": {"time_zone: Tokyo\n", `steward.yaml:1:12: time_zone: "Tokyo" is not a time zone (an IANA name such as Asia/Tokyo, or an alias such as jst, pt, et)`},
		"bad calendar": {"time_zone: UTC\nschedules:\n  office:\n    windows: [\"mon-fri 09:00-20:00\"]\n    holidays: fr\n",
			`steward.yaml:5:15: schedules.office.holidays: "fr" is not a holiday calendar (valid: jp, us, none)`},
		"bad closed day": {"time_zone: UTC\nschedules:\n  office:\n    windows: [\"mon-fri 09:00-20:00\"]\n    closed: [\"1-3\"]\n",
			`steward.yaml:5:14: schedules.office.closed[0]: "1-3" is not a day of the year (want MM-DD, e.g. 12-29)`},
		"unknown key": {"time_zone: UTC\nschedules:\n  office:\n    window: [\"mon-fri 09:00-20:00\"]\n",
			`steward.yaml:4:5: unknown field "window"`},
		"reserved name": {"time_zone: UTC\nschedules:\n  none:\n    windows: [\"mon-fri 09:00-20:00\"]\n",
			`steward.yaml:4:12: schedules.none: "none" is reserved: a resource tagged with it follows no schedule`},
		"bad name": {"time_zone: UTC\nschedules:\n  \"office hours\":\n    windows: [\"mon-fri 09:00-20:00\"]\n",
			`steward.yaml:4:12: schedules.office hours: "office hours" is not a schedule name (letters, digits and _ . : / + = @ -, as a tag value allows; e.g. office-hours)`},
		"same keys": {"tags:\n  schedule_key: maid_offhours\n",
			`steward.yaml:2:17: tags.schedule_key: schedule_key and offhours_key are both "maid_offhours"; use two keys`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("steward.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestScheduleErrorsInJapanese(t *testing.T) {
	const office = "time_zone: UTC\nschedules:\n  office:\n"
	tests := map[string]struct {
		src    string
		prefix string // file:line:col: field: that both languages share
		want   string // the Japanese message after the prefix
	}{
		"bad day in a window": {office + "    windows:\n      - mon-fri 09:00-20:00\n      - mon-fry 09:00-20:00\n", "steward.yaml:6:9: schedules.office.windows[1]: ",
			`稼働時間帯 "mon-fry 09:00-20:00": "fry" は曜日ではありません（指定できる値: mon、tue、wed、thu、fri、sat、sun）`},
		"window without times": {office + "    windows: [\"mon-fri\"]\n", "steward.yaml:4:15: schedules.office.windows[0]: ",
			`"mon-fri" は稼働時間帯ではありません（mon-fri 09:00-20:00 のように「曜日 HH:MM-HH:MM」で指定してください）`},
		"bad end time": {office + "    windows: [\"mon-fri 09:00-25:00\"]\n", "steward.yaml:4:15: schedules.office.windows[0]: ",
			`稼働時間帯 "mon-fri 09:00-25:00" の終了時刻: "25:00" は時刻ではありません（09:00 のように HH:MM で指定してください）`},
		"start at 24:00": {office + "    windows: [\"mon 24:00-09:00\"]\n", "steward.yaml:4:15: schedules.office.windows[0]: ",
			`稼働時間帯 "mon 24:00-09:00" の開始時刻: 24:00 は終了時刻にしか使えません`},
		"empty window": {office + "    windows: [\"mon 09:00-09:00\"]\n", "steward.yaml:4:15: schedules.office.windows[0]: ",
			`稼働時間帯 "mon 09:00-09:00": 開始と終了がどちらも 09:00 です（終日にするには 00:00-24:00 と書いてください）`},
		"no window": {office + "    windows: []\n", "steward.yaml:4:14: schedules.office.windows: ",
			`スケジュールには稼働時間帯が 1 つ以上必要です（例: ["mon-fri 09:00-20:00"]）`},
		"no zone anywhere": {"schedules:\n  office:\n    windows: [\"mon-fri 09:00-20:00\"]\n", "steward.yaml:3:12: schedules.office.time_zone: ",
			`必須です（スケジュールか steward.yaml の最上位の time_zone に指定してください。例: Asia/Tokyo）`},
		"bad top zone": {"time_zone: Tokyo\n", "steward.yaml:1:12: time_zone: ",
			`"Tokyo" はタイムゾーンではありません（Asia/Tokyo のような IANA 名か、jst・pt・et などの別名を指定してください）`},
		"bad calendar": {office + "    windows: [\"mon-fri 09:00-20:00\"]\n    holidays: fr\n", "steward.yaml:5:15: schedules.office.holidays: ",
			`"fr" は祝日カレンダーではありません（指定できる値: jp, us, none）`},
		"bad closed day": {office + "    windows: [\"mon-fri 09:00-20:00\"]\n    closed: [\"1-3\"]\n", "steward.yaml:5:14: schedules.office.closed[0]: ",
			`"1-3" は月日ではありません（12-29 のように MM-DD で指定してください）`},
		"reserved name": {"time_zone: UTC\nschedules:\n  none:\n    windows: [\"mon-fri 09:00-20:00\"]\n", "steward.yaml:4:12: schedules.none: ",
			`"none" は予約語です（このタグ値のリソースはどのスケジュールにも従いません）`},
		"bad env glob": {office + "    windows: [\"mon-fri 09:00-20:00\"]\n    env: [\"dev[\"]\n", "steward.yaml:5:11: schedules.office.env[0]: ",
			`"dev[" はグロブパターンではありません（例: dev*）`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("steward.yaml", []byte(tc.src))
			var ye *yamlfile.Error
			if !errors.As(err, &ye) {
				t.Fatalf("Parse: %v, want a *yamlfile.Error", err)
			}
			ja := ye.In(i18n.JA)
			if want := tc.prefix + tc.want; ja != want {
				t.Errorf("Japanese:\n got %s\nwant %s", ja, want)
			}
			if en := err.Error(); en != ye.In(i18n.EN) || !strings.HasPrefix(en, tc.prefix) || en == ja {
				t.Errorf("English = %q, want it to start %q and differ from the Japanese", en, tc.prefix)
			}
			if w := english.FindString(prose(ja, tc.prefix)); w != "" {
				t.Errorf("English word %q left in %s", w, ja)
			}
		})
	}
}

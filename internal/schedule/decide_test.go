package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

func TestDecide(t *testing.T) {
	s, _, err := ParseOffhours("off=(M-F,19);on=(M-F,7);tz=jst", DefaultOffhours(""))
	if err != nil {
		t.Fatal(err)
	}
	// Monday 2026-12-07 21:00 JST: off since 19:00, on again Tuesday 07:00.
	st := s.Eval(mustTime(t, "2026-12-07T21:00:00+09:00"))
	before := mustTime(t, "2026-12-07T18:00:00+09:00")
	after := mustTime(t, "2026-12-07T20:15:00+09:00")
	tests := map[string]struct {
		st       Status
		enforced bool
		current  State
		manual   time.Time
		act      bool
		reason   string
		ja       string
	}{
		"running at night: stop":             {st: st, current: On, act: true, reason: "scheduled off since 2026-12-07T19:00:00+09:00", ja: "スケジュールでは 2026-12-07T19:00:00+09:00 から停止"},
		"already stopped":                    {st: st, current: Off, reason: "already off", ja: "すでに停止中"},
		"started by hand after 19:00: leave": {st: st, current: On, manual: after, reason: "turned on by hand at 2026-12-07T20:15:00+09:00, after the schedule's off at 2026-12-07T19:00:00+09:00; respected until the next transition at 2026-12-08T07:00:00+09:00", ja: "2026-12-07T20:15:00+09:00 に手動で起動（スケジュールの 2026-12-07T19:00:00+09:00 の停止より後）。次の切り替え（2026-12-08T07:00:00+09:00）までそのままにします"},
		"started by hand before 19:00: stop": {st: st, current: On, manual: before, act: true, reason: "scheduled off since", ja: "から停止"},
		"enforced: stop all the same":        {st: st, enforced: true, current: On, manual: after, act: true, reason: "the schedule is enforced, so the change by hand at 2026-12-07T20:15:00+09:00 is undone", ja: "強制スケジュールのため、2026-12-07T20:15:00+09:00 の手動変更を元に戻します"},
		"no transition in 7 days":            {st: Status{State: None}, current: On, reason: "no transition in the last 7 days", ja: "直近 7 日間の切り替えがありません"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.st, tc.enforced, tc.current, tc.manual)
			if en := d.Reason.In(i18n.EN); d.Act != tc.act || !strings.Contains(en, tc.reason) {
				t.Errorf("Decide = %+v (%s), want act %v and %q", d, en, tc.act, tc.reason)
			}
			if ja := d.Reason.In(i18n.JA); !strings.Contains(ja, tc.ja) || ja == d.Reason.In(i18n.EN) {
				t.Errorf("Decide in Japanese = %q, want %q", ja, tc.ja)
			}
			if d.Want != tc.st.State {
				t.Errorf("want %s, schedule says %s", d.Want, tc.st.State)
			}
		})
	}
}

package schedule

import (
	"strings"
	"testing"
	"time"
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
	}{
		"running at night: stop":             {st: st, current: On, act: true, reason: "scheduled off since 2026-12-07T19:00:00+09:00"},
		"already stopped":                    {st: st, current: Off, reason: "already off"},
		"started by hand after 19:00: leave": {st: st, current: On, manual: after, reason: "turned on by hand at 2026-12-07T20:15:00+09:00, after the schedule's off at 2026-12-07T19:00:00+09:00; respected until the next transition at 2026-12-08T07:00:00+09:00"},
		"started by hand before 19:00: stop": {st: st, current: On, manual: before, act: true, reason: "scheduled off since"},
		"enforced: stop all the same":        {st: st, enforced: true, current: On, manual: after, act: true, reason: "the schedule is enforced, so the change by hand at 2026-12-07T20:15:00+09:00 is undone"},
		"no transition in 7 days":            {st: Status{State: None}, current: On, reason: "no transition in the last 7 days"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.st, tc.enforced, tc.current, tc.manual)
			if d.Act != tc.act || !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("Decide = %+v, want act %v and %q", d, tc.act, tc.reason)
			}
			if d.Want != tc.st.State {
				t.Errorf("want %s, schedule says %s", d.Want, tc.st.State)
			}
		})
	}
}

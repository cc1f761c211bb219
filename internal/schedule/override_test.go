package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseUntil(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 12, 7, 19, 30, 0, 0, tokyo) // Monday 19:30 in Tokyo
	tests := map[string]struct {
		in      string
		want    time.Time
		wantErr string
	}{
		"time later today":        {in: "22:00", want: time.Date(2026, 12, 7, 22, 0, 0, 0, tokyo)},
		"time already past today": {in: "07:15", want: time.Date(2026, 12, 8, 7, 15, 0, 0, tokyo)},
		"one digit hour":          {in: "9:00", want: time.Date(2026, 12, 8, 9, 0, 0, 0, tokyo)},
		"now is tomorrow's":       {in: "19:30", want: time.Date(2026, 12, 8, 19, 30, 0, 0, tokyo)},
		"duration":                {in: "90m", want: now.Add(90 * time.Minute)},
		"instant":                 {in: "2026-12-08T01:00:00Z", want: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)},
		"bad hour":                {in: "24:00", wantErr: "not a time of day"},
		"bad minute":              {in: "22:60", wantErr: "not a time of day"},
		"negative duration":       {in: "-1h", wantErr: "must be positive"},
		"too long":                {in: "800h", wantErr: "over the most"},
		"past instant":            {in: "2026-12-01T00:00:00Z", wantErr: "not in the future"},
		"far instant":             {in: "2027-06-01T00:00:00Z", wantErr: "more than"},
		"words":                   {in: "tonight", wantErr: "want a time of day"},
		"empty":                   {in: "", wantErr: "want a time of day"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseUntil(tc.in, now, tokyo)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseUntil(%q) = %v, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("ParseUntil(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func FuzzParseUntil(f *testing.F) {
	for _, s := range []string{"22:00", "9:05", "2h", "2026-12-08T01:00:00Z", "99:99", "-5m", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseUntil(s, now, time.UTC)
		if err != nil {
			return
		}
		if !got.After(now) || got.Sub(now) > MaxOverride {
			t.Fatalf("ParseUntil(%q) = %v: outside (now, now+%s]", s, got, MaxOverride)
		}
	})
}

func TestGoverning(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	env := Override{ID: "env", Target: "dev3", Kind: OverrideEnv, State: Off, Reason: "r", Created: t0, Until: t0.Add(10 * time.Hour)}
	res := Override{ID: "res", Target: "web", Kind: OverrideResource, State: On, Reason: "r", Created: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}
	later := Override{ID: "later", Target: "DEV3", Kind: OverrideEnv, State: On, Reason: "r", Created: t0.Add(2 * time.Hour), Until: t0.Add(5 * time.Hour)}
	cancelled := res
	cancelled.ID, cancelled.Cancelled = "cancelled", t0.Add(90*time.Minute)
	all := []Override{env, res, later}
	tests := map[string]struct {
		list      []Override
		arn, name string
		env       string
		at        time.Time
		want      string
	}{
		"before any":                    {all, "arn:x", "web", "dev3", t0.Add(-time.Minute), ""},
		"env only":                      {all, "arn:x", "api", "dev3", t0.Add(30 * time.Minute), "env"},
		"resource wins over env":        {all, "arn:x", "web", "dev3", t0.Add(150 * time.Minute), "res"},
		"by arn":                        {[]Override{{ID: "a", Target: "arn:x", Kind: OverrideResource, State: On, Created: t0, Until: t0.Add(time.Hour)}}, "arn:x", "web", "", t0, "a"},
		"latest env wins, case ignored": {all, "arn:x", "api", "dev3", t0.Add(150 * time.Minute), "later"},
		"expired by itself":             {all, "arn:x", "web", "dev3", t0.Add(3 * time.Hour), "later"},
		"cancelled ends early":          {[]Override{cancelled}, "arn:x", "web", "", t0.Add(100 * time.Minute), ""},
		"other env":                     {all, "arn:x", "api", "dev4", t0.Add(time.Hour), ""},
		"no env matches no env":         {all, "arn:x", "api", "", t0.Add(time.Hour), ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := Governing(tc.list, tc.arn, tc.name, tc.env, tc.at)
			if tc.want == "" {
				if ok {
					t.Errorf("Governing = %s, want none", got.ID)
				}
				return
			}
			if !ok || got.ID != tc.want {
				t.Errorf("Governing = %q (%v), want %q", got.ID, ok, tc.want)
			}
		})
	}
	if o, ok := LastEnded([]Override{env, res, cancelled}, "arn:x", "web", "", t0.Add(4*time.Hour)); !ok || o.ID != "res" {
		t.Errorf("LastEnded = %q %v, want res (it ended at 3h, the cancelled one at 1h30)", o.ID, ok)
	}
}

func TestOverrideStatus(t *testing.T) {
	s, err := Compile(Spec{Name: "office", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	// Monday 19:00: the override holds it on until 22:00, when the
	// schedule wants it off.
	o := Override{Target: "web", Kind: OverrideResource, State: On, Reason: "r",
		Created: time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)}
	st := o.Status(s)
	if st.State != On || !st.Since.Equal(o.Created) || st.Next == nil || st.Next.State != Off || !st.Next.At.Equal(o.Until) {
		t.Errorf("Status = %+v %+v", st, st.Next)
	}
	o.State = Off
	o.Until = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	if st := o.Status(s); st.Next.State != On {
		t.Errorf("an off override ending in office hours hands over to on: %+v", st.Next)
	}
	if st := o.Status(nil); st.Next.State != Off {
		t.Errorf("without a schedule the override hands over to off: %+v", st.Next)
	}
}

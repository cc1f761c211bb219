package env

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func newLeases() (*Leases, *clock, *notices, *memStore) {
	c := &clock{t: t0}
	n := &notices{}
	st := &memStore{}
	return &Leases{Store: st, Notifier: n, Policy: DefaultPolicy(), Now: c.Now,
		Known: func(s string) bool { return s != "qa99" }}, c, n, st
}

func TestClaimConflictAndSteal(t *testing.T) {
	ctx := context.Background()
	m, c, n, st := newLeases()
	res, err := m.Claim(ctx, Claim{Environment: "qa3", Holder: "alice", For: 4 * time.Hour, Purpose: "PR #123 payment QA", Branch: "feat/pay"})
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(4 * time.Hour); !res.Lease.Until.Equal(want) || res.Lease.Holder != "alice" || res.Lease.Via != ViaClaim {
		t.Fatalf("lease = %+v, want alice until %s", res.Lease, want)
	}
	c.Advance(time.Hour)
	_, err = m.Claim(ctx, Claim{Environment: "qa3", Holder: "bob", For: time.Hour})
	var held *HeldError
	if !errors.As(err, &held) || held.Lease.Holder != "alice" {
		t.Fatalf("claim by bob: err = %v, want HeldError naming alice", err)
	}
	if _, err := m.Claim(ctx, Claim{Environment: "qa3", Holder: "bob", Steal: true}); !errors.Is(err, ErrReasonRequired) {
		t.Fatalf("steal without reason: err = %v, want ErrReasonRequired", err)
	}
	if len(n.got) != 0 {
		t.Fatalf("notices before any steal: %+v", n.got)
	}
	res, err = m.Claim(ctx, Claim{Environment: "qa3", Holder: "bob", For: 2 * time.Hour, Steal: true, Reason: "hotfix verification"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stolen == nil || res.Stolen.Holder != "alice" || res.Stolen.EndReason != EndStolen || !res.Stolen.Ended.Equal(c.t) {
		t.Fatalf("stolen = %+v, want alice's lease ended as stolen now", res.Stolen)
	}
	if res.Lease.Holder != "bob" || res.Lease.Via != ViaSteal {
		t.Fatalf("new lease = %+v, want bob by steal", res.Lease)
	}
	if len(n.got) != 1 || n.got[0].Kind != NoticeStolen || n.got[0].To != "alice" || n.got[0].By != "bob" || n.got[0].Reason != "hotfix verification" {
		t.Fatalf("notices = %+v, want one to alice saying bob stole it", n.got)
	}
	evs, _ := st.LeaseEvents(ctx, "qa3")
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind+":"+e.Actor)
	}
	if diff := cmp.Diff([]string{"claimed:alice", "stolen:bob", "claimed:bob"}, kinds); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	all, _ := st.Leases(ctx, "qa3", false)
	if len(all) != 2 {
		t.Errorf("leases kept = %d, want both (history)", len(all))
	}
}

func TestClaimRefusals(t *testing.T) {
	ctx := context.Background()
	tests := map[string]struct {
		claim  Claim
		want   string
		reason string // of a RefusedError; "" for another error
	}{
		"unknown environment": {Claim{Environment: "qa99", Holder: "a"}, `no environment "qa99"`, ""},
		"not leasable":        {Claim{Environment: "prod", Holder: "a"}, "prod cannot be leased", "not-leasable"},
		"no holder":           {Claim{Environment: "qa1", Holder: " "}, "who is claiming is unknown", "no-holder"},
		"too long":            {Claim{Environment: "qa1", Holder: "a", For: 8 * 24 * time.Hour}, "at most 7d", "too-long"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, _, _, st := newLeases()
			_, err := m.Claim(ctx, tc.claim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			var refused *RefusedError
			if got := errors.As(err, &refused); got != (tc.reason != "") || got && refused.Reason != tc.reason {
				t.Errorf("err = %#v, want a refusal %q", err, tc.reason)
			}
			if ls, _ := st.Leases(ctx, "", false); len(ls) != 0 {
				t.Fatalf("a refused claim stored %+v", ls)
			}
		})
	}
}

func TestClaimAgainRenews(t *testing.T) {
	ctx := context.Background()
	m, c, _, st := newLeases()
	if _, err := m.Claim(ctx, Claim{Environment: "qa1", Holder: "alice", For: time.Hour, Purpose: "first"}); err != nil {
		t.Fatal(err)
	}
	c.Advance(30 * time.Minute)
	res, err := m.Claim(ctx, Claim{Environment: "qa1", Holder: "alice", For: 3 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Renewed || !res.Lease.Until.Equal(c.t.Add(3*time.Hour)) || res.Lease.Purpose != "first" {
		t.Fatalf("renewal = %+v", res)
	}
	if ls, _ := st.Leases(ctx, "qa1", false); len(ls) != 1 {
		t.Fatalf("renewal made %d leases, want 1", len(ls))
	}
}

func TestExpiryOnRead(t *testing.T) {
	ctx := context.Background()
	m, c, n, st := newLeases()
	if _, err := m.Claim(ctx, Claim{Environment: "qa2", Holder: "alice", For: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	c.Advance(2*time.Hour - time.Second)
	live, err := m.Live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := live["qa2"]; !ok {
		t.Fatal("lease gone a second before its end")
	}
	c.Advance(time.Second)
	live, err = m.Live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := live["qa2"]; ok {
		t.Fatal("lease still live at its end")
	}
	ls, _ := st.Leases(ctx, "qa2", false)
	if len(ls) != 1 || ls[0].EndReason != EndExpired || !ls[0].Ended.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("stored = %+v, want ended as expired at its until", ls)
	}
	// Bob may claim it now, without --steal.
	if _, err := m.Claim(ctx, Claim{Environment: "qa2", Holder: "bob"}); err != nil {
		t.Fatalf("claim after expiry: %v", err)
	}
	if len(n.got) != 0 {
		t.Fatalf("Live notified %+v; expiry notices are the schedule run's", n.got)
	}
}

func TestExpiredLeaseEndsWhenClaimed(t *testing.T) {
	ctx := context.Background()
	m, c, _, _ := newLeases()
	if _, err := m.Claim(ctx, Claim{Environment: "qa2", Holder: "alice", For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Hour)
	res, err := m.Claim(ctx, Claim{Environment: "qa2", Holder: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Expired == nil || res.Expired.Holder != "alice" || res.Stolen != nil {
		t.Fatalf("claim result = %+v, want alice's lease expired, not stolen", res)
	}
}

func TestReminderOncePerEnd(t *testing.T) {
	ctx := context.Background()
	m, c, n, _ := newLeases()
	m.Policy.RemindBefore = 30 * time.Minute
	if _, err := m.Claim(ctx, Claim{Environment: "qa4", Holder: "carol", For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		want    int // reminders so far
	}{
		{29 * time.Minute, 0}, // 31 minutes left
		{time.Minute, 1},      // 30 left: due
		{10 * time.Minute, 1}, // already reminded
	}
	for _, s := range steps {
		c.Advance(s.advance)
		if _, err := m.Remind(ctx); err != nil {
			t.Fatal(err)
		}
		if len(n.got) != s.want {
			t.Fatalf("at %s: %d reminders, want %d", c.t.Format(time.Kitchen), len(n.got), s.want)
		}
	}
	if n.got[0].Kind != NoticeReminder || n.got[0].To != "carol" || n.got[0].Left != 30*time.Minute {
		t.Fatalf("reminder = %+v", n.got[0])
	}
	// An extension moves the end: a new reminder before the new end.
	if _, err := m.Extend(ctx, "qa4", "carol", time.Hour); err != nil {
		t.Fatal(err)
	}
	c.Advance(50 * time.Minute) // the new end is 30 minutes away
	if _, err := m.Remind(ctx); err != nil {
		t.Fatal(err)
	}
	if len(n.got) != 2 {
		t.Fatalf("after extension: %d reminders, want 2", len(n.got))
	}
}

func TestExtendAndRelease(t *testing.T) {
	ctx := context.Background()
	m, c, _, _ := newLeases()
	if _, err := m.Claim(ctx, Claim{Environment: "qa5", Holder: "dave", For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	var nh *NotHolderError
	if _, err := m.Extend(ctx, "qa5", "erin", time.Hour); !errors.As(err, &nh) || nh.Holder != "dave" {
		t.Fatalf("extend by erin: %v", err)
	}
	if _, err := m.Release(ctx, "qa5", "erin"); !errors.As(err, &nh) {
		t.Fatalf("release by erin: %v", err)
	}
	l, err := m.Extend(ctx, "qa5", "dave", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(3 * time.Hour); !l.Until.Equal(want) {
		t.Fatalf("extended until %s, want %s", l.Until, want)
	}
	if _, err := m.Extend(ctx, "qa5", "dave", 7*24*time.Hour); err == nil {
		t.Fatal("extension past max_duration accepted")
	}
	c.Advance(time.Minute)
	l, err = m.Release(ctx, "qa5", "dave")
	if err != nil {
		t.Fatal(err)
	}
	if l.EndReason != EndReleased || !l.Ended.Equal(c.t) {
		t.Fatalf("released = %+v", l)
	}
	if _, err := m.Release(ctx, "qa5", "dave"); !errors.As(err, &nh) || nh.Holder != "" {
		t.Fatalf("second release: %v, want not leased", err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := map[string]struct {
		in   string
		want time.Duration
		err  bool
	}{
		"hours":       {in: "4h", want: 4 * time.Hour},
		"minutes":     {in: "90m", want: 90 * time.Minute},
		"days":        {in: "2d", want: 48 * time.Hour},
		"day hours":   {in: "1d12h", want: 36 * time.Hour},
		"week":        {in: "1w", want: 7 * 24 * time.Hour},
		"zero":        {in: "0h", err: true},
		"negative":    {in: "-1h", err: true},
		"day minus":   {in: "1d-2h", err: true},
		"empty":       {in: "", err: true},
		"words":       {in: "soon", err: true},
		"too long":    {in: "4000d", err: true},
		"hours first": {in: "1h2d", err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
			}
			if err == nil {
				if back, _ := ParseDuration(FormatDuration(got)); back != got {
					t.Fatalf("FormatDuration(%v) = %q does not read back", got, FormatDuration(got))
				}
			}
		})
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"4h", "1d12h", "2w", "90m", "-1h", "1d-", "+3d", "9999999999d", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d <= 0 || d > MaxDuration {
			t.Fatalf("ParseDuration(%q) = %v, outside (0, max]", s, d)
		}
	})
}

func TestCompareNatural(t *testing.T) {
	names := []string{"qa10", "qa2", "prod", "qa1", "dev", "qa02x", "qa9"}
	SortNatural(names)
	want := []string{"dev", "prod", "qa1", "qa2", "qa02x", "qa9", "qa10"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

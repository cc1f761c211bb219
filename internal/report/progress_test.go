package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/i18n"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

type progressStep struct {
	after                    time.Duration
	done, total, calls, errs int
}

func TestProgress(t *testing.T) {
	steps := []progressStep{
		{0, 0, 12, 0, 0},
		{50 * time.Millisecond, 1, 12, 4, 0},  // too soon to redraw
		{100 * time.Millisecond, 2, 12, 9, 0}, // redrawn
		{2 * time.Second, 7, 12, 40, 1},
		{10 * time.Millisecond, 12, 12, 61, 2}, // the last unit is always drawn
	}
	tests := map[string]struct {
		tty  bool
		want string
	}{
		"terminal": {tty: true, want: "" +
			"\r\x1b[Kscan: 0/12 (0%) units · 0 API calls · 0 errors · 0s" +
			"\r\x1b[Kscan: 2/12 (16%) units · 9 API calls · 0 errors · 200ms" +
			"\r\x1b[Kscan: 7/12 (58%) units · 40 API calls · 1 error · 2.2s" +
			"\r\x1b[Kscan: 12/12 (100%) units · 61 API calls · 2 errors · 2.2s" +
			"\r\x1b[Kscan: 12/12 (100%) units done, 61 API calls, 2 errors in 1m3s\n"},
		"pipe": {tty: false, want: "scan: 12/12 (100%) units done, 61 API calls, 2 errors in 1m3s\n"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2025, 6, 2, 3, 0, 0, 0, time.UTC)}
			var buf bytes.Buffer
			p := NewProgress(&buf, tt.tty, clock.now, "")
			for _, s := range steps {
				clock.advance(s.after)
				p.Update(s.done, s.total, s.calls, s.errs)
			}
			clock.advance(time.Minute + 800*time.Millisecond)
			p.Finish()
			p.Finish()           // a second Finish prints nothing
			p.Update(1, 1, 1, 1) // nor does an Update after it
			if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProgressFinishWithoutUpdates(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 6, 2, 3, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	p := NewProgress(&buf, true, clock.now, "collect")
	clock.advance(1500 * time.Millisecond)
	p.Finish()
	want := "collect: 0/0 units done, 0 API calls, 0 errors in 1.5s\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestProgressJapanese(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 6, 2, 3, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	p := NewProgress(&buf, false, clock.now, "scan")
	p.Lang = i18n.JA
	p.Update(105, 105, 1, 2)
	clock.advance(1500 * time.Millisecond)
	p.Finish()
	want := "scan: 105/105 (100%) 単位完了、API 呼び出し 1回、エラー 2件、所要 1.5s\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestProgressConcurrent(t *testing.T) {
	clock := time.Date(2025, 6, 2, 3, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	p := NewProgress(&buf, true, func() time.Time { return clock }, "scan")
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 100 {
				p.Update(g*100+i, 400, i, 0)
			}
		}()
	}
	for range 4 {
		<-done
	}
	p.Finish()
	if buf.Len() == 0 {
		t.Error("no output")
	}
}

package report

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// redrawEvery limits how often the status line is redrawn: collectors
// report after every API call, far faster than anyone can read.
const redrawEvery = 100 * time.Millisecond

// Progress shows how a scan is going. On a terminal it redraws one status
// line; elsewhere (CI logs, pipes) it stays silent while the scan runs, so
// logs are not flooded, and Finish prints one summary line.
// It is safe for concurrent use by collectors.
type Progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	label string
	// Lang is the language of the lines; set it before the first Update.
	Lang i18n.Lang

	mu                       sync.Mutex
	start, lastDraw          time.Time
	done, total, calls, errs int
	drawn, finished          bool
}

var _ inventory.Progress = (*Progress)(nil)

// NewProgress returns a Progress writing to w (usually stderr). tty says
// whether w is a terminal; now is the clock. label names the work
// ("scan"), and starts the status and summary lines.
func NewProgress(w io.Writer, tty bool, now func() time.Time, label string) *Progress {
	if label == "" {
		label = "scan"
	}
	return &Progress{w: w, tty: tty, now: now, label: label, start: now()}
}

// Update records progress and, on a terminal, redraws the status line.
func (p *Progress) Update(done, total, calls, errors int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.done, p.total, p.calls, p.errs = done, total, calls, errors
	if !p.tty {
		return
	}
	now := p.now()
	if p.drawn && now.Sub(p.lastDraw) < redrawEvery && done != total {
		return
	}
	p.lastDraw, p.drawn = now, true
	// \r returns to the start of the line and \x1b[K clears what a longer
	// previous status left behind.
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(now, false))
}

// Finish ends the display with one summary line. Later calls do nothing.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.tty && p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, p.line(p.now(), true))
}

func (p *Progress) line(now time.Time, final bool) string {
	elapsed := formatElapsed(now.Sub(p.start))
	units := fmt.Sprintf("%d/%d", p.done, p.total)
	if p.total > 0 {
		units += fmt.Sprintf(" (%d%%)", p.done*100/p.total)
	}
	calls, errs := p.Lang.N("progress.calls", p.calls), p.Lang.N("progress.errors", p.errs)
	if final {
		return p.Lang.T("progress.final", p.label, units, calls, errs, elapsed)
	}
	return p.Lang.T("progress.status", p.label, units, calls, errs, elapsed)
}

// formatElapsed keeps tenths under a minute and whole seconds above.
func formatElapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

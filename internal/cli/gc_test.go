package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestTuneGC: the collector gets the command's settings unless GOGC or
// GOMEMLIMIT is set, and undo puts back what was there.
func TestTuneGC(t *testing.T) {
	tests := map[string]struct {
		env                  map[string]string
		wantPercent, wantLim bool // the command's value applies
	}{
		"nothing set":    {nil, true, true},
		"GOGC set":       {map[string]string{"GOGC": "50"}, false, true},
		"GOMEMLIMIT set": {map[string]string{"GOMEMLIMIT": "1GiB"}, true, false},
		"both set":       {map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, false, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := debug.SetGCPercent(137)
			beforeLim := debug.SetMemoryLimit(1 << 40)
			defer debug.SetGCPercent(before)
			defer debug.SetMemoryLimit(beforeLim)
			undo := tuneGC(func(k string) string { return tc.env[k] }, 345, 123<<20)
			gotPercent := debug.SetGCPercent(-1)
			debug.SetGCPercent(gotPercent)
			gotLim := debug.SetMemoryLimit(-1)
			if (gotPercent == 345) != tc.wantPercent || (gotPercent != 345 && gotPercent != 137) {
				t.Errorf("percent %d, want the command's: %v", gotPercent, tc.wantPercent)
			}
			if (gotLim == 123<<20) != tc.wantLim || (gotLim != 123<<20 && gotLim != 1<<40) {
				t.Errorf("limit %d, want the command's: %v", gotLim, tc.wantLim)
			}
			undo()
			if p := debug.SetGCPercent(137); p != 137 {
				t.Errorf("after undo percent %d, want 137", p)
			}
			if l := debug.SetMemoryLimit(-1); l != 1<<40 {
				t.Errorf("after undo limit %d, want %d", l, int64(1<<40))
			}
		})
	}
}

func TestLimitFor(t *testing.T) {
	tests := map[string]struct {
		live uint64
		want int64
	}{
		"nothing live":              {0, 1000},
		"well under the base":       {600, 1000},
		"a third above is the base": {750, 1000},
		"a third above is more":     {900, 1200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := limitFor(1000, tc.live); got != tc.want {
				t.Errorf("limitFor(1000, %d) = %d, want %d", tc.live, got, tc.want)
			}
		})
	}
}

// TestFollowLive: a live heap above the base raises the limit to a third
// above it, and the limit is not lowered when the heap shrinks.
func TestFollowLive(t *testing.T) {
	before := debug.SetMemoryLimit(1 << 20)
	defer debug.SetMemoryLimit(before)
	keep := make([]byte, 16<<20)
	runtime.GC()
	stop := followLive(1<<20, time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 16<<20+16<<20/3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	runtime.KeepAlive(keep)
	raised := debug.SetMemoryLimit(-1)
	if raised < 16<<20+16<<20/3 {
		t.Fatalf("limit %d with 16 MiB live, want at least a third above it", raised)
	}
	keep = nil
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	stop()
	if got := debug.SetMemoryLimit(-1); got < raised {
		t.Errorf("limit %d after the heap shrank, want it left at %d", got, raised)
	}
}

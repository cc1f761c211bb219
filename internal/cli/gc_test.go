package cli

import (
	"runtime/debug"
	"testing"
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

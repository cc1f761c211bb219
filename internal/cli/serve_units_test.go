package cli

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/server"
	"github.com/steward-sre/steward/internal/store"
)

// The server's AWS scan is read by units on river; the demo and a scan
// through a Config aggregator stay one job.
func TestScanByUnits(t *testing.T) {
	st, err := store.Open(context.Background(), emptyStore(t, t.TempDir(), "s.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &runner{log: slog.New(slog.DiscardHandler)}
	scanRun := func(context.Context) error { return nil }
	js := []server.Job{{Name: "scan", Every: 6 * time.Hour, Run: scanRun}, {Name: "schedule-run", Every: time.Minute, Run: scanRun}}
	tests := map[string]struct {
		cfg   config.Config
		demo  bool
		units bool
	}{
		"aws":        {units: true},
		"demo":       {demo: true},
		"aggregator": {cfg: config.Config{ConfigAggregator: "org"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, sw := r.scanByUnits(&tc.cfg, tc.demo, st, js)
			if (sw != nil) != tc.units {
				t.Fatalf("scan work = %v, want by units: %v", sw, tc.units)
			}
			if len(got) != 2 || got[0].Name != "scan" || got[0].Every != 6*time.Hour || got[1].Name != "schedule-run" {
				t.Fatalf("jobs = %+v", got)
			}
			// The scan job plans a scan on the scan work's runner, which the
			// server makes; without it, it says so.
			if err := got[0].Run(context.Background()); tc.units != (err != nil && strings.Contains(err.Error(), "not part of a running Runner")) {
				t.Fatalf("scan job: err = %v", err)
			}
			if js[0].Run == nil {
				t.Fatal("the caller's jobs were changed")
			}
		})
	}
}

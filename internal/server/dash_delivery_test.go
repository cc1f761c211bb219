package server

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/delivery"
)

func TestDeployTrend(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 12, 9, 12, 0, 0, 0, tokyo) // a Wednesday; this week began Monday 7 December
	dep := func(svc string, at time.Time) delivery.Deployment {
		return delivery.Deployment{Service: svc, Finished: at}
	}
	deps := []delivery.Deployment{
		dep("api", time.Date(2026, 12, 7, 0, 30, 0, 0, tokyo)),  // this week (Sunday in UTC)
		dep("api", time.Date(2026, 12, 6, 23, 30, 0, 0, tokyo)), // last week
		dep("api", time.Date(2026, 12, 1, 10, 0, 0, 0, tokyo)),
		dep("web", time.Date(2026, 9, 21, 10, 0, 0, 0, tokyo)),   // the first week shown
		dep("web", time.Date(2026, 9, 20, 10, 0, 0, 0, tokyo)),   // before it
		dep("batch", time.Date(2026, 12, 14, 1, 0, 0, 0, tokyo)), // after now's week
	}
	tests := map[string]struct {
		service string
		want    map[string][]float64
	}{
		"all services": {want: map[string][]float64{
			"api": {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1},
			"web": {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		}},
		"one service": {service: "web", want: map[string][]float64{"web": {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := deployTrend(deps, tc.service, now, tokyo, "Week")
			if len(c.X) != trendWeeks || c.X[0] != time.Date(2026, 9, 21, 0, 0, 0, 0, tokyo).Unix() || c.X[11] != time.Date(2026, 12, 7, 0, 0, 0, 0, tokyo).Unix() {
				t.Errorf("weeks: %v", c.X)
			}
			got := map[string][]float64{}
			for _, s := range c.Series {
				got[s.Label] = s.Values
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLeaseHoldsScheduleAgainstMoto: a leased environment stays on past
// office hours while the rest of the estate stops, and stops at the first
// run after its lease ended, which tells the holder.
func TestLeaseHoldsScheduleAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the moto emulator")
	}
	t.Setenv("MOTO_ECS_SERVICE_RUNNING", "2")
	url := startMoto(t)
	const region = "ap-northeast-1"
	dir := t.TempDir()
	ctx := context.Background()
	cfg := motoEnv(t, ctx, dir, url, region, nil)
	dev := seedDevEstate(t, ctx, cfg)
	conf := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(conf, []byte("regions: ["+region+"]\n"+
		"schedules:\n  office-hours:\n    windows: [mon-fri 09:00-20:00]\n    time_zone: Asia/Tokyo\n"+
		"environments:\n  batchbox:\n    resources: [shop-dev-batch]\n"+
		"leases:\n  environments: [batchbox]\n  remind_before: off\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := emptyStore(t, dir, "s.db")
	// Thursday 19 November 2026, 18:00 in Tokyo.
	now := time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		env, out, errb := testEnv()
		env.Now = func() time.Time { return now }
		env.Getenv = func(k string) string {
			if k == "STEWARD_USER" {
				return "alice"
			}
			return ""
		}
		code := Main(ctx, append([]string{"--store", db, "--config", conf}, args...), env)
		t.Logf("$ steward %s\n%s%s(exit %d)", strings.Join(args, " "), out, errb, code)
		return code, out.String(), errb.String()
	}
	if code, _, errb := run("scan", "--source", "aws", "--format", "json"); code != ExitOK && code != ExitIncomplete && code != ExitFindings {
		t.Fatalf("scan: exit %d\n%s", code, errb)
	}
	if code, out, errb := run("env", "claim", "batchbox", "--for", "4h", "--purpose", "month-end batch check"); code != ExitOK || !strings.Contains(out, "batchbox is yours, alice") {
		t.Fatalf("claim: exit %d\n%s%s", code, out, errb)
	}
	steps := []struct {
		name, at  string
		planned   int
		wantState string
		wantOut   string
	}{
		{"leased vm stays on after hours", "2026-11-19T20:30:00+09:00", 3, "db stopped; aurora stopped; vm running", ""},
		{"the lease ended: the vm stops", "2026-11-19T22:30:00+09:00", 1, "db stopped; aurora stopped; vm stopped", "@alice: your lease of batchbox ended at 2026-11-19 13:00 UTC"},
	}
	for _, s := range steps {
		code, out, errb := run("schedule", "run", "--at", s.at, "--format", "json")
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", s.name, code, errb)
		}
		if !strings.Contains(out, s.wantOut) {
			t.Errorf("%s: output lacks %q:\n%s", s.name, s.wantOut, out)
		}
		js := out[strings.Index(out, "{"):]
		var sum runSummary
		if err := json.Unmarshal([]byte(js), &sum); err != nil {
			t.Fatalf("%s: %v\n%s", s.name, err, out)
		}
		if len(sum.Planned) != s.planned || sum.Failed != 0 {
			t.Errorf("%s: %d planned, %d failed; want %d: %+v", s.name, len(sum.Planned), sum.Failed, s.planned, sum.Planned)
		}
		if got := dev.state(t, ctx); !strings.HasSuffix(got, s.wantState) {
			t.Errorf("%s: state %s, want ...%s", s.name, got, s.wantState)
		}
	}
}

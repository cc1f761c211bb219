package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/schedule"
)

// TestScheduleOverrideCommands: overrides are added by resource name, ARN
// or env with who and why, listed while in force, cancelled once, and
// wrong input is refused with what would be valid.
func TestScheduleOverrideCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(cfg, []byte(scheduleConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	db := emptyStore(t, dir, "s.db")
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) // 19:00 in Tokyo
	run := func(lang string, args ...string) (int, string, string) {
		t.Helper()
		env, out, errb := testEnv()
		env.Now = func() time.Time { return now }
		env.Getenv = func(k string) string {
			switch k {
			case "STEWARD_ACTOR":
				return "alice"
			case "STEWARD_LANG":
				return lang
			}
			return ""
		}
		code := Main(context.Background(), append([]string{"--store", db, "--config", cfg}, args...), env)
		return code, out.String(), errb.String()
	}
	// Before any scan, a bare name cannot be looked up.
	if code, _, errb := run("", "schedule", "override", "api-dev-app", "--on", "--until", "22:00", "--reason", "demo"); code != ExitUsage || !strings.Contains(errb, "no scan") {
		t.Errorf("override before a scan: exit %d %s", code, errb)
	}
	if code, _, errb := run("", "scan", "--source", "demo", "--format", "json"); code != ExitOK && code != ExitFindings {
		t.Fatalf("scan: exit %d %s", code, errb)
	}
	code, out, errb := run("", "schedule", "override", "api-dev-app", "--on", "--until", "22:00", "--reason", "customer demo", "--format", "json")
	if code != ExitOK {
		t.Fatalf("override by name: exit %d %s", code, errb)
	}
	var o schedule.Override
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatal(err)
	}
	if o.Target != "arn:aws:ecs:ap-northeast-1:111111111111:service/api-dev-cluster/api-dev-app" || o.Kind != schedule.OverrideResource ||
		o.State != schedule.On || o.Actor != "alice" || o.Reason != "customer demo" || !o.Until.Equal(time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("override = %+v (22:00 is in steward.yaml's Asia/Tokyo)", o)
	}
	if code, out, errb := run("", "schedule", "override", "qa3", "--off", "--until", "2h", "--reason", "load test over"); code != ExitOK ||
		!strings.Contains(out, "env:qa3 held off until 2026-12-07 21:00 JST (Mon), by alice: load test over") {
		t.Errorf("override by env: exit %d\n%s%s", code, out, errb)
	}
	if code, _, errb := run("", "schedule", "override", "api-qa1-app", "--off", "--until", "1h", "--reason", "\x1b[2Jwiped"); code != ExitOK {
		t.Fatalf("override with a control sequence in its reason: exit %d %s", code, errb)
	}
	code, out, _ = run("", "schedule", "override", "list")
	if strings.Contains(out, "\x1b") {
		t.Errorf("the list prints a reason's escape sequence as it is:\n%q", out)
	}
	if code != ExitOK || !strings.Contains(out, "env:qa3") || !strings.Contains(out, "api-dev-app") || !strings.Contains(out, "customer demo") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = run("ja", "schedule", "override", "list")
	if code != ExitOK || !strings.Contains(out, "オーバーライド") || !strings.Contains(out, "停止") {
		t.Errorf("list in Japanese: exit %d\n%s", code, out)
	}
	if code, out, errb := run("", "schedule", "override", "cancel", o.ID); code != ExitOK || !strings.Contains(out, "cancelled") {
		t.Errorf("cancel: exit %d %s %s", code, out, errb)
	}
	if code, _, errb := run("", "schedule", "override", "cancel", o.ID); code != ExitUsage || !strings.Contains(errb, "already ended") {
		t.Errorf("second cancel: exit %d %s", code, errb)
	}
	code, out, _ = run("", "schedule", "override", "list", "--format", "json")
	var live []schedule.Override
	if err := json.Unmarshal([]byte(out), &live); code != ExitOK || err != nil || len(live) != 2 || live[0].ID == o.ID || live[1].ID == o.ID {
		t.Errorf("list after cancel: exit %d %v\n%s", code, err, out)
	}
	if code, out, _ := run("", "schedule", "override", "list", "--all"); code != ExitOK || !strings.Contains(out, "cancelled 2026-12-07 19:00 JST (Mon) by alice") {
		t.Errorf("list --all: exit %d\n%s", code, out)
	}
	for name, tc := range map[string]struct {
		args []string
		err  string
	}{
		"no state":       {[]string{"api-dev-app", "--until", "22:00", "--reason", "r"}, "give --on or --off"},
		"both states":    {[]string{"api-dev-app", "--on", "--off", "--until", "22:00", "--reason", "r"}, "--on and --off"},
		"unknown name":   {[]string{"nope-app", "--on", "--until", "22:00", "--reason", "r"}, `"nope-app" names no resource or env`},
		"bad until":      {[]string{"api-dev-app", "--on", "--until", "tonight", "--reason", "r"}, "--until: until \"tonight\""},
		"too long":       {[]string{"api-dev-app", "--on", "--until", "1000h", "--reason", "r"}, "over the most"},
		"blank reason":   {[]string{"api-dev-app", "--on", "--until", "22:00", "--reason", " "}, "--reason must say why"},
		"no reason flag": {[]string{"api-dev-app", "--on", "--until", "22:00"}, "--reason"},
		"unknown cancel": {[]string{"cancel", "o-nope"}, `no override "o-nope"`},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, errb := run("", append([]string{"schedule", "override"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(errb, tc.err) {
				t.Errorf("exit %d, stderr %q; want exit 2 with %q", code, errb, tc.err)
			}
		})
	}
	// Under Japanese, --until's mistakes are said in Japanese.
	for name, tc := range map[string]struct{ until, err string }{
		"bad until": {"tonight", `--until: 終了時刻 "tonight": 時刻（22:00）、時間の長さ（2h）、RFC 3339 形式の日時（2026-12-07T22:00:00+09:00）のいずれかで指定してください`},
		"too long":  {"1000h", `--until: 終了時刻 "1000h": 上限の 744h0m0s を超えています`},
		"bad clock": {"25:00", `--until: 終了時刻 "25:00": 時刻ではありません（00:00〜23:59 で指定してください）`},
	} {
		t.Run("ja "+name, func(t *testing.T) {
			code, _, errb := run("ja", "schedule", "override", "api-dev-app", "--on", "--until", tc.until, "--reason", "r")
			if code != ExitUsage || !strings.Contains(errb, tc.err) {
				t.Errorf("exit %d, stderr %q; want exit 2 with %q", code, errb, tc.err)
			}
		})
	}
}

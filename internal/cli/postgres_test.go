package cli

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/store/pgtest"
)

// TestPostgresEndToEnd runs the commands a team runs against a PostgreSQL
// store named by `store:` in steward.yaml (scan, findings, history, a
// second scan, cost ingest and show, environment leases, schedule
// overrides) and the same commands against SQLite:
// what they print is the same, and the DSN's password never shows, even in
// debug logs.
func TestPostgresEndToEnd(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(cfg, []byte("store: '"+dsn+"'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	backends := map[string][]string{
		"postgres": {"--config", cfg, "--log-level", "debug"},
		"sqlite":   {"--store", filepath.Join(dir, "steward.db")},
	}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	run := func(t *testing.T, backend string, args ...string) string {
		t.Helper()
		env, out, errb := testEnv()
		env.Now = func() time.Time { return now }
		args = append(append([]string{}, backends[backend]...), args...)
		if code := Main(context.Background(), args, env); code != 0 {
			t.Fatalf("%s: steward %s: exit %d: %s", backend, strings.Join(args, " "), code, errb)
		}
		if password != "" && (strings.Contains(out.String(), password) || strings.Contains(errb.String(), password)) {
			t.Fatalf("%s: steward %s printed the DSN's password:\n%s\n%s", backend, strings.Join(args, " "), out, errb)
		}
		return out.String()
	}
	// Scan and override ids end in random characters; the demo bill goes
	// to a new temporary folder each time.
	varying := regexp.MustCompile(`[0-9]{8}T[0-9]{6}Z?-[0-9a-f]{6}|/tmp/steward-demo-bill-[0-9]+`)
	same := func(t *testing.T, args ...string) string {
		t.Helper()
		pg := varying.ReplaceAllString(run(t, "postgres", args...), "X")
		lite := varying.ReplaceAllString(run(t, "sqlite", args...), "X")
		if diff := cmp.Diff(lite, pg); diff != "" {
			t.Errorf("steward %s: PostgreSQL and SQLite differ (-sqlite +postgres):\n%s", strings.Join(args, " "), diff)
		}
		return pg
	}

	same(t, "scan", "--source", "demo", "--format", "json")
	type report struct {
		Findings []struct {
			Policy    string `json:"policy"`
			ARN       string `json:"arn"`
			FirstSeen string `json:"first_seen"`
		} `json:"findings"`
	}
	findings := func() report {
		t.Helper()
		out := same(t, "findings", "--format", "json")
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("findings --format json: %v\n%s", err, out)
		}
		return r
	}
	first := findings()
	if len(first.Findings) == 0 || first.Findings[0].FirstSeen == "" {
		t.Fatalf("the demo estate stored in PostgreSQL has no findings, or no first seen: %+v", first)
	}
	// A scan of the same estate a day later finds the same findings, still
	// first seen at the first scan.
	now = now.Add(24 * time.Hour)
	same(t, "scan", "--source", "demo", "--format", "json")
	if diff := cmp.Diff(first, findings()); diff != "" {
		t.Errorf("findings after a second scan (-first +second):\n%s", diff)
	}
	same(t, "history", first.Findings[0].ARN)
	same(t, "cost", "ingest", "--demo")
	same(t, "cost", "show", "--by", "system", "--format", "json")
	// Leases and schedule overrides: a claim, a second claim refused while
	// the first holds, the history, a release; an override listed.
	same(t, "env", "claim", "qa5", "--for", "2h", "--purpose", "PR #200 refunds")
	for backend := range backends {
		env, _, errb := testEnv()
		env.Now = func() time.Time { return now }
		env.Getenv = func(k string) string {
			if k == "STEWARD_USER" {
				return "bob"
			}
			return ""
		}
		args := append(append([]string{}, backends[backend]...), "env", "claim", "qa5")
		if code := Main(context.Background(), args, env); code != ExitUsage || !strings.Contains(errb.String(), "qa5 is leased by") {
			t.Errorf("%s: bob's claim of the environment another holds: exit %d %s", backend, code, errb)
		}
	}
	same(t, "env", "list", "--format", "json")
	same(t, "env", "release", "qa5")
	same(t, "env", "history", "qa5")
	same(t, "schedule", "override", "qa3", "--off", "--until", "2h", "--reason", "load test over")
	same(t, "schedule", "override", "list", "--format", "json")
}

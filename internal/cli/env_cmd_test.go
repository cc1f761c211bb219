package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// envWorld runs steward commands on one store with a clock the test
// moves and a user it names.
type envWorld struct {
	t     *testing.T
	store string
	cfg   string
	now   time.Time
	user  string
}

func newEnvWorld(t *testing.T) *envWorld {
	dir := t.TempDir()
	return &envWorld{t: t, store: emptyStore(t, dir, "s.db"), now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), user: "alice"}
}

func (w *envWorld) run(args ...string) (int, string, string) {
	w.t.Helper()
	var out, errb bytes.Buffer
	e := Env{Stdout: &out, Stderr: &errb, Now: func() time.Time { return w.now },
		Getenv: func(k string) string {
			if k == "STEWARD_USER" {
				return w.user
			}
			return ""
		}}
	pre := []string{"--store", w.store}
	if w.cfg != "" {
		pre = append(pre, "--config", w.cfg)
	}
	code := Main(context.Background(), append(pre, args...), e)
	return code, out.String(), errb.String()
}

func (w *envWorld) ok(args ...string) string {
	w.t.Helper()
	code, out, errs := w.run(args...)
	if code != 0 {
		w.t.Fatalf("steward %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func boardRow(t *testing.T, out, name string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return line
		}
	}
	t.Fatalf("no row %s in\n%s", name, out)
	return ""
}

func TestEnvDemoBoard(t *testing.T) {
	t.Parallel()
	w := newEnvWorld(t)
	w.ok("demo")
	out := w.ok("env", "list")
	for name, want := range map[string][]string{
		"qa1":  {"running", "alice", "PR #123 payment QA", "feature/payment-v2", "(2h left)", "shop a1c4e9f2 success"},
		"qa2":  {"partly running", "(free)"},
		"qa4":  {"dave (deploy)", "(24m left)"},
		"prod": {"(not leased)"},
	} {
		row := boardRow(t, out, name)
		for _, s := range want {
			if !strings.Contains(row, s) {
				t.Errorf("row %s lacks %q:\n%s", name, s, row)
			}
		}
	}
	// The demo's board is seeded once: a second demo keeps the leases made since.
	w.ok("env", "release", "qa1")
	w.ok("demo")
	if row := boardRow(t, w.ok("env", "list"), "qa1"); !strings.Contains(row, "(free)") {
		t.Errorf("a second demo brought back the released lease: %s", row)
	}
	var board struct {
		Environments []struct {
			Name  string     `json:"name"`
			Lease *env.Lease `json:"lease"`
		} `json:"environments"`
	}
	if err := json.Unmarshal([]byte(w.ok("env", "list", "-f", "json")), &board); err != nil {
		t.Fatal(err)
	}
	leased := 0
	for _, e := range board.Environments {
		if e.Lease != nil {
			leased++
		}
	}
	if len(board.Environments) != 13 || leased != 4 {
		t.Errorf("json board: %d environments, %d leased; want 13 and 4", len(board.Environments), leased)
	}
}

func TestEnvClaimStealExpire(t *testing.T) {
	t.Parallel()
	w := newEnvWorld(t)
	w.ok("demo")
	out := w.ok("env", "claim", "qa5", "--for", "2h", "--purpose", "PR #200 refunds", "--branch", "feature/refunds")
	if !strings.Contains(out, "qa5 is yours, alice, until 2026-12-07 12:00 UTC (2h)") {
		t.Errorf("claim output: %s", out)
	}
	w.user = "bob"
	code, _, errs := w.run("env", "claim", "qa5")
	if code != ExitUsage || !strings.Contains(errs, "qa5 is leased by alice until 2026-12-07 12:00 UTC (PR #200 refunds)") {
		t.Fatalf("claim of a held environment: exit %d, %s", code, errs)
	}
	if code, _, errs := w.run("env", "extend", "qa5"); code != ExitUsage || !strings.Contains(errs, "not by you") {
		t.Errorf("extend by bob: exit %d %s", code, errs)
	}
	out = w.ok("env", "claim", "qa5", "--steal", "--reason", "release rehearsal")
	if !strings.Contains(out, "@alice: qa5 was taken from you by bob: release rehearsal") || !strings.Contains(out, "qa5 is yours, bob") {
		t.Errorf("steal output: %s", out)
	}
	// Two hours later bob's lease (4h, the default) still holds; at six it has ended by itself.
	w.now = w.now.Add(4 * time.Hour)
	if row := boardRow(t, w.ok("env", "list"), "qa5"); !strings.Contains(row, "(free)") {
		t.Errorf("qa5 after its lease ended: %s", row)
	}
	hist := w.ok("env", "history", "qa5")
	for _, s := range []string{"claimed  alice", "stolen   bob", "claimed  bob", "expired  steward"} {
		if !strings.Contains(hist, s) {
			t.Errorf("history lacks %q:\n%s", s, hist)
		}
	}
	w.user = "carol"
	if out := w.ok("env", "claim", "qa5", "--for", "30m"); !strings.Contains(out, "qa5 is yours, carol") {
		t.Errorf("claim after expiry: %s", out)
	}
	if out := w.ok("--lang", "ja", "env", "release", "qa5"); !strings.Contains(out, "qa5 を返却しました") {
		t.Errorf("release in Japanese: %s", out)
	}
}

func TestDeployRecordLeases(t *testing.T) {
	t.Parallel()
	w := newEnvWorld(t)
	w.ok("demo")
	// qa7 is free: the deploy leases it to its deployer.
	out := w.ok("deploy", "record", "--service", "shop", "--env", "qa7", "--sha", "abcdef1234", "--result", "success", "--actor", "erin")
	if !strings.Contains(out, "qa7 had no lease: leased to erin until 2026-12-07 14:00 UTC (claim on deploy)") {
		t.Errorf("claim on deploy: %s", out)
	}
	if row := boardRow(t, w.ok("env", "list"), "qa7"); !strings.Contains(row, "erin (deploy)") || !strings.Contains(row, "deploy shop abcdef12") {
		t.Errorf("qa7 after the deploy: %s", row)
	}
	// qa1 is alice's: frank's deploy is flagged, in the output and the record.
	out = w.ok("deploy", "record", "--service", "shop", "--env", "qa1", "--sha", "1234abcd", "--result", "success", "--actor", "frank", "--id", "d-frank")
	if !strings.Contains(out, "warning: qa1 is leased by alice") {
		t.Errorf("flag output: %s", out)
	}
	// prod is not leasable: no lease, no flag.
	out = w.ok("deploy", "record", "--service", "api", "--env", "prod", "--sha", "99aa", "--result", "success", "--actor", "frank")
	if strings.Contains(out, "lease") {
		t.Errorf("prod deploy talks of leases: %s", out)
	}
	st, err := store.Open(context.Background(), w.store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.Delivery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range d.Deployments {
		if x.ID == "d-frank" && x.LeasedBy != "alice" {
			t.Errorf("the record of frank's deploy says leased_by %q, want alice", x.LeasedBy)
		}
	}
	// With claim_on_deploy off, a deploy leaves a free environment free.
	w.cfg = filepath.Join(t.TempDir(), "steward.yaml")
	if err := os.WriteFile(w.cfg, []byte("leases:\n  claim_on_deploy: off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = w.ok("deploy", "record", "--service", "shop", "--env", "qa9", "--sha", "abcdef1234", "--result", "success", "--actor", "erin")
	if strings.Contains(out, "leased to") {
		t.Errorf("claim_on_deploy: off still leased: %s", out)
	}
}

func TestEnvDiffDemo(t *testing.T) {
	t.Parallel()
	w := newEnvWorld(t)
	w.ok("demo")
	code, out, _ := w.run("env", "diff", "stg", "prod", "--system", "shop", "--fail-on", "drift")
	if code != ExitFindings {
		t.Fatalf("--fail-on drift with drift: exit %d, want %d\n%s", code, ExitFindings, out)
	}
	for _, s := range []string{"storage_encrypted", "public_access_block", "web_acl_id", "instance_class"} {
		if !strings.Contains(out, s) {
			t.Errorf("diff lacks %s:\n%s", s, out)
		}
	}
	var res env.DiffResult
	code, js, _ := w.run("env", "diff", "stg", "prod", "--system", "shop", "-f", "json")
	if code != 0 {
		t.Fatalf("json diff without --fail-on: exit %d", code)
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, p := range res.Pairs {
		for _, d := range p.Differences {
			kinds[d.Attr] = d.Kind
		}
	}
	for attr, want := range map[string]string{"storage_encrypted": env.KindDrift, "public_access_block": env.KindDrift, "instance_class": env.KindParameter, "instance_type": env.KindParameter} {
		if kinds[attr] != want {
			t.Errorf("%s is %q, want %q (all: %v)", attr, kinds[attr], want, kinds)
		}
	}
	md := w.ok("env", "diff", "stg", "prod", "--system", "shop", "-f", "markdown")
	if !strings.Contains(md, "|") || !strings.Contains(md, `storage\_encrypted`) {
		t.Errorf("markdown diff:\n%s", md)
	}
	// Two QA environments built alike have no drift.
	if code, out, _ := w.run("env", "diff", "qa6", "qa7", "--fail-on", "drift"); code != 0 {
		t.Errorf("qa6 vs qa7: exit %d\n%s", code, out)
	}
	if code, _, errs := w.run("env", "diff", "stg", "staging"); code != ExitUsage || !strings.Contains(errs, `no environment "staging"`) {
		t.Errorf("unknown environment: exit %d %s", code, errs)
	}
}

// TestLeaseHoldsAndChores: what a schedule run reads and does of leases,
// on a store and a fake clock: a leased environment is held on, an
// expired lease ends with a notice, a reminder goes out once.
func TestLeaseHoldsAndChores(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 20, 30, 0, 0, time.UTC)
	var out, errb bytes.Buffer
	r := &runner{env: Env{Stdout: &out, Stderr: &errb, Now: func() time.Time { return now }, Getenv: func(string) string { return "" }},
		g: &Globals{}, log: slog.New(slog.DiscardHandler), lang: i18n.EN}
	cfg, err := config.Parse("steward.yaml", []byte("environments:\n  qa2:\n    idle_stop_after: 2h\nleases:\n  remind_before: 1h\n"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, emptyStore(t, t.TempDir(), "s.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := r.leaseManager(cfg, st, nil)
	m.Now = func() time.Time { return now.Add(-3 * time.Hour) }
	for _, c := range []env.Claim{{Environment: "qa1", Holder: "alice", For: 3*time.Hour + 45*time.Minute}, {Environment: "qa3", Holder: "bob", For: 2 * time.Hour}} {
		if _, err := m.Claim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	inst := func(arn, envName string) inventory.Resource {
		return inventory.Resource{ARN: arn, Type: "AWS::EC2::Instance", State: "running", Tags: inventory.TagsOf(map[string]string{"env": envName}), Created: now.Add(-72 * time.Hour)}
	}
	rs := []inventory.Resource{inst("i-qa1", "qa1"), inst("i-qa2", "qa2"), inst("i-qa3", "qa3")}

	if err := r.leaseChores(ctx, cfg, st, "", false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, s := range []string{"@bob: your lease of qa3 ended at 2026-12-07 19:30 UTC", "@alice: your lease of qa1 ends at 2026-12-07 21:15 UTC (45m left)"} {
		if !strings.Contains(got, s) {
			t.Errorf("notices lack %q:\n%s", s, got)
		}
	}
	out.Reset()
	if err := r.leaseChores(ctx, cfg, st, "", false); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("a second run notified again:\n%s", out.String())
	}
	holds, err := r.leaseHolds(ctx, cfg, st, rs, now)
	if err != nil {
		t.Fatal(err)
	}
	if h := holds["i-qa1"]; h.Status.State != schedule.On || !strings.Contains(h.Why, "leased by alice") {
		t.Errorf("qa1 hold = %+v, want on by alice's lease", h)
	}
	if h := holds["i-qa2"]; h.Status.State != schedule.Off || !h.Unscheduled {
		t.Errorf("qa2 hold = %+v, want off as idle", h)
	}
	if _, ok := holds["i-qa3"]; ok {
		t.Errorf("qa3, whose lease ended, is held: %+v", holds["i-qa3"])
	}
	// A deploy to qa2 makes it active again: no idle stop.
	if err := st.SaveDelivery(ctx, delivery.Data{Deployments: []delivery.Deployment{{ID: "x", Service: "shop", Environment: "qa2", Finished: now.Add(-time.Hour), Result: delivery.Success, CommitSHA: "abc123"}}}); err != nil {
		t.Fatal(err)
	}
	if holds, err = r.leaseHolds(ctx, cfg, st, rs, now); err != nil {
		t.Fatal(err)
	}
	if h, ok := holds["i-qa2"]; ok {
		t.Errorf("qa2 deployed an hour ago is held: %+v", h)
	}
}

// TestLeaseNoticeWebhook: the holder of a stolen lease is told through
// notify.webhook_url, with the text and the lease as JSON.
func TestLeaseNoticeWebhook(t *testing.T) {
	type leaseMessage struct {
		Event  string     `json:"event"`
		Text   string     `json:"text"`
		Notice env.Notice `json:"notice"`
	}
	var got []leaseMessage
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m leaseMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		got = append(got, m)
	}))
	defer hook.Close()
	w := newEnvWorld(t)
	w.cfg = filepath.Join(t.TempDir(), "steward.yaml")
	if err := os.WriteFile(w.cfg, []byte("notify:\n  webhook_url: "+hook.URL+"/lease\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.ok("env", "claim", "qa2", "--for", "1h", "--purpose", "PR #9")
	w.user = "bob"
	w.ok("env", "claim", "qa2", "--steal", "--reason", "incident repro")
	if len(got) != 1 {
		t.Fatalf("webhook got %d posts, want 1: %+v", len(got), got)
	}
	m := got[0]
	if m.Event != "lease.stolen" || m.Notice.To != "alice" || m.Notice.By != "bob" || m.Notice.Lease.Purpose != "PR #9" ||
		!strings.Contains(m.Text, "qa2 was taken from you by bob: incident repro") {
		t.Errorf("webhook message = %+v", m)
	}
}

// TestDemoLeasesSeededOnceByRacingDemos starts demos at once on one store,
// each with its own connection and a clock a few seconds apart (so their
// lease ids differ): every one succeeds and the board is seeded once.
func TestDemoLeasesSeededOnceByRacingDemos(t *testing.T) {
	ctx := context.Background()
	path := emptyStore(t, t.TempDir(), "s.db")
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	const demos = 6
	errs := make(chan error, demos)
	for i := range demos {
		go func() {
			st, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			now := start.Add(time.Duration(i) * time.Second)
			r := &runner{env: Env{Now: func() time.Time { return now }}, g: &Globals{}, log: slog.New(slog.DiscardHandler), lang: i18n.EN}
			errs <- r.saveDemoLeases(ctx, st)
		}()
	}
	for range demos {
		if err := <-errs; err != nil {
			t.Errorf("a demo failed: %v", err)
		}
	}
	st, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.Leases(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	perEnv := map[string]int{}
	for _, l := range all {
		perEnv[l.Environment]++
	}
	// qa3 has two leases (one stolen, one live); every other environment one.
	want := map[string]int{"qa1": 1, "qa2": 1, "qa3": 2, "qa4": 1, "qa6": 1, "qa7": 1, "qa8": 1, "qa9": 1}
	for e, n := range want {
		if perEnv[e] != n {
			t.Errorf("%s has %d leases after %d racing demos, want %d (all: %v)", e, perEnv[e], demos, n, perEnv)
		}
	}
}

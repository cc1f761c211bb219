package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/store"
)

func TestSlackRunSummary(t *testing.T) {
	stop := func(id, name string) action.Change {
		return action.Change{ID: id, Ref: action.Ref{ARN: "arn:" + name, Type: "AWS::RDS::DBInstance", Name: name}, Action: action.Stop, Why: "office-hours: off"}
	}
	var many []action.Change
	for i := range 12 {
		many = append(many, stop(string(rune('a'+i)), "db-"+string(rune('a'+i))))
	}
	tests := map[string]struct {
		sum  runSummary
		lang i18n.Lang
		want string
	}{
		"a failure and markup": {
			sum: runSummary{Planned: []action.Change{stop("1", "db-<1>"), stop("2", "db-2")}, Failed: 1,
				Outcomes: []action.Outcome{{Change: stop("1", "db-<1>"), Status: store.JournalDone}, {Change: stop("2", "db-2"), Status: store.JournalFailed, Error: "AccessDenied"}}},
			lang: i18n.EN,
			want: "*Schedule run*: 2 stopped, 0 started, 1 failed\n" +
				"• stop db-&lt;1&gt; (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-2 (AWS::RDS::DBInstance): office-hours: off :x: failed: AccessDenied",
		},
		"japanese dry run": {
			sum:  runSummary{DryRun: true, Planned: []action.Change{stop("1", "db-1")}},
			lang: i18n.JA,
			want: "*スケジュール実行（ドライラン、変更なし）*: 停止予定 1 件、起動予定 0 件\n• stop db-1 (AWS::RDS::DBInstance): office-hours: off",
		},
		"long run is cut": {
			sum:  runSummary{Planned: many, Error: "throttled"},
			lang: i18n.EN,
			want: "*Schedule run*: 12 stopped, 0 started, 0 failed\n" +
				"• stop db-a (AWS::RDS::DBInstance): office-hours: off\n• stop db-b (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-c (AWS::RDS::DBInstance): office-hours: off\n• stop db-d (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-e (AWS::RDS::DBInstance): office-hours: off\n• stop db-f (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-g (AWS::RDS::DBInstance): office-hours: off\n• stop db-h (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-i (AWS::RDS::DBInstance): office-hours: off\n• stop db-j (AWS::RDS::DBInstance): office-hours: off\n" +
				"…and 2 more\n:warning: the run stopped: throttled",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, slackRunSummary(tc.sum, tc.lang)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// After the server's cost ingest, a budget over its limit is told to
// the team of its system, once however often the bill is ingested again.
func TestCostIngestJobPostsAlerts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, _, _ := testEnv()
	var mu sync.Mutex
	var posts []string
	fakeSlack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("fake Slack: %v", err)
		}
		mu.Lock()
		posts = append(posts, r.Form.Get("channel")+" "+r.Form.Get("text"))
		mu.Unlock()
		w.Write([]byte(`{"ok":true,"channel":"C1","ts":"1.2"}`))
	}))
	defer fakeSlack.Close()
	env.Getenv = func(k string) string {
		switch k {
		case config.DefaultSlackBotTokenEnv:
			return "xoxb-test"
		case SlackAPIURLEnv:
			return fakeSlack.URL + "/"
		}
		return ""
	}
	env.IsTTY = func(io.Writer) (bool, int) { return false, 0 }
	r := &runner{env: env, g: &Globals{Store: filepath.Join(dir, "steward.db")}, lang: "en", log: slog.New(slog.DiscardHandler)}
	bill, cleanup, err := r.writeDemoBill()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	conf := filepath.Join(dir, "steward.yaml")
	yml := "serve:\n  cost_ingest: [" + bill + "]\n" +
		"cost:\n  budgets:\n    - {system: shop, env: prod, monthly: 1}\n  anomaly:\n    fail_impact: 1000000\n" +
		"slack:\n  channel: \"#sre\"\nteams:\n  shop:\n    services: [api]\n    slack_channel: \"#team-shop\"\n"
	if err := os.WriteFile(conf, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	r.g.Config = conf
	ctx := context.Background()
	cfg, err := r.config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := r.serveJobs(cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	var ingest func(context.Context) error
	for _, j := range jobs {
		if j.Name == "cost-ingest" {
			ingest = j.Run
		}
	}
	if ingest == nil {
		t.Fatal("no cost-ingest job")
	}
	for range 2 {
		if err := ingest(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 1 || !strings.HasPrefix(posts[0], "#team-shop :money_with_wings: budget system=shop env=prod: ") || !strings.Contains(posts[0], "over $1.00") {
		t.Errorf("Slack posts after two ingests: %q", posts)
	}
}

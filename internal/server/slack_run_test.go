package server

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
)

// recorder stands for the command line: it remembers each command and
// who ran it, and prints what the test says.
type recorder struct {
	mu   sync.Mutex
	runs []string
	out  string
	err  error
}

func (r *recorder) run(_ context.Context, who string, args []string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, who+": "+strings.Join(args, " | "))
	return r.out, r.err
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.runs...)
}

func runServer(t *testing.T, rec *recorder) (*Server, *fakeWebAPI) {
	t.Helper()
	api := newFakeWebAPI(t)
	cfg := config.Default()
	cfg.Slack.Users = map[string]string{"U2147483697": "hanako@example.co.jp", "U0TARO": "taro@example.co.jp"}
	cfg.Slack.Channel = "#sre"
	cfg.Serve.Auth.Users = map[string]string{"hanako@example.co.jp": "operator", "taro@example.co.jp": "viewer"}
	s, err := New(Options{Config: cfg, Store: openStore(t), Dev: true, Lang: i18n.EN, RunCommand: rec.run, SlackAPIURL: api.srv.URL + "/",
		Getenv: func(k string) string {
			switch k {
			case config.DefaultSlackSigningSecretEnv:
				return slackSecret
			case config.DefaultSlackBotTokenEnv:
				return "xoxb-test"
			}
			return ""
		}})
	if err != nil {
		t.Fatal(err)
	}
	return s, api
}

// Slack commands that act run the command line for the person who asked,
// with their words turned into its flags.
func TestSlackCommandsRunTheCommandLine(t *testing.T) {
	// Each command has a server, store and Slack of its own.
	t.Parallel()
	tests := []struct {
		text, user string
		want       string // the command run; empty: none
		answer     string // in the answer
	}{
		{"bastion up 1h check the orders table", "U2147483697", "hanako@example.co.jp: bastion | up | --ttl | 1h | --reason | check the orders table", "bastion is up"},
		{"bastion up check the orders table", "U2147483697", "hanako@example.co.jp: bastion | up | --reason | check the orders table", ""},
		{"bastion up 2h", "U2147483697", "", "Say why"},
		{"bastion down done", "U2147483697", "hanako@example.co.jp: bastion | down | --reason | done", ""},
		{"bastion status", "U0TARO", "taro@example.co.jp: bastion | status", ""},
		{"bastion up 1h just looking", "U0TARO", "", "needs the operator role"},
		{"schedule override qa3 until 22:00 release rehearsal", "U2147483697", "hanako@example.co.jp: schedule | override | add | qa3 | --on | --until | 22:00 | --reason | release rehearsal", ""},
		{"schedule override shop-dev-db off until 2h", "U2147483697", "hanako@example.co.jp: schedule | override | add | shop-dev-db | --off | --until | 2h | --reason | asked in Slack", ""},
		{"schedule override list", "U0TARO", "taro@example.co.jp: schedule | override | list", ""},
		{"schedule override qa3 tonight", "U2147483697", "", "schedule override qa3 [on|off] until"},
		{"schedule override qa3 until 22:00", "U0TARO", "", "needs the operator role"},
		{"cost env", "U0TARO", "taro@example.co.jp: cost | show | --by | env | --top | 10", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{out: "bastion is up: aws ssm start-session ...\n"}
			s, _ := runServer(t, rec)
			resp := newFakeSlack(t)
			now := time.Now().Unix()
			body := command(t, resp.srv.URL, tc.text, tc.user, "t-"+tc.text)
			serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
			m := allText(resp.next(t))
			runs := rec.all()
			switch {
			case tc.want == "" && len(runs) > 0:
				t.Errorf("ran %q, want nothing", runs)
			case tc.want != "" && (len(runs) != 1 || runs[0] != tc.want):
				t.Errorf("ran %q, want %q", runs, tc.want)
			}
			if tc.answer != "" && !strings.Contains(m, tc.answer) {
				t.Errorf("answer lacks %q:\n%s", tc.answer, m)
			}
		})
	}
}

// A command that fails answers with what it printed, to the asker only;
// a bastion started is told in slack.channel for the audit.
func TestSlackRunRefusalAndAudit(t *testing.T) {
	rec := &recorder{out: "steward: no bastion: configure bastion: in steward.yaml\n", err: errors.New("exit 2")}
	s, api := runServer(t, rec)
	resp := newFakeSlack(t)
	now := time.Now().Unix()
	body := command(t, resp.srv.URL, "bastion up 1h look", "U2147483697", "t-refused")
	serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
	m := allText(resp.next(t))
	if !strings.Contains(m, "no bastion: configure bastion") || !strings.Contains(m, `"ephemeral"`) {
		t.Errorf("refusal:\n%s", m)
	}
	if posts := api.all(); len(posts) != 0 {
		t.Errorf("a refused bastion was audited: %q", posts)
	}

	rec.out, rec.err = "bastion up until 13:00\n", nil
	body = command(t, resp.srv.URL, "bastion up 1h look", "U2147483697", "t-ok")
	serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
	resp.next(t)
	if posts := api.all(); len(posts) != 1 || !strings.HasPrefix(posts[0], "#sre: ") || !strings.Contains(posts[0], "hanako@example.co.jp ran `bastion up --ttl 1h --reason look`") {
		t.Errorf("audit posts: %q", posts)
	}
}

func TestCodeBlock(t *testing.T) {
	long := strings.Repeat("line of a wide table\n", 400)
	got := codeBlock(long)
	if len(got) > maxCodeBlock+20 || !strings.HasSuffix(got, "…\n```") || !strings.HasPrefix(got, "```\n") {
		t.Errorf("long output: %d bytes, ends %q", len(got), got[len(got)-10:])
	}
	if got := codeBlock("a ``` b"); strings.Count(got, "```") != 2 {
		t.Errorf("a fence inside the output: %q", got)
	}
}

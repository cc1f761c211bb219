package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// fakeWebAPI is Slack's Web API as the bot sees it: chat.postMessage
// answers ok and remembers channel and text.
type fakeWebAPI struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []string
}

func newFakeWebAPI(t *testing.T) *fakeWebAPI {
	f := &fakeWebAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f.mu.Lock()
		f.posts = append(f.posts, r.Form.Get("channel")+": "+r.Form.Get("text"))
		f.mu.Unlock()
		w.Write([]byte(`{"ok":true,"channel":"D1","ts":"1.2"}`))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWebAPI) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.posts...)
}

func envServer(t *testing.T) (*Server, *fakeWebAPI) {
	t.Helper()
	st := openStore(t)
	api := newFakeWebAPI(t)
	cfg := config.Default()
	cfg.Slack.Users = map[string]string{"U2147483697": "hanako@example.co.jp", "U0TARO": "taro@example.co.jp"}
	cfg.Slack.Channel = "#sre"
	cfg.Serve.Auth.Users = map[string]string{"hanako@example.co.jp": "operator", "taro@example.co.jp": "viewer"}
	s, err := New(Options{Config: cfg, Store: st, Dev: true, SlackAPIURL: api.srv.URL + "/", Getenv: func(k string) string {
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
	at := time.Now().Add(-time.Hour).UTC()
	var rs []inventory.Resource
	for _, e := range []string{"qa1", "qa2", "prod"} {
		rs = append(rs, inventory.Resource{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-" + e, Type: "AWS::EC2::Instance",
			Account: "111111111111", Region: "ap-northeast-1", Name: "shop-" + e + "-web",
			Tags: inventory.TagsOf(map[string]string{"env": e, "system": "shop"}), State: "running"})
	}
	if _, err := st.SaveScan(context.Background(), &inventory.Scan{ID: "s1", Source: "demo", Started: at, Finished: at.Add(time.Minute)}, rs, nil); err != nil {
		t.Fatal(err)
	}
	return s, api
}

func TestAPIEnvironments(t *testing.T) {
	s, api := envServer(t)
	code, b := get(t, s.Handler(), "/api/environments")
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	board := decode[struct{ Environments []env.Row }](t, b)
	rows := map[string]env.Row{}
	for _, r := range board.Environments {
		rows[r.Name] = r
	}
	if r := rows["qa1"]; r.State != env.Running || !r.Leasable || r.Lease != nil {
		t.Errorf("qa1 row %+v", r)
	}
	if r := rows["prod"]; r.Leasable {
		t.Errorf("prod is leasable: %+v", r)
	}

	code, b = post(t, s.Handler(), "/api/environments/qa1/claim", `{"for":"4h","purpose":"PR #123 payment QA"}`)
	l := decode[env.Lease](t, b)
	if code != 200 || l.Holder != "dev" || l.Purpose != "PR #123 payment QA" || l.Until.Sub(l.Start) != 4*time.Hour {
		t.Fatalf("claim: %d %s", code, b)
	}
	for _, tc := range []struct{ path, body, want string }{
		{"/api/environments/prod/claim", "", "cannot be leased"},
		{"/api/environments/qa99/claim", "", "qa99"},
		{"/api/environments/qa2/release", "", "not leased"},
	} {
		if code, b := post(t, s.Handler(), tc.path, tc.body); code != http.StatusConflict || !strings.Contains(b, tc.want) {
			t.Errorf("POST %s = %d %s, want 409 with %q", tc.path, code, b, tc.want)
		}
	}
	if code, b := post(t, s.Handler(), "/api/environments/qa2/claim", `{"for":"forever"}`); code != 400 {
		t.Errorf("bad length: %d %s", code, b)
	}
	if code, _ := post(t, s.Handler(), "/api/environments/qa1/extend", `{"for":"2h"}`); code != 200 {
		t.Errorf("extend: %d", code)
	}
	if code, _ := post(t, s.Handler(), "/api/environments/qa1/release", ""); code != 200 {
		t.Errorf("release: %d", code)
	}
	if n := len(api.all()); n != 0 {
		t.Errorf("%d Slack posts for the holder's own changes, want 0: %q", n, api.all())
	}
}

// From Slack: the board with buttons, a claim, a refusal, a press of a
// button, and a steal told to the holder by direct message.
func TestSlackEnvironments(t *testing.T) {
	s, api := envServer(t)
	resp := newFakeSlack(t)
	now := time.Now().Unix()
	send := func(text, user, trigger string) {
		body := command(t, resp.srv.URL, text, user, trigger)
		if rec := serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body))); rec.Code != 200 {
			t.Fatalf("%s: %d %s", text, rec.Code, rec.Body)
		}
	}
	send("env", "U2147483697", "t1")
	m := allText(resp.next(t))
	for _, want := range []string{"*Environments*", "*qa1*", `"action_id":"env.claim"`, `"value":"qa1"`, `"response_type":"in_channel"`} {
		if !strings.Contains(m, want) {
			t.Errorf("board lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, `"value":"prod"`) {
		t.Errorf("prod has a button:\n%s", m)
	}

	send("env claim qa1 4h PR #123 payment QA", "U2147483697", "t2")
	if m := allText(resp.next(t)); !strings.Contains(m, "hanako@example.co.jp claimed *qa1* until") {
		t.Errorf("claim: %s", m)
	}
	send("env claim qa1 1h", "U0TARO", "t3")
	if m := allText(resp.next(t)); !strings.Contains(m, "needs the operator role") {
		t.Errorf("a viewer's claim: %s", m)
	}

	// A button press: release from the board.
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": "t4", "response_url": resp.srv.URL,
		"user":    map[string]string{"id": "U2147483697", "name": "hanako"},
		"actions": []map[string]string{{"action_id": "env.release", "value": "qa1", "type": "button", "block_id": "env:qa1"}},
	})
	body := "payload=" + url.QueryEscape(string(payload))
	if rec := serveSlack(s, slackRequest("/slack/interactions", body, now, slackSign(now, body))); rec.Code != 200 {
		t.Fatalf("interaction: %d %s", rec.Code, rec.Body)
	}
	m = allText(resp.next(t))
	if !strings.Contains(m, "hanako@example.co.jp released *qa1*") || !strings.Contains(m, `"replace_original":true`) || !strings.Contains(m, `"action_id":"env.claim"`) {
		t.Errorf("after the release button, the board is not redrawn:\n%s", m)
	}

	// hanako claims again; the dev user steals it with a reason; hanako
	// hears of it in a direct message.
	send("env claim qa2 2h", "U2147483697", "t5")
	resp.next(t)
	if code, b := post(t, s.Handler(), "/api/environments/qa2/claim", `{"steal":true,"reason":"prod incident repro"}`); code != 200 {
		t.Fatalf("steal: %d %s", code, b)
	}
	posts := api.all()
	if len(posts) != 1 || !strings.HasPrefix(posts[0], "U2147483697: ") || !strings.Contains(posts[0], "prod incident repro") {
		t.Errorf("Slack posts after a steal: %q", posts)
	}
}

func TestSlackEnvironmentsJapanese(t *testing.T) {
	s, _ := envServer(t)
	s.lang = i18n.JA
	resp := newFakeSlack(t)
	now := time.Now().Unix()
	body := command(t, resp.srv.URL, "env", "U2147483697", "tj")
	serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
	if m := allText(resp.next(t)); !strings.Contains(m, "環境一覧") || !strings.Contains(m, "確保する") || !strings.Contains(m, "稼働中") {
		t.Errorf("board in Japanese:\n%s", m)
	}
}

// A board of more environments than a Slack message holds stops at
// Slack's 50 blocks and says how many are left out.
func TestSlackBoardFitsAMessage(t *testing.T) {
	s, _ := envServer(t)
	cfg, err := config.Parse("steward.yaml", []byte("tags:\n  required:\n    env: [qa1..qa40]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.cfg = cfg
	msg, err := s.slackBoard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := len(msg.Blocks.BlockSet)
	if n > 50 {
		t.Errorf("%d blocks, Slack takes 50", n)
	}
	if m := allText(*msg); !strings.Contains(m, "more: `steward env list`") {
		t.Errorf("no note of the environments left out:\n%s", m)
	}
}

// A pipeline asks before deploying and records after: a deploy to an
// environment someone else holds is flagged (refused by the check when
// configured), and one to a free environment leases it to the deployer.
func TestDeploysAndLeases(t *testing.T) {
	s, _ := envServer(t)
	if code, b := post(t, s.Handler(), "/api/environments/qa1/claim", `{"purpose":"PR #9"}`); code != 200 {
		t.Fatalf("claim: %d %s", code, b)
	}
	code, b := post(t, s.Handler(), "/api/deployments/check", `{"service":"shop","environment":"qa1","actor":"erin"}`)
	if code != 200 || !strings.Contains(b, `"allowed": true`) || !strings.Contains(b, "qa1 is leased by dev (PR #9)") {
		t.Errorf("check, allowed with a warning: %d %s", code, b)
	}
	if code, b := post(t, s.Handler(), "/api/deployments/check", `{"service":"shop","environment":"qa1"}`); code != 200 || strings.Contains(b, "warning") {
		t.Errorf("check by the holder: %d %s", code, b)
	}
	s.cfg.Leases.RefuseForeignDeploys = true
	if code, b := post(t, s.Handler(), "/api/deployments/check", `{"service":"shop","environment":"qa1","actor":"erin"}`); code != http.StatusConflict || !strings.Contains(b, `"allowed": false`) {
		t.Errorf("check, refused: %d %s", code, b)
	}
	sha := `"commit_sha":"0123456789abcdef0123456789abcdef01234567"`
	code, b = post(t, s.Handler(), "/api/deployments", `{"service":"shop","environment":"qa1","result":"success","actor":"erin",`+sha+`}`)
	if code != 201 || !strings.Contains(b, `"leased_by": "dev"`) || !strings.Contains(b, `"foreign"`) {
		t.Errorf("record to a held environment: %d %s", code, b)
	}
	code, b = post(t, s.Handler(), "/api/deployments", `{"service":"shop","environment":"qa2","result":"success","actor":"erin",`+sha+`}`)
	if code != 201 || !strings.Contains(b, `"claimed"`) {
		t.Fatalf("record to a free environment: %d %s", code, b)
	}
	_, b = get(t, s.Handler(), "/api/environments")
	if !strings.Contains(b, `"holder": "erin"`) || !strings.Contains(b, `"via": "deploy"`) {
		t.Errorf("qa2 is not leased to erin by the deploy:\n%s", b)
	}
}

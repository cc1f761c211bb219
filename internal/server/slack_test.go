package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// fakeSlack stands for Slack's side: it receives what steward posts to a
// command's response_url.
type fakeSlack struct {
	srv  *httptest.Server
	mu   sync.Mutex
	msgs []slack.WebhookMessage
	got  chan struct{}
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{got: make(chan struct{}, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slack.WebhookMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("fake Slack: %v", err)
		}
		f.mu.Lock()
		f.msgs = append(f.msgs, m)
		f.mu.Unlock()
		f.got <- struct{}{}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// next waits for the next message steward posts.
func (f *fakeSlack) next(t *testing.T) slack.WebhookMessage {
	t.Helper()
	select {
	case <-f.got:
	case <-time.After(10 * time.Second):
		t.Fatal("steward posted nothing to the response_url within 10s")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs[len(f.msgs)-1]
}

func (f *fakeSlack) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs)
}

// allText is a message's text and every block's text, for assertions.
func allText(m slack.WebhookMessage) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m)
	return strings.NewReplacer(`\"`, `"`, `\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(b.String())
}

func slackSign(ts int64, body string) string {
	m := hmac.New(sha256.New, []byte(slackSecret))
	fmt.Fprintf(m, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// slackRequest is a request as Slack sends it, signed at ts.
func slackRequest(path, body string, ts int64, sig string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", sig)
	return req
}

func slackServer(t *testing.T, lang i18n.Lang) (*Server, store.Store) {
	t.Helper()
	st := openStore(t)
	cfg := config.Default()
	cfg.Slack.Users = map[string]string{"U2147483697": "hanako@example.co.jp"}
	cfg.Serve.Auth.Users = map[string]string{"hanako@example.co.jp": "operator"}
	s, err := New(Options{Config: cfg, Store: st, Dev: true, Lang: lang, Getenv: func(k string) string {
		if k == config.DefaultSlackSigningSecretEnv {
			return slackSecret
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).UTC()
	rs := []inventory.Resource{
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-1", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1", Name: "<!channel> shop-prod-data"},
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-2", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1", Name: "other"},
	}
	fs := []finding.Finding{
		{Policy: "ebs-unattached", ARN: rs[0].ARN, Name: rs[0].Name, Severity: finding.Low, Owner: "hanako", Message: "unattached for 40 days"},
		{Policy: "ebs-unencrypted", ARN: rs[0].ARN, Name: rs[0].Name, Severity: finding.High, Owner: "hanako@example.co.jp", Message: "not encrypted"},
		{Policy: "ebs-unattached", ARN: rs[1].ARN, Name: rs[1].Name, Severity: finding.Low, Owner: "taro", Message: "unattached"},
	}
	if _, err := st.SaveScan(ctx, &inventory.Scan{ID: "s1", Source: "demo", Started: at, Finished: at.Add(time.Minute)}, rs, fs); err != nil {
		t.Fatal(err)
	}
	return s, st
}

func command(t *testing.T, responseURL, text, userID, trigger string) string {
	raw, err := os.ReadFile("testdata/slack/command-findings-mine.txt")
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	v.Set("response_url", responseURL)
	v.Set("text", text)
	v.Set("user_id", userID)
	v.Set("trigger_id", trigger)
	return v.Encode()
}

func serveSlack(s *Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func TestSlackSignatures(t *testing.T) {
	s, _ := slackServer(t, i18n.EN)
	fs := newFakeSlack(t)
	body := command(t, fs.srv.URL, "help", "U2147483697", "t-sig")
	now := time.Now().Unix()
	tests := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"unsigned", slackRequest("/slack/commands", body, now, ""), 401},
		{"signed with another secret", slackRequest("/slack/commands", body, now, "v0="+strings.Repeat("ab", 32)), 401},
		{"body changed after signing", slackRequest("/slack/commands", body+"&text=release", now, slackSign(now, body)), 401},
		{"six minutes old", slackRequest("/slack/commands", body, now-360, slackSign(now-360, body)), 401},
		{"from the future", slackRequest("/slack/commands", body, now+360, slackSign(now+360, body)), 401},
		{"events unsigned", slackRequest("/slack/events", `{"type":"url_verification","challenge":"x"}`, now, ""), 401},
		{"interactions unsigned", slackRequest("/slack/interactions", "payload=%7B%7D", now, ""), 401},
		{"signed now", slackRequest("/slack/commands", body, now, slackSign(now, body)), 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if rec := serveSlack(s, tc.req); rec.Code != tc.want {
				t.Errorf("%d %s, want %d", rec.Code, rec.Body, tc.want)
			}
		})
	}
	fs.next(t) // the one signed request was answered
	if n := fs.count(); n != 1 {
		t.Errorf("%d messages posted, want 1 (only the signed request)", n)
	}

	off := newServer(t, openStore(t))
	if rec := serveSlack(off, slackRequest("/slack/commands", body, now, slackSign(now, body))); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("no signing secret configured: %d, want 503", rec.Code)
	}
}

func TestSlackFindingsMine(t *testing.T) {
	s, _ := slackServer(t, i18n.EN)
	fs := newFakeSlack(t)
	now := time.Now().Unix()
	body := command(t, fs.srv.URL, "findings mine", "U2147483697", "t-mine")
	rec := serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Working on") || !strings.Contains(rec.Body.String(), `"ephemeral"`) {
		t.Fatalf("acknowledgement: %d %s", rec.Code, rec.Body)
	}
	m := allText(fs.next(t))
	for _, want := range []string{"2 open findings owned by hanako@example.co.jp", "ebs-unencrypted", "ebs-unattached", "&lt;!channel&gt; shop-prod-data", ":large_orange_circle:"} {
		if !strings.Contains(m, want) {
			t.Errorf("message lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "taro") || strings.Contains(m, "<!channel>") {
		t.Errorf("message shows another owner's finding or unescaped markup:\n%s", m)
	}
	if i, j := strings.Index(m, "ebs-unencrypted"), strings.Index(m, "ebs-unattached"); i > j {
		t.Errorf("the high finding is not listed first:\n%s", m)
	}

	// Slack retries the same command: acknowledged, not done again.
	retry := slackRequest("/slack/commands", body, now, slackSign(now, body))
	retry.Header.Set("X-Slack-Retry-Num", "1")
	if rec := serveSlack(s, retry); rec.Code != 200 {
		t.Errorf("retry: %d", rec.Code)
	}
	time.Sleep(200 * time.Millisecond)
	if n := fs.count(); n != 1 {
		t.Errorf("%d messages after a retry, want 1", n)
	}
}

func TestSlackUnknownUserAndCommand(t *testing.T) {
	s, _ := slackServer(t, i18n.EN)
	fs := newFakeSlack(t)
	now := time.Now().Unix()
	body := command(t, fs.srv.URL, "findings mine", "U0STRANGER", "t-stranger")
	rec := serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
	if !strings.Contains(rec.Body.String(), "U0STRANGER") || !strings.Contains(rec.Body.String(), "slack.users") {
		t.Errorf("unlinked user: %s", rec.Body)
	}
	body = command(t, fs.srv.URL, "launch missiles", "U2147483697", "t-unknown")
	rec = serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
	if !strings.Contains(rec.Body.String(), "launch missiles") || !strings.Contains(rec.Body.String(), "/steward help") {
		t.Errorf("unknown command: %s", rec.Body)
	}
	time.Sleep(100 * time.Millisecond)
	if n := fs.count(); n != 0 {
		t.Errorf("%d messages posted for refused commands, want 0", n)
	}
}

func TestSlackJapanese(t *testing.T) {
	s, _ := slackServer(t, i18n.JA)
	fs := newFakeSlack(t)
	now := time.Now().Unix()
	body := command(t, fs.srv.URL, "findings mine", "U2147483697", "t-ja")
	rec := serveSlack(s, slackRequest("/slack/commands", body, now, slackSign(now, body)))
	if !strings.Contains(rec.Body.String(), "処理しています") {
		t.Errorf("acknowledgement in Japanese: %s", rec.Body)
	}
	if m := allText(fs.next(t)); !strings.Contains(m, "が担当する未解決の検出事項: 2 件") {
		t.Errorf("message in Japanese:\n%s", m)
	}
}

func TestSlackDora(t *testing.T) {
	s, st := slackServer(t, i18n.EN)
	now := time.Now().UTC()
	var d delivery.Data
	for i := range 10 {
		at := now.AddDate(0, 0, -i-1).Truncate(time.Second)
		res := delivery.Success
		if i == 3 {
			res = delivery.Failure
		}
		d.Deployments = append(d.Deployments, delivery.Deployment{ID: fmt.Sprintf("d%d", i), Service: "api", Environment: "production", Finished: at, Result: res, CommitSHA: fmt.Sprintf("%040x", i+1)})
	}
	if err := st.SaveDelivery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	fs := newFakeSlack(t)
	ts := now.Unix()
	body := command(t, fs.srv.URL, "dora api 14", "U2147483697", "t-dora")
	serveSlack(s, slackRequest("/slack/commands", body, ts, slackSign(ts, body)))
	m := allText(fs.next(t))
	for _, want := range []string{"Four Keys of api", "last 14 days", "Deployment frequency", "Change failure rate", "10% (1/10)", `"in_channel"`} {
		if !strings.Contains(m, want) {
			t.Errorf("message lacks %q:\n%s", want, m)
		}
	}
	body = command(t, fs.srv.URL, "dora api forever", "U2147483697", "t-dora2")
	serveSlack(s, slackRequest("/slack/commands", body, ts, slackSign(ts, body)))
	if m := allText(fs.next(t)); !strings.Contains(m, `"forever" is not a number of days`) {
		t.Errorf("bad days: %s", m)
	}
}

func TestSlackEvents(t *testing.T) {
	s, _ := slackServer(t, i18n.EN)
	now := time.Now().Unix()
	raw, err := os.ReadFile("testdata/slack/event-url-verification.json")
	if err != nil {
		t.Fatal(err)
	}
	rec := serveSlack(s, slackRequest("/slack/events", string(raw), now, slackSign(now, string(raw))))
	if rec.Code != 200 || rec.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q", rec.Code, rec.Body)
	}
	raw, err = os.ReadFile("testdata/slack/event-app-mention.json")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if rec := serveSlack(s, slackRequest("/slack/events", string(raw), now, slackSign(now, string(raw)))); rec.Code != 200 {
			t.Errorf("event: %d %s", rec.Code, rec.Body)
		}
	}
	if s.slackSeen.first("event:Ev0LAN670R", time.Now()) {
		t.Error("the event id was not remembered")
	}
	if rec := serveSlack(s, slackRequest("/slack/events", "{", now, slackSign(now, "{"))); rec.Code != 400 {
		t.Errorf("signed garbage: %d, want 400", rec.Code)
	}
}

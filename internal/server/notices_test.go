package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// slackPost is one chat.postMessage the fake Slack received.
type slackPost struct {
	Channel, Text string
	Blocks        []map[string]any
	// Raw is the blocks' JSON, for looking for words anywhere in them.
	Raw string
}

// recordingSlack is Slack's Web API keeping every post whole; posts to a
// channel in fail are answered with Slack's error.
type recordingSlack struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []slackPost
	fail  map[string]bool
}

func newRecordingSlack(t *testing.T) *recordingSlack {
	f := &recordingSlack{fail: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
			t.Errorf("fake Slack: unexpected call %s", r.URL.Path)
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("fake Slack: %v", err)
		}
		p := slackPost{Channel: r.Form.Get("channel"), Text: r.Form.Get("text"), Raw: r.Form.Get("blocks")}
		if p.Raw != "" {
			if err := json.Unmarshal([]byte(p.Raw), &p.Blocks); err != nil {
				t.Errorf("fake Slack: blocks are not JSON: %v", err)
			}
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(p.Blocks)
			p.Raw = b.String()
		}
		f.mu.Lock()
		failing := f.fail[p.Channel]
		if !failing {
			f.posts = append(f.posts, p)
		}
		f.mu.Unlock()
		if failing {
			w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
			return
		}
		w.Write([]byte(`{"ok":true,"channel":"C1","ts":"1.2"}`))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *recordingSlack) take() []slackPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.posts
	f.posts = nil
	return out
}

// wait takes the posts once n have arrived (notices after a request go
// out in the background).
func (f *recordingSlack) wait(t *testing.T, n int) []slackPost {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		got := len(f.posts)
		f.mu.Unlock()
		if got >= n {
			return f.take()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fake Slack: %d posts did not arrive: %+v", n, f.take())
	return nil
}

// noticeServer is a server with two teams, a fallback channel, a bot
// token and a fake Slack, on st, at now.
func noticeServer(t *testing.T, st store.Store, api *recordingSlack, now time.Time) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.TimeZone = "Asia/Tokyo"
	cfg.Slack.Channel = "#sre"
	cfg.Serve.Auth.PublicURL = "https://steward.example.com"
	cfg.Teams = map[string]config.Team{
		"shop":   {Services: []string{"api", "web"}, SlackChannel: "#team-shop"},
		"search": {Services: []string{"indexer"}}, // no channel: slack.channel
	}
	s, err := New(Options{Config: cfg, Store: st, Dev: true, SlackAPIURL: api.srv.URL + "/", Now: func() time.Time { return now },
		Getenv: func(k string) string {
			if k == config.DefaultSlackBotTokenEnv {
				return "xoxb-test"
			}
			return ""
		}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDigestDue(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	tests := map[string]struct{ now, want string }{
		"just after":    {"2026-12-07T09:30:00+09:00", "2026-12-07T09:00:00+09:00"}, // a Monday
		"just before":   {"2026-12-07T08:59:00+09:00", "2026-11-30T09:00:00+09:00"},
		"mid-week":      {"2026-12-10T12:00:00+09:00", "2026-12-07T09:00:00+09:00"},
		"sunday night":  {"2026-12-13T23:59:00+09:00", "2026-12-07T09:00:00+09:00"},
		"utc is sunday": {"2026-12-07T00:30:00Z", "2026-12-07T09:00:00+09:00"}, // 09:30 Monday in Tokyo
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, tc.now)
			want, _ := time.Parse(time.RFC3339, tc.want)
			if got := digestDue(now, tokyo, time.Monday, 9*60); !got.Equal(want) {
				t.Errorf("digestDue(%s) = %s, want %s", tc.now, got, want)
			}
		})
	}
}

// The weekly digest: each team's new findings and waste in its channel,
// the findings no team owns in slack.channel, once a week however many
// runs or servers there are, and again after a post that failed.
func TestWeeklyDigest(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	// Monday 7 December 2026, 10:00 in Tokyo: the digest of 30 Nov - 6 Dec.
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	mk := func(id, owner, system string, sev finding.Severity, waste float64) finding.Finding {
		cat := finding.Security
		if waste > 0 {
			cat = finding.Waste
		}
		return finding.Finding{Policy: "pol-" + id, Title: "Title " + id, Category: cat, Severity: sev,
			ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/" + id, Type: "AWS::EC2::Instance", Account: "111111111111",
			Region: "ap-northeast-1", Name: id, Owner: owner, System: system, MonthlyWaste: waste, Currency: "USD", Rate: 1}
	}
	old := []finding.Finding{mk("old-idle", "sato", "shop", finding.Medium, 40)}
	fresh := append(old,
		mk("new-public", "sato", "shop", finding.Critical, 0),
		mk("new-idle-lb", "kato", "api", finding.High, 18.5), // api is a shop service
		mk("new-search", "", "indexer", finding.Low, 0),
		mk("new-nobody", "", "", finding.Medium, 0))
	for i, sc := range []struct {
		at time.Time
		fs []finding.Finding
	}{{now.AddDate(0, 0, -20), old}, {now.AddDate(0, 0, -2), fresh}} {
		scan := &inventory.Scan{ID: "s" + string(rune('1'+i)), Source: "test", Started: sc.at, Finished: sc.at.Add(time.Minute), Currency: "USD", Rate: 1,
			Coverage: []inventory.Coverage{{Account: "111111111111", Region: "ap-northeast-1", Service: "ec2", OK: true}}}
		if _, err := st.SaveScan(ctx, scan, nil, sc.fs); err != nil {
			t.Fatal(err)
		}
	}
	api := newRecordingSlack(t)
	api.fail["#sre"] = true
	s := noticeServer(t, st, api, now)
	if err := s.sendDigests(ctx); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("a digest that could not be posted is not an error: %v", err)
	}
	posts := api.take()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want the shop team's only (#sre fails): %+v", len(posts), posts)
	}
	shop := posts[0]
	if shop.Channel != "#team-shop" {
		t.Errorf("shop's digest went to %s", shop.Channel)
	}
	if h := shop.Blocks[0]; h["type"] != "header" || !strings.Contains(h["text"].(map[string]any)["text"].(string), "Weekly digest: shop, 11-30 to 12-06") {
		t.Errorf("header block: %v", h)
	}
	for _, want := range []string{"*2* new findings (critical 1, high 1)", "Waste: *$58.50* per month in 2 open findings",
		"[critical] Title new-public", "[high] Title new-idle-lb", "($18.50/month)",
		"<https://steward.example.com/resource?arn=arn%3Aaws%3Aec2%3Aap-northeast-1%3A111111111111%3Ainstance%2Fnew-public|new-public>",
		"https://steward.example.com/findings?new=1"} {
		if !strings.Contains(shop.Raw, want) {
			t.Errorf("shop's digest lacks %q:\n%s", want, shop.Raw)
		}
	}
	if strings.Contains(shop.Raw, "old-idle]") || strings.Contains(shop.Raw, "new-search") || strings.Contains(shop.Raw, "new-nobody") {
		t.Errorf("shop's digest names findings that are not new or not shop's:\n%s", shop.Raw)
	}
	if !strings.HasPrefix(shop.Text, "Weekly digest: shop") {
		t.Errorf("notification text: %q", shop.Text)
	}

	// Slack is back: the failed digests go out, shop's is not sent again;
	// a second server on the same store sends nothing more.
	api.fail["#sre"] = false
	if err := s.sendDigests(ctx); err != nil {
		t.Fatal(err)
	}
	posts = api.take()
	if len(posts) != 2 {
		t.Fatalf("after the failure: %d posts, want search's and no team's in #sre: %+v", len(posts), posts)
	}
	for _, p := range posts {
		if p.Channel != "#sre" {
			t.Errorf("%q went to %s, want #sre", p.Text, p.Channel)
		}
	}
	if !strings.Contains(posts[0].Raw+posts[1].Raw, "findings no team owns") || !strings.Contains(posts[0].Raw+posts[1].Raw, "Weekly digest: search") {
		t.Errorf("the #sre digests:\n%s\n%s", posts[0].Raw, posts[1].Raw)
	}
	replica := noticeServer(t, st, api, now.Add(time.Hour))
	var wg sync.WaitGroup
	for _, srv := range []*Server{s, replica, replica} {
		wg.Go(func() {
			if err := srv.sendDigests(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := api.take(); len(p) != 0 {
		t.Errorf("the same week's digests sent again: %+v", p)
	}
	// Next week, the digest goes out again (nothing new, the waste remains).
	next := noticeServer(t, st, api, now.AddDate(0, 0, 7))
	next.lang = i18n.JA
	if err := next.sendDigests(ctx); err != nil {
		t.Fatal(err)
	}
	posts = api.take()
	if len(posts) != 1 || posts[0].Channel != "#team-shop" || !strings.Contains(posts[0].Raw, "新しい検出事項 *0* 件") || !strings.Contains(posts[0].Raw, "未解決の 2 件で月額 *$58.50*") {
		t.Errorf("next week's digest in Japanese: %+v", posts)
	}
}

// Deploys and incidents recorded through the API tell the service's
// team, once each.
func TestDeployAndIncidentNotices(t *testing.T) {
	api := newRecordingSlack(t)
	s := noticeServer(t, openStore(t), api, time.Now())
	h := s.Handler()
	sha := `"commit_sha":"0123456789abcdef0123456789abcdef01234567"`
	body := `{"id":"d-1","service":"api","environment":"production","result":"success","actor":"erin","link":"https://github.com/x/y/actions/runs/1",` + sha + `}`
	for range 2 { // a retried record tells no one twice
		if code, b := post(t, h, "/api/deployments", body); code != 201 {
			t.Fatalf("record: %d %s", code, b)
		}
	}
	p := api.wait(t, 1)
	if len(p) != 1 || p[0].Channel != "#team-shop" || p[0].Text != ":white_check_mark: *api* deployed to production (01234567) by erin <https://github.com/x/y/actions/runs/1|details>" {
		t.Errorf("deploy notice: %+v", p)
	}
	if code, b := post(t, h, "/api/deployments", `{"service":"indexer","environment":"production","result":"failure",`+sha+`}`); code != 201 {
		t.Fatalf("record: %d %s", code, b)
	}
	if p := api.wait(t, 1); p[0].Channel != "#sre" || !strings.Contains(p[0].Text, ":x: *indexer* failed to deploy to production") {
		t.Errorf("failed deploy of a team without a channel: %+v", p)
	}
	if code, b := post(t, h, "/api/incidents", `{"id":"INC-7","service":"web","created_at":"2026-12-01T10:00:00Z"}`); code != 201 {
		t.Fatalf("incident: %d %s", code, b)
	}
	if p := api.wait(t, 1); p[0].Channel != "#team-shop" || p[0].Text != ":rotating_light: Incident *INC-7* opened on web" {
		t.Errorf("incident notice: %+v", p)
	}
	if code, b := post(t, h, "/api/incidents", `{"id":"INC-7","service":"web","created_at":"2026-12-01T10:00:00Z","resolved_at":"2026-12-01T11:30:00Z"}`); code != 201 {
		t.Fatalf("incident: %d %s", code, b)
	}
	if p := api.wait(t, 1); p[0].Text != ":white_check_mark: Incident *INC-7* on web resolved after 1h30m" {
		t.Errorf("resolved notice: %+v", p)
	}
}

// The digest is one of the server's jobs when Slack can be posted to,
// and not otherwise.
func TestDigestJobRegistered(t *testing.T) {
	api := newRecordingSlack(t)
	s := noticeServer(t, openStore(t), api, time.Now())
	if _, b := get(t, s.Handler(), "/api/jobs"); !strings.Contains(b, `"name": "digest"`) {
		t.Errorf("/api/jobs with a bot token lacks the digest:\n%s", b)
	}
	if _, b := get(t, newServer(t, openStore(t)).Handler(), "/api/jobs"); strings.Contains(b, "digest") {
		t.Errorf("/api/jobs without a bot token has the digest:\n%s", b)
	}
}

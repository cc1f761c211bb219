package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// A fake of Slack's Web API: chat.postMessage and chat.update answer as
// Slack does and remember what they were sent.
func TestSlackPostAndUpdate(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Header.Get("Authorization") != "Bearer xoxb-test" && r.Form.Get("token") != "xoxb-test" {
			w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
			return
		}
		got = append(got, r.URL.Path+" "+r.Form.Get("channel")+" "+r.Form.Get("text")+" "+r.Form.Get("blocks"))
		switch r.URL.Path {
		case "/chat.postMessage":
			w.Write([]byte(`{"ok":true,"channel":"C123","ts":"1700000000.000100"}`))
		case "/chat.update":
			w.Write([]byte(`{"ok":true,"channel":"C123","ts":"1700000000.000100","text":"x"}`))
		default:
			w.Write([]byte(`{"ok":false,"error":"unknown_method"}`))
		}
	}))
	defer srv.Close()
	s := NewSlack("xoxb-test", srv.URL+"/")
	ts, err := s.Post(context.Background(), "#sre", "qa3 stopped", slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*qa3* stopped", false, false), nil, nil))
	if err != nil || ts != "1700000000.000100" {
		t.Fatalf("Post = %q, %v", ts, err)
	}
	if err := s.Update(context.Background(), "C123", ts, "qa3 started"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "/chat.postMessage #sre qa3 stopped ") || !strings.Contains(got[0], "*qa3* stopped") || !strings.HasPrefix(got[1], "/chat.update C123 qa3 started") {
		t.Errorf("Slack received %q", got)
	}
	bad := NewSlack("xoxb-wrong", srv.URL+"/")
	if _, err := bad.Post(context.Background(), "#sre", "x"); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Post with a bad token: %v", err)
	}
}

package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/steward-sre/steward/internal/config"
)

// fakeSocketSlack is Slack for Socket Mode on loopback: the Web API
// hands out a WebSocket address (apps.connections.open), and the socket
// greets the client, sends the envelopes it is given and passes back the
// acknowledgements.
type fakeSocketSlack struct {
	api, ws *httptest.Server
	send    chan string
	acks    chan map[string]any
}

func newFakeSocketSlack(t *testing.T) *fakeSocketSlack {
	f := &fakeSocketSlack{send: make(chan string, 4), acks: make(chan map[string]any, 4)}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	f.ws = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("fake socket: %v", err)
			return
		}
		defer c.Close()
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","num_connections":1,"connection_info":{"app_id":"A1"}}`)); err != nil {
			return
		}
		go func() {
			for {
				_, b, err := c.ReadMessage()
				if err != nil {
					return
				}
				var m map[string]any
				if json.Unmarshal(b, &m) == nil && m["envelope_id"] != nil {
					f.acks <- m
				}
			}
		}()
		for {
			select {
			case m := <-f.send:
				if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
					return
				}
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(f.ws.Close)
	f.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/apps.connections.open") || r.Header.Get("Authorization") != "Bearer xapp-test" {
			t.Errorf("fake Slack API: %s with %q", r.URL.Path, r.Header.Get("Authorization"))
		}
		w.Write([]byte(`{"ok":true,"url":"ws` + strings.TrimPrefix(f.ws.URL, "http") + `/link"}`))
	}))
	t.Cleanup(f.api.Close)
	return f
}

func (f *fakeSocketSlack) ack(t *testing.T) map[string]any {
	t.Helper()
	select {
	case a := <-f.acks:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no acknowledgement over the socket")
	}
	return nil
}

// Socket Mode: a slash command and a button press come over the socket
// and are done by the same handlers as over HTTP: acknowledged over the
// socket, answered through response_url.
func TestSocketMode(t *testing.T) {
	s, _ := envServer(t)
	fake := newFakeSocketSlack(t)
	s.cfg.Slack.SocketMode = true
	s.slackAPI = fake.api.URL + "/"
	getenv := s.getenv
	s.getenv = func(k string) string {
		if k == config.DefaultSlackAppTokenEnv {
			return "xapp-test"
		}
		return getenv(k)
	}
	resp := newFakeSlack(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.socketMode(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("socket mode did not stop with its context")
		}
	}()

	cmd, _ := json.Marshal(map[string]any{"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]string{"command": "/steward", "text": "env claim qa1 2h PR #5", "user_id": "U2147483697", "user_name": "hanako",
			"response_url": resp.srv.URL, "trigger_id": "sock-1"}})
	fake.send <- string(cmd)
	a := fake.ack(t)
	if a["envelope_id"] != "env-1" || !strings.Contains(mustJSON(t, a["payload"]), "Working on `/steward env claim qa1 2h PR #5`") {
		t.Errorf("acknowledgement: %v", a)
	}
	if m := allText(resp.next(t)); !strings.Contains(m, "hanako@example.co.jp claimed *qa1* until") {
		t.Errorf("answer through response_url: %s", m)
	}

	press, _ := json.Marshal(map[string]any{"envelope_id": "env-2", "type": "interactive",
		"payload": map[string]any{"type": "block_actions", "trigger_id": "sock-2", "response_url": resp.srv.URL,
			"user":    map[string]string{"id": "U2147483697", "name": "hanako"},
			"actions": []map[string]string{{"action_id": "env.release", "value": "qa1", "type": "button", "block_id": "env:qa1"}}}})
	fake.send <- string(press)
	if a := fake.ack(t); a["envelope_id"] != "env-2" {
		t.Errorf("acknowledgement of the press: %v", a)
	}
	if m := allText(resp.next(t)); !strings.Contains(m, "hanako@example.co.jp released *qa1*") || !strings.Contains(m, `"replace_original":true`) {
		t.Errorf("after the release button:\n%s", m)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Socket Mode without its tokens is refused at start, naming them.
func TestSocketModeNeedsTokens(t *testing.T) {
	cfg := config.Default()
	cfg.Slack.SocketMode = true
	_, err := New(Options{Config: cfg, Store: openStore(t), Dev: true})
	if err == nil || !strings.Contains(err.Error(), "STEWARD_SLACK_APP_TOKEN") || !strings.Contains(err.Error(), "STEWARD_SLACK_BOT_TOKEN") {
		t.Errorf("New with socket_mode and no tokens: %v", err)
	}
}

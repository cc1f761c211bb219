package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/env"
)

// formPost posts a form as a browser does, with extra headers.
func formPost(t *testing.T, h http.Handler, path string, form url.Values, hdr ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// The environments page: the board, and its buttons doing what the API,
// the command line and Slack do, through the same lease rules.
func TestEnvironmentsPage(t *testing.T) {
	s, slackAPI := envServer(t)
	h := s.Handler()
	code, b := getPage(t, s, "/environments")
	if code != 200 {
		t.Fatalf("GET /environments = %d\n%s", code, b)
	}
	for _, want := range []string{`<h1>Environments</h1>`, `id="env-qa1"`, `action="/environments/qa1/claim"`, `hx-post="/environments/qa2/claim"`, "free", "not leasable", `aria-current="page">Environments`} {
		if !strings.Contains(b, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	if strings.Contains(b, `action="/environments/prod/claim"`) {
		t.Error("prod, which cannot be leased, has a claim button")
	}

	steps := []struct {
		name   string
		path   string
		form   url.Values
		htmx   bool
		status int
		want   []string
		not    []string
	}{
		{name: "claim", path: "/environments/qa1/claim", form: url.Values{"for": {"4h"}, "purpose": {"PR #7 <b>checkout</b>"}}, htmx: true, status: 200,
			want: []string{`id="env-board"`, "You claimed qa1 until", "held by dev", "PR #7 &lt;b&gt;checkout&lt;/b&gt;", "4h left", `action="/environments/qa1/release"`},
			not:  []string{"<html", `action="/environments/qa1/claim"`}},
		{name: "claim one that cannot be leased", path: "/environments/prod/claim", htmx: true, status: 200,
			want: []string{`class="flash refused"`, "cannot be leased"}},
		{name: "refused without htmx", path: "/environments/prod/claim", status: http.StatusConflict,
			want: []string{"<html", `class="flash refused"`, "cannot be leased"}},
		{name: "bad length", path: "/environments/qa2/claim", form: url.Values{"for": {"forever"}}, status: http.StatusBadRequest,
			want: []string{`class="flash refused"`, "for: "}},
		{name: "unknown environment", path: "/environments/qa99/claim", htmx: true, status: 200, want: []string{"qa99"}},
		{name: "extend", path: "/environments/qa1/extend", form: url.Values{"for": {"2h"}}, htmx: true, status: 200,
			want: []string{"You extended qa1 until", "6h left"}},
		{name: "release", path: "/environments/qa1/release", htmx: true, status: 200,
			want: []string{"You released qa1", `action="/environments/qa1/claim"`}, not: []string{"held by dev"}},
	}
	for _, st := range steps {
		var hdr []string
		if st.htmx {
			hdr = []string{"HX-Request", "true"}
		}
		code, b := formPost(t, h, st.path, st.form, hdr...)
		if code != st.status {
			t.Errorf("%s: status %d, want %d\n%s", st.name, code, st.status, b)
		}
		for _, w := range st.want {
			if !strings.Contains(b, w) {
				t.Errorf("%s: answer lacks %q\n%s", st.name, w, b)
			}
		}
		for _, n := range st.not {
			if strings.Contains(b, n) {
				t.Errorf("%s: answer has %q", st.name, n)
			}
		}
	}
	// The page's leases are the ones the API reads: released, qa1 is free.
	_, b = get(t, h, "/api/environments")
	for _, r := range decode[struct{ Environments []env.Row }](t, b).Environments {
		if r.Lease != nil {
			t.Errorf("%s still held after the page released it: %+v", r.Name, r.Lease)
		}
	}
	// The holder's own changes tell nobody on Slack.
	if n := len(slackAPI.all()); n != 0 {
		t.Errorf("Slack posts: %q", slackAPI.all())
	}

	// A form posted from another site is refused before it reaches the
	// lease code.
	if code, b := formPost(t, h, "/environments/qa2/claim", nil, "Sec-Fetch-Site", "cross-site"); code != http.StatusForbidden {
		t.Errorf("cross-site claim = %d %s, want 403", code, b)
	}
	if _, b := get(t, h, "/api/environments"); strings.Contains(b, `"environment": "qa2"`) {
		t.Errorf("the cross-site post leased qa2:\n%s", b)
	}

	code, b = formPost(t, h, "/environments/qa2/claim", url.Values{"purpose": {"demo"}}, "HX-Request", "true")
	if code != 200 || !strings.Contains(b, "You claimed qa2") {
		t.Fatalf("claim qa2: %d %s", code, b)
	}
	_, b = get(t, h, "/api/environments")
	if !strings.Contains(b, `"holder": "dev"`) || !strings.Contains(b, `"purpose": "demo"`) {
		t.Errorf("the API does not see the page's claim of qa2:\n%s", b)
	}
	formPost(t, h, "/environments/qa2/release", nil)

	// Japanese.
	_, b = getPage(t, s, "/environments", "Accept-Language", "ja")
	for _, want := range []string{"<h1>環境</h1>", "確保する", "空き", "稼働中"} {
		if !strings.Contains(b, want) {
			t.Errorf("Japanese board lacks %q", want)
		}
	}
	_, b = formPost(t, h, "/environments/qa2/claim", url.Values{"for": {"1h"}}, "HX-Request", "true", "Accept-Language", "ja")
	if !strings.Contains(b, "qa2 を") || !strings.Contains(b, "まで確保しました") {
		t.Errorf("Japanese claim:\n%s", b)
	}
}

// A viewer reads the board without buttons and may not press one.
func TestEnvironmentsPageNeedsOperator(t *testing.T) {
	cfg := config.Default()
	toks := map[string]string{}
	for _, role := range []string{"viewer", "operator"} {
		tok, sum, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		toks[role] = tok
		cfg.Serve.Auth.Tokens = append(cfg.Serve.Auth.Tokens, config.Token{Name: "ci-" + role, SHA256: sum, Role: role})
	}
	s, err := New(Options{Config: cfg, Store: openStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tags.Required = map[string][]string{"env": {"qa1", "qa2"}}
	_, b := getPage(t, s, "/environments", "Authorization", "Bearer "+toks["viewer"])
	if !strings.Contains(b, "need the operator role") || strings.Contains(b, "<form") || !strings.Contains(b, `id="env-qa1"`) {
		t.Errorf("viewer's board:\n%s", b)
	}
	if code, b := formPost(t, s.Handler(), "/environments/qa1/claim", nil, "Authorization", "Bearer "+toks["viewer"]); code != http.StatusForbidden {
		t.Errorf("viewer's claim = %d %s, want 403", code, b)
	}
	code, b := formPost(t, s.Handler(), "/environments/qa1/claim", nil, "Authorization", "Bearer "+toks["operator"], "HX-Request", "true")
	if code != 200 || !strings.Contains(b, "held by ci-operator") {
		t.Errorf("operator's claim = %d\n%s", code, b)
	}
}

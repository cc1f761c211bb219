package server

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/steward-sre/steward/internal/config"
)

// fakeProvider is an OpenID Connect provider on loopback: discovery, keys,
// an authorize endpoint that logs in whoever the test says, and a token
// endpoint that checks the PKCE verifier before signing an ID token.
type fakeProvider struct {
	t      *testing.T
	srv    *httptest.Server
	key    *rsa.PrivateKey
	client string
	// Who the next login is.
	email    string
	verified bool

	mu    sync.Mutex
	codes map[string]grant
}

type grant struct{ nonce, challenge, email string }

func newFakeProvider(t *testing.T, clientID string) *fakeProvider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeProvider{t: t, key: key, client: clientID, codes: map[string]grant{}, verified: true}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != clientID || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" {
			http.Error(w, "bad authorize request: "+r.URL.RawQuery, 400)
			return
		}
		code := "code-" + q.Get("state")
		p.mu.Lock()
		p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), email: p.email}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		p.mu.Lock()
		g, ok := p.codes[r.Form.Get("code")]
		delete(p.codes, r.Form.Get("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			http.Error(w, `{"error":"invalid_grant"}`, 400)
			return
		}
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
		if err != nil {
			t.Error(err)
			return
		}
		now := time.Now()
		raw, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: p.srv.URL, Subject: "sub-" + g.email, Audience: jwt.Audience{clientID},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}).
			Claims(map[string]any{"nonce": g.nonce, "email": g.email, "email_verified": p.verified, "name": "Hanako Sato"}).Serialize()
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": raw})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// oidcServer is a steward server on loopback that logs people in
// through p.
func oidcServer(t *testing.T, p *fakeProvider, a config.Auth) (*Server, *httptest.Server) {
	t.Helper()
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	cfg := config.Default()
	a.PublicURL = ts.URL
	a.OIDC = &config.OIDC{Issuer: p.srv.URL, ClientID: p.client}
	cfg.Serve.Auth = a
	s, err := New(Options{Config: cfg, Store: openStore(t), Getenv: func(k string) string {
		if k == config.DefaultOIDCSecretEnv {
			return "client-secret"
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	h = s.Handler()
	return s, ts
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOIDCLogin(t *testing.T) {
	p := newFakeProvider(t, "steward-test")
	_, ts := oidcServer(t, p, config.Auth{
		Users:   map[string]string{"Hanako@Example.co.jp": "operator"},
		Domains: map[string]string{"example.co.jp": "viewer"},
	})

	t.Run("a page without a session goes to the login", func(t *testing.T) {
		c := browser(t)
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.Get(ts.URL + "/findings?severity=high")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/auth/login?next="+url.QueryEscape("/findings?severity=high") {
			t.Errorf("got %d to %q", resp.StatusCode, loc)
		}
	})

	t.Run("the API without a session is refused", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/api/me")
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("got %d %s", resp.StatusCode, b)
		}
	})

	login := func(t *testing.T, email string) (*http.Client, *http.Response) {
		p.email = email
		c := browser(t)
		resp, err := c.Get(ts.URL + "/auth/login?next=/api/me")
		if err != nil {
			t.Fatal(err)
		}
		return c, resp
	}

	t.Run("a listed address gets its role", func(t *testing.T) {
		c, resp := login(t, "hanako@example.co.jp")
		b := body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(b, `"role": "operator"`) || !strings.Contains(b, `"via": "oidc"`) || !strings.Contains(b, `"name": "Hanako Sato"`) {
			t.Fatalf("after login: %d %s", resp.StatusCode, b)
		}
		u, _ := url.Parse(ts.URL)
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == sessionCookie && strings.Contains(ck.Value, "hanako") {
				t.Errorf("the session cookie shows the address in clear: %s", ck.Value)
			}
		}
	})

	t.Run("the domain gives the rest viewer", func(t *testing.T) {
		_, resp := login(t, "taro@example.co.jp")
		if b := body(t, resp); !strings.Contains(b, `"role": "viewer"`) {
			t.Errorf("after login: %d %s", resp.StatusCode, b)
		}
	})

	t.Run("an address with no role is refused", func(t *testing.T) {
		_, resp := login(t, "mallory@evil.example")
		if b := body(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(b, "mallory@evil.example has no role") {
			t.Errorf("got %d %s", resp.StatusCode, b)
		}
	})

	t.Run("an unverified address gets nothing from its domain", func(t *testing.T) {
		p.verified = false
		defer func() { p.verified = true }()
		_, resp := login(t, "taro@example.co.jp")
		if b := body(t, resp); resp.StatusCode != http.StatusForbidden {
			t.Errorf("got %d %s", resp.StatusCode, b)
		}
	})

	t.Run("a callback this browser did not start is refused", func(t *testing.T) {
		resp, err := browser(t).Get(ts.URL + "/auth/callback?code=x&state=forged")
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("got %d %s", resp.StatusCode, b)
		}
	})

	t.Run("a tampered session is no session", func(t *testing.T) {
		c, resp := login(t, "taro@example.co.jp")
		resp.Body.Close()
		u, _ := url.Parse(ts.URL)
		var forged []*http.Cookie
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == sessionCookie {
				payload, sig, _ := strings.Cut(ck.Value, ".")
				raw, _ := base64.RawURLEncoding.DecodeString(payload)
				raw = []byte(strings.Replace(string(raw), "taro", "hanako", 1))
				forged = append(forged, &http.Cookie{Name: sessionCookie, Value: base64.RawURLEncoding.EncodeToString(raw) + "." + sig})
			}
		}
		if len(forged) != 1 {
			t.Fatal("no session cookie after login")
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/me", nil)
		req.AddCookie(forged[0])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("forged session: %d %s", resp.StatusCode, b)
		}
	})

	t.Run("a redirect after login stays on this server", func(t *testing.T) {
		for in, want := range map[string]string{"/findings": "/findings", "//evil.example/x": "/", "https://evil.example": "/", "/\\evil.example": "/", "": "/"} {
			if got := safeNext(in); got != want {
				t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
			}
		}
	})
}

func tokenServer(t *testing.T) (*Server, map[string]string) {
	t.Helper()
	cfg := config.Default()
	toks := map[string]string{}
	for _, role := range []string{"viewer", "operator", "admin"} {
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
	s.mux.Handle("POST /api/test/delete", Require(RoleAdmin, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"deleted_by": UserFrom(r.Context()).Name})
	})))
	s.mux.HandleFunc("POST /api/test/claim", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"claimed_by": UserFrom(r.Context()).Name})
	})
	return s, toks
}

func TestAPITokensAndRoles(t *testing.T) {
	s, toks := tokenServer(t)
	do := func(method, path, token string, hdr ...string) (int, string) {
		req := httptest.NewRequest(method, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	tests := []struct {
		name, method, path, token string
		hdr                       []string
		want                      int
	}{
		{"viewer reads", "GET", "/api/me", toks["viewer"], nil, 200},
		{"viewer may not claim", "POST", "/api/test/claim", toks["viewer"], nil, 403},
		{"operator claims", "POST", "/api/test/claim", toks["operator"], nil, 200},
		{"operator may not delete", "POST", "/api/test/delete", toks["operator"], nil, 403},
		{"admin deletes", "POST", "/api/test/delete", toks["admin"], nil, 200},
		{"unknown token", "GET", "/api/me", "stw_nope", nil, 401},
		{"not a bearer token", "GET", "/api/me", "", []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401},
		{"no token", "GET", "/api/me", "", nil, 401},
		{"probes need nothing", "GET", "/healthz", "", nil, 200},
		{"metrics need nothing", "GET", "/metrics", "", nil, 200},
		{"cross-site form post is refused", "POST", "/api/test/claim", toks["operator"], []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"same-origin post passes", "POST", "/api/test/claim", toks["operator"], []string{"Sec-Fetch-Site", "same-origin"}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, b := do(tc.method, tc.path, tc.token, tc.hdr...); code != tc.want {
				t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, code, b, tc.want)
			}
		})
	}
	if _, b := do("GET", "/api/me", toks["operator"]); !strings.Contains(b, `"name": "ci-operator"`) || !strings.Contains(b, `"via": "token"`) {
		t.Errorf("/api/me = %s", b)
	}
}

func TestNoLoginNoServer(t *testing.T) {
	if _, err := New(Options{Config: config.Default(), Store: openStore(t)}); err == nil || !strings.Contains(err.Error(), "no login configured") {
		t.Errorf("New without auth or dev: %v", err)
	}
	cfg := config.Default()
	_, sum, _ := NewToken()
	cfg.Serve.Auth.Tokens = []config.Token{{Name: "ci", SHA256: sum, Role: "viewer"}}
	short := func(k string) string {
		if k == config.DefaultSessionKeyEnv {
			return "too-short"
		}
		return ""
	}
	if _, err := New(Options{Config: cfg, Store: openStore(t), Getenv: short}); err == nil || !strings.Contains(err.Error(), "32 or more") {
		t.Errorf("New with a short session key: %v", err)
	}
	cfg.Serve.Auth.PublicURL = "https://steward.example.com"
	cfg.Serve.Auth.OIDC = &config.OIDC{Issuer: "https://accounts.example.com", ClientID: "x"}
	if _, err := New(Options{Config: cfg, Store: openStore(t)}); err == nil || !strings.Contains(err.Error(), config.DefaultOIDCSecretEnv) {
		t.Errorf("New with OIDC and no client secret: %v", err)
	}
}

func TestDevIsAdminWithoutLogin(t *testing.T) {
	s := newServer(t, openStore(t))
	code, b := get(t, s.Handler(), "/api/me")
	if code != 200 || !strings.Contains(b, `"role": "admin"`) || !strings.Contains(b, `"via": "dev"`) {
		t.Errorf("/api/me in dev = %d %s", code, b)
	}
	_ = context.Background()
}

package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/config"
)

// Role is what a user may do. Each role may do what the ones below it may.
type Role int

const (
	RoleNone     Role = iota
	RoleViewer        // reads every page and the API
	RoleOperator      // leases, overrides, bastion, schedule runs
	RoleAdmin         // actions that delete
)

func (r Role) String() string {
	switch r {
	case RoleViewer:
		return "viewer"
	case RoleOperator:
		return "operator"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// ParseRole reads a role as steward.yaml writes it.
func ParseRole(s string) Role {
	switch s {
	case "viewer":
		return RoleViewer
	case "operator":
		return RoleOperator
	case "admin":
		return RoleAdmin
	}
	return RoleNone
}

// User is who made a request.
type User struct {
	// Name is the person's name, or the token's name.
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Role  Role   `json:"-"`
	// Via is how they were recognised: oidc, token or dev.
	Via string `json:"via"`
}

// MarshalJSON writes the role by name.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return json.Marshal(struct {
		plain
		Role string `json:"role"`
	}{plain(u), u.Role.String()})
}

type userKey struct{}

// UserFrom is the user a request was made by; the zero User when the
// route is public.
func UserFrom(ctx context.Context) User {
	u, _ := ctx.Value(userKey{}).(User)
	return u
}

// publicPrefixes answer without a login: probes, metrics, the login
// itself, static assets, and endpoints that verify their own signatures
// (Slack, webhooks).
var publicPrefixes = []string{"/healthz", "/readyz", "/metrics", "/auth/", "/static/", "/slack/", "/hooks/"}

func isPublic(path string) bool {
	for _, p := range publicPrefixes {
		if path == strings.TrimSuffix(p, "/") || strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// auth recognises users and keeps sessions.
type auth struct {
	cfg    config.Auth
	dev    bool
	key    []byte
	secure bool
	tokens []apiToken
	oidc   *oidcLogin
	now    func() time.Time
}

type apiToken struct {
	name string
	sum  [sha256.Size]byte
	role Role
}

const (
	sessionCookie = "steward_session"
	sessionTTL    = 12 * time.Hour
)

func newAuth(o Options, now func() time.Time) (*auth, error) {
	a := &auth{cfg: o.Config.Serve.Auth, dev: o.Dev, now: now}
	if !a.dev && !a.cfg.Configured() {
		return nil, errors.New("server: no login configured: set serve.auth (oidc or tokens) in steward.yaml, or use --dev on a loopback address")
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	keyEnv := a.cfg.SessionKeyEnv
	if keyEnv == "" {
		keyEnv = config.DefaultSessionKeyEnv
	}
	switch k := getenv(keyEnv); {
	case len(k) >= 32:
		a.key = []byte(k)
	case k != "":
		return nil, fmt.Errorf("server: %s is %d bytes: a session key needs 32 or more", keyEnv, len(k))
	default:
		a.key = make([]byte, 32)
		if _, err := rand.Read(a.key); err != nil {
			return nil, err
		}
	}
	if u, err := url.Parse(a.cfg.PublicURL); err == nil && u.Scheme == "https" {
		a.secure = true
	}
	for _, t := range a.cfg.Tokens {
		raw, err := hex.DecodeString(strings.TrimPrefix(t.SHA256, "sha256:"))
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("server: token %s: bad sha256", t.Name)
		}
		var sum [sha256.Size]byte
		copy(sum[:], raw)
		a.tokens = append(a.tokens, apiToken{name: t.Name, sum: sum, role: ParseRole(t.Role)})
	}
	if oc := a.cfg.OIDC; oc != nil {
		secretEnv := oc.ClientSecretEnv
		if secretEnv == "" {
			secretEnv = config.DefaultOIDCSecretEnv
		}
		a.oidc = &oidcLogin{a: a, issuer: oc.Issuer, clientID: oc.ClientID, secret: getenv(secretEnv),
			redirect: strings.TrimSuffix(a.cfg.PublicURL, "/") + "/auth/callback"}
		if a.oidc.secret == "" {
			return nil, fmt.Errorf("server: serve.auth.oidc: the client secret is read from %s, which is empty", secretEnv)
		}
	}
	return a, nil
}

// NewToken makes an API token and the line steward.yaml keeps of it: the
// token is shown once and only its hash is stored.
func NewToken() (token, sha string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = "stw_" + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, "sha256:" + hex.EncodeToString(sum[:]), nil
}

// roleOf is the role steward.yaml gives an address: by the address
// first, then by its domain (only when the provider verified it).
func (a *auth) roleOf(email string, verified bool) Role {
	email = strings.ToLower(email)
	for e, r := range a.cfg.Users {
		if strings.ToLower(e) == email {
			return ParseRole(r)
		}
	}
	if !verified {
		return RoleNone
	}
	if _, domain, ok := strings.Cut(email, "@"); ok {
		if r, ok := a.cfg.Domains[domain]; ok {
			return ParseRole(r)
		}
	}
	return RoleNone
}

// fromToken recognises an API token, comparing hashes in constant time
// against every configured token.
func (a *auth) fromToken(tok string) (User, bool) {
	sum := sha256.Sum256([]byte(tok))
	var found *apiToken
	for i := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], a.tokens[i].sum[:]) == 1 {
			found = &a.tokens[i]
		}
	}
	if found == nil {
		return User{}, false
	}
	return User{Name: found.name, Role: found.role, Via: "token"}, true
}

// session is what a login cookie carries. The role is not in it: it is
// read from steward.yaml on every request, so taking a role away takes
// effect at once.
type session struct {
	Email    string `json:"e"`
	Name     string `json:"n"`
	Verified bool   `json:"v"`
	Expires  int64  `json:"x"`
}

func (a *auth) sign(payload []byte) string {
	m := hmac.New(sha256.New, a.key)
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *auth) verify(v string) ([]byte, bool) {
	p, s, ok := strings.Cut(v, ".")
	if !ok {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	m := hmac.New(sha256.New, a.key)
	m.Write(payload)
	return payload, hmac.Equal(sig, m.Sum(nil))
}

func (a *auth) setSession(w http.ResponseWriter, s session) {
	s.Expires = a.now().Add(sessionTTL).Unix()
	b, _ := json.Marshal(s)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: a.sign(b), Path: "/", HttpOnly: true,
		Secure: a.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(sessionTTL.Seconds())})
}

func (a *auth) fromSession(r *http.Request) (User, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return User{}, false
	}
	payload, ok := a.verify(c.Value)
	if !ok {
		return User{}, false
	}
	var s session
	if json.Unmarshal(payload, &s) != nil || a.now().Unix() > s.Expires {
		return User{}, false
	}
	name := s.Name
	if name == "" {
		name = s.Email
	}
	return User{Name: name, Email: s.Email, Role: a.roleOf(s.Email, s.Verified), Via: "oidc"}, true
}

// need is the least role a request needs: reading needs viewer, any
// change operator; routes that delete ask for admin themselves (Require).
func need(r *http.Request) Role {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return RoleViewer
	}
	return RoleOperator
}

// authenticate puts the user in the request's context and refuses a
// request the user may not make. Browsers without a session are sent to
// the login; API clients get 401.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPublic(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		u, ok, bad := s.userOf(r)
		if bad {
			w.Header().Set("WWW-Authenticate", `Bearer realm="steward"`)
			writeError(w, http.StatusUnauthorized, "invalid API token")
			return
		}
		if !ok {
			if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
				w.Header().Set("WWW-Authenticate", `Bearer realm="steward"`)
				writeError(w, http.StatusUnauthorized, "log in or send an API token (Authorization: Bearer ...)")
				return
			}
			http.Redirect(w, r, "/auth/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		if u.Role < need(r) {
			s.log.Warn("refused", "user", u.Name, "role", u.Role.String(), "method", r.Method, "path", r.URL.Path)
			writeError(w, http.StatusForbidden, fmt.Sprintf("%s may not do this: it needs the %s role", u.Name, need(r)))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// userOf recognises the request's user. bad is true for a token that
// matches none: it is refused rather than treated as no login.
func (s *Server) userOf(r *http.Request) (u User, ok, bad bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, found := strings.CutPrefix(h, "Bearer ")
		if !found {
			return User{}, false, true
		}
		u, ok = s.auth.fromToken(strings.TrimSpace(tok))
		return u, ok, !ok
	}
	if u, ok := s.auth.fromSession(r); ok {
		return u, true, false
	}
	if s.auth.dev {
		return User{Name: "dev", Role: RoleAdmin, Via: "dev"}, true, false
	}
	return User{}, false, false
}

// Require wraps a handler that needs more than the default role for its
// method (an action that deletes needs admin).
func Require(role Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := UserFrom(r.Context())
		if u.Role < role {
			writeError(w, http.StatusForbidden, fmt.Sprintf("%s may not do this: it needs the %s role", u.Name, role))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) authRoutes() {
	s.mux.HandleFunc("GET /auth/login", s.login)
	s.mux.HandleFunc("GET /auth/callback", s.callback)
	s.mux.HandleFunc("POST /auth/logout", s.logout)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.auth.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// safeNext keeps a redirect after login on this server.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// writeError answers with a JSON error.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

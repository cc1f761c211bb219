package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcLogin is the OpenID Connect authorization code flow with PKCE and a
// nonce. The provider is discovered at the first login, not at start, so
// a provider that is down does not keep the server from starting.
type oidcLogin struct {
	a                        *auth
	issuer, clientID, secret string
	redirect                 string

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

const (
	flowCookie = "steward_login"
	flowTTL    = 10 * time.Minute
)

// flow is what the login remembers between the redirect and the callback.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

func (o *oidcLogin) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.oauth != nil {
		return o.oauth, o.verifier, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, o.issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("OIDC provider %s: %w", o.issuer, err)
	}
	o.oauth = &oauth2.Config{ClientID: o.clientID, ClientSecret: o.secret, RedirectURL: o.redirect,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	o.verifier = p.Verifier(&oidc.Config{ClientID: o.clientID, Now: o.a.now})
	return o.oauth, o.verifier, nil
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login sends the browser to the provider.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if s.auth.dev {
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	o := s.auth.oidc
	if o == nil {
		writeError(w, http.StatusNotFound, "no OIDC login is configured: send an API token")
		return
	}
	oc, _, err := o.setup(r.Context())
	if err != nil {
		s.log.Error("login", "err", err)
		writeError(w, http.StatusBadGateway, "the login provider does not answer; try again later")
		return
	}
	f := flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Next: next, Expires: s.now().Add(flowTTL).Unix()}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: s.auth.sign(b), Path: "/auth/", HttpOnly: true,
		Secure: s.auth.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(flowTTL.Seconds())})
	http.Redirect(w, r, oc.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
}

// callback finishes the login: it checks the state, exchanges the code,
// verifies the ID token and its nonce, and gives the address its role.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	o := s.auth.oidc
	if o == nil {
		writeError(w, http.StatusNotFound, "no OIDC login is configured")
		return
	}
	var f flow
	c, err := r.Cookie(flowCookie)
	if err == nil {
		payload, ok := s.auth.verify(c.Value)
		if !ok || json.Unmarshal(payload, &f) != nil {
			f = flow{}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: "", Path: "/auth/", MaxAge: -1, HttpOnly: true, Secure: s.auth.secure})
	q := r.URL.Query()
	if f.State == "" || s.now().Unix() > f.Expires || q.Get("state") != f.State {
		writeError(w, http.StatusBadRequest, "this login was not started here or took too long: start again at /auth/login")
		return
	}
	if e := q.Get("error"); e != "" {
		writeError(w, http.StatusUnauthorized, "the provider refused the login: "+e)
		return
	}
	oc, verifier, err := o.setup(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, "the login provider does not answer; try again later")
		return
	}
	tok, err := oc.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		s.log.Warn("login: code exchange failed", "err", err)
		writeError(w, http.StatusUnauthorized, "the provider did not accept the login code")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(r.Context(), raw)
	if err != nil || idt.Nonce != f.Nonce {
		s.log.Warn("login: ID token refused", "err", err)
		writeError(w, http.StatusUnauthorized, "the provider's ID token did not verify")
		return
	}
	var claims struct {
		Email    string `json:"email"`
		Verified *bool  `json:"email_verified"`
		Name     string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil || claims.Email == "" {
		writeError(w, http.StatusUnauthorized, "the provider gave no e-mail address: ask for the email scope")
		return
	}
	verified := claims.Verified == nil || *claims.Verified
	if s.auth.roleOf(claims.Email, verified) == RoleNone {
		s.log.Warn("login: no role", "email", claims.Email)
		writeError(w, http.StatusForbidden, claims.Email+" has no role in steward: an admin adds it to serve.auth.users or serve.auth.domains")
		return
	}
	s.auth.setSession(w, session{Email: claims.Email, Name: claims.Name, Verified: verified})
	s.log.Info("login", "email", claims.Email)
	http.Redirect(w, r, safeNext(f.Next), http.StatusFound)
}

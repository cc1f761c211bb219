package server

import (
	"errors"
	"io"
	"net/http"

	"github.com/steward-sre/steward/internal/delivery"
)

// DefaultGitHubSecretEnv holds the secret GitHub signs webhooks with,
// the same variable `steward dora github` reads.
const DefaultGitHubSecretEnv = "STEWARD_GITHUB_WEBHOOK_SECRET"

func (s *Server) hookRoutes() {
	s.mux.HandleFunc("POST /hooks/github", s.githubHook)
}

// githubHook records deployments, merged pull requests, pushes to the
// main branch and incidents from GitHub's webhooks. Only payloads signed
// with the shared secret are read; redelivery of the same event replaces
// the same records, so retries never count twice.
func (s *Server) githubHook(w http.ResponseWriter, r *http.Request) {
	secret := s.getenv(DefaultGitHubSecretEnv)
	if secret == "" {
		writeError(w, http.StatusServiceUnavailable, "GitHub webhooks are off: set "+DefaultGitHubSecretEnv+" to the webhook's secret")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, delivery.MaxWebhookBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "payload too large")
			return
		}
		writeError(w, http.StatusBadRequest, "could not read the payload")
		return
	}
	if err := delivery.VerifySignature([]byte(secret), body, r.Header.Get("X-Hub-Signature-256")); err != nil {
		s.log.Warn("github hook: bad signature", "delivery", r.Header.Get("X-GitHub-Delivery"))
		writeError(w, http.StatusUnauthorized, "signature does not match")
		return
	}
	event := r.Header.Get("X-GitHub-Event")
	if event == "ping" {
		writeJSON(w, http.StatusOK, map[string]string{"ok": "pong"})
		return
	}
	d, err := delivery.ParseGitHub(event, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(d.Deployments) > 0 {
		// A deploy from GitHub takes part in leases as any other.
		v, err := s.envView(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m := s.leaseManager(v)
		for i := range d.Deployments {
			if _, err := m.OnDeploy(r.Context(), &d.Deployments[i], d.Deployments[i].Actor); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	if d.Len() > 0 {
		if err := s.store.SaveDelivery(r.Context(), d); err != nil {
			s.fail(w, r, err)
			return
		}
		s.announceDeploys(d.Deployments)
		s.announceIncidents(d.Incidents)
	}
	s.log.Info("github hook", "event", event, "delivery", r.Header.Get("X-GitHub-Delivery"), "records", d.Len())
	writeJSON(w, http.StatusOK, map[string]int{"deployments": len(d.Deployments), "changes": len(d.Changes), "commits": len(d.Commits), "incidents": len(d.Incidents)})
}

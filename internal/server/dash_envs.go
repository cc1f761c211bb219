package server

import (
	"errors"
	"net/http"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/env"
)

// envRow is one environment as the board page shows it.
type envRow struct {
	env.Row
	// Holder names who holds the lease, saying when a deploy took it.
	Holder string
	// Left is how long the lease still runs; DeployAgo how long ago the
	// last deploy finished.
	Left, DeployAgo string
	// Commit is the last deploy's short commit.
	Commit string
}

type envsData struct {
	Rows []envRow
	// CanLease is whether the reader may press the buttons (operator).
	CanLease bool
	// Flash says what the last button did; Refused marks a refusal.
	Flash   string
	Refused bool
}

// envsPage is the environments board: state, lease, holder, until and
// last deploy, with claim/extend/release forms for operators.
func (s *Server) envsPage(w http.ResponseWriter, r *http.Request) {
	s.renderEnvs(w, r, "", false, http.StatusOK)
}

// renderEnvs writes the board with a flash message: the whole page, or
// only the board for htmx.
func (s *Server) renderEnvs(w http.ResponseWriter, r *http.Request, flash string, refused bool, status int) {
	v := s.newView(w, r, "environments")
	v.Title = v.L.T("web.nav.environments")
	rows, err := s.board(r.Context())
	if err != nil {
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return
	}
	d := &envsData{CanLease: UserFrom(r.Context()).Role >= RoleOperator, Flash: flash, Refused: refused}
	now := s.now()
	for _, row := range rows {
		er := envRow{Row: row}
		if l := row.Lease; l != nil {
			er.Holder = env.HolderText(l, v.L)
			er.Left = env.FormatDuration(l.Until.Sub(now))
		}
		if dep := row.LastDeploy; dep != nil {
			er.DeployAgo = env.FormatAgo(now.Sub(dep.Finished))
			er.Commit = delivery.ShortSHA(dep.CommitSHA)
		}
		d.Rows = append(d.Rows, er)
	}
	v.Data = d
	block := ""
	if r.Header.Get("HX-Request") == "true" {
		block = "board"
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	s.render(w, "environments", block, v)
}

// envsLease is a button of the board: claim, extend or release, with
// the lease code the command line and Slack use. Posting needs the
// operator role and passes the same cross-origin check as every other
// form (the server's handler chain does both).
func (s *Server) envsLease(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := s.pageLang(w, r)
		name := r.PathValue("name")
		req := leaseRequest{For: r.FormValue("for"), Purpose: r.FormValue("purpose"), Branch: r.FormValue("branch")}
		u := UserFrom(r.Context())
		l, err := s.leaseOp(r.Context(), op, name, u.Name, req)
		var ref refusal
		var br badRequest
		switch {
		case errors.As(err, &ref):
			s.renderEnvs(w, r, ref.msg, true, s.refusedStatus(r, http.StatusConflict))
		case errors.As(err, &br):
			s.renderEnvs(w, r, br.msg, true, s.refusedStatus(r, http.StatusBadRequest))
		case err != nil:
			s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		default:
			until := l.Until.In(s.zone()).Format("2006-01-02 15:04 MST")
			s.renderEnvs(w, r, lang.T("web.envs.done."+op, name, until), false, http.StatusOK)
		}
	}
}

// refusedStatus is the status of a refused button press: htmx swaps only
// a 2xx answer in, so it gets 200 and the refusal in the board; a plain
// form post gets the real status.
func (s *Server) refusedStatus(r *http.Request, status int) int {
	if r.Header.Get("HX-Request") == "true" {
		return http.StatusOK
	}
	return status
}

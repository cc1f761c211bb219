package server

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// openAPI documents every /api route; a test holds it and the routes
// registered through s.api to the same list.
//
//go:embed openapi.yaml
var openAPI []byte

// apiRoute is one documented route of the JSON API.
type apiRoute struct{ method, path string }

// api registers a JSON API route and remembers it for the OpenAPI check.
// Routes that change something are operator's unless role says more.
func (s *Server) api(method, path string, role Role, h http.HandlerFunc) {
	s.apiRoutes = append(s.apiRoutes, apiRoute{method, path})
	var hh http.Handler = h
	if role > need(&http.Request{Method: method}) {
		hh = Require(role, h)
	}
	s.mux.Handle(method+" "+path, hh)
}

func (s *Server) registerAPI() {
	s.api("GET", "/api/openapi.yaml", RoleViewer, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openAPI)
	})
	s.api("GET", "/api/me", RoleViewer, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, UserFrom(r.Context()))
	})
	s.api("GET", "/api/jobs", RoleViewer, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"jobs": s.sched.status(), "runs": s.sched.runs()})
	})
	s.api("GET", "/api/scans", RoleViewer, s.apiScans)
	s.api("GET", "/api/findings", RoleViewer, s.apiFindings)
	s.api("GET", "/api/resource", RoleViewer, s.apiResource)
	s.api("GET", "/api/fourkeys", RoleViewer, s.apiFourKeys)
	s.api("POST", "/api/deployments", RoleOperator, s.apiRecordDeployment)
	s.api("POST", "/api/deployments/check", RoleOperator, s.apiCheckDeployment)
	s.api("POST", "/api/incidents", RoleOperator, s.apiRecordIncident)
}

// badRequest is an error in what the client sent.
type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func badRequestf(format string, args ...any) error { return badRequest{fmt.Sprintf(format, args...)} }

// fail answers with an error: the client's (400), a missing thing (404),
// or the server's (500, details in the log only).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var br badRequest
	switch {
	case errors.As(err, &br):
		writeError(w, http.StatusBadRequest, br.msg)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case errors.Is(err, context.Canceled):
		// The client went away.
	default:
		s.log.Error("api", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "steward could not answer: see the server log")
	}
}

func intParam(r *http.Request, name string, def, maxv int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxv {
		return 0, badRequestf("%s=%q: want a whole number from 0 to %d", name, v, maxv)
	}
	return n, nil
}

// list reads a repeated or comma-separated query parameter.
func list(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// scanOf is the scan a request asks for with ?scan=ID, else the latest.
func (s *Server) scanOf(r *http.Request) (*inventory.Scan, error) {
	if id := r.URL.Query().Get("scan"); id != "" {
		return s.store.Scan(r.Context(), id)
	}
	return s.store.LatestScan(r.Context())
}

func (s *Server) apiScans(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 20, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scans, err := s.store.Scans(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if scans == nil {
		scans = []inventory.Scan{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"scans": scans})
}

// findingsPage is /api/findings' answer: one page of the filtered list
// and how many there are in all.
type findingsPage struct {
	Scan     string            `json:"scan"`
	Total    int               `json:"total"`
	Offset   int               `json:"offset"`
	Findings []finding.Finding `json:"findings"`
}

func (s *Server) apiFindings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter, err := finding.NewFilter(list(r, "severity"), list(r, "category"), list(r, "policy"), list(r, "account"), list(r, "owner"))
	if err != nil {
		s.fail(w, r, badRequest{err.Error()})
		return
	}
	limit, err := intParam(r, "limit", 100, 10000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	offset, err := intParam(r, "offset", 0, 1<<30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.scanOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var fs []finding.Finding
	switch {
	case q.Get("new") == "true" || q.Get("resolved") == "true":
		since, err := store.FindingsSince(r.Context(), s.store, sc.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		fs = since.New
		if q.Get("resolved") == "true" {
			fs = since.Resolved
		}
	default:
		if fs, err = s.store.Findings(r.Context(), sc.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	fs = filter.Apply(fs)
	page := findingsPage{Scan: sc.ID, Total: len(fs), Offset: offset, Findings: []finding.Finding{}}
	if offset < len(fs) {
		page.Findings = s.readIn(fs[offset:min(len(fs), offset+limit)], s.readerLang(r))
	}
	writeJSON(w, http.StatusOK, page)
}

// readIn puts findings in lang, the reader's (?lang=, the language
// cookie, Accept-Language, else the server's), whatever language their
// scan ran in.
func (s *Server) readIn(fs []finding.Finding, lang i18n.Lang) []finding.Finding {
	out := make([]finding.Finding, len(fs))
	for i := range fs {
		out[i] = s.read(&fs[i], lang)
	}
	return out
}

// read is f as a reader of lang reads it: its message in lang, and its
// policy's title and remediation in lang where the policy has them (a
// text the finding does not have stays absent, as in the report).
func (s *Server) read(f *finding.Finding, lang i18n.Lang) finding.Finding {
	out := f.In(lang)
	if s.texts == nil {
		return out
	}
	title, remediation := s.texts(f.Policy, lang)
	if out.Title != "" && title != "" {
		out.Title = title
	}
	if out.Remediation != "" && remediation != "" {
		out.Remediation = remediation
	}
	return out
}

// apiResource is one resource as of a scan, with its open findings and
// its history.
func (s *Server) apiResource(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	if arn == "" {
		s.fail(w, r, badRequestf("arn is required"))
		return
	}
	sc, err := s.scanOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.store.Resources(r.Context(), sc.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var res *inventory.Resource
	for i := range rs {
		if rs[i].ARN == arn {
			res = &rs[i]
			break
		}
	}
	hist, err := s.store.ResourceHistory(r.Context(), arn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, err := s.store.Findings(r.Context(), sc.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mine := []finding.Finding{}
	for _, f := range fs {
		if f.ARN == arn {
			mine = append(mine, s.read(&f, s.readerLang(r)))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"scan": sc.ID, "resource": res, "findings": mine, "history": hist})
}

func (s *Server) apiFourKeys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, err := delivery.ParseWindow(q.Get("from"), q.Get("to"), s.now())
	if err != nil {
		s.fail(w, r, badRequest{err.Error()})
		return
	}
	env := q.Get("environment")
	if env == "" {
		env = "production"
	}
	dq := delivery.Query{From: from, To: to, Environment: env, Services: list(r, "service")}
	if team := q.Get("team"); team != "" {
		svcs, ok := s.cfg.TeamServices(team)
		if !ok {
			s.fail(w, r, badRequestf("team %q is not in steward.yaml's teams", team))
			return
		}
		dq.Services = svcs
	}
	d, err := s.store.Delivery(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	teams := map[string][]string{}
	for name, t := range s.cfg.Teams {
		teams[name] = t.Services
	}
	sum := delivery.Summarize(d, dq, teams)
	if q.Get("explain") != "true" {
		sum.Explain = nil
	}
	writeJSON(w, http.StatusOK, sum)
}

// maxRecordBytes bounds a posted deployment or incident.
const maxRecordBytes = 64 << 10

// decodeRecord reads one JSON object, refusing unknown fields and
// anything after it.
func decodeRecord(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRecordBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return badRequestf("the body is larger than %d KiB", maxRecordBytes>>10)
		}
		return badRequestf("the body is not the JSON object this endpoint takes: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequestf("the body holds more than one JSON object")
	}
	return nil
}

// apiRecordDeployment records a deployment from any tool, as `steward
// deploy record` does.
func (s *Server) apiRecordDeployment(w http.ResponseWriter, r *http.Request) {
	var d delivery.Deployment
	if err := decodeRecord(w, r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Finished.IsZero() {
		d.Finished = s.now().UTC().Truncate(time.Second)
	}
	if d.Actor == "" {
		d.Actor = UserFrom(r.Context()).Name
	}
	d.CommitSHA = strings.ToLower(d.CommitSHA)
	if d.ID == "" {
		d.ID = delivery.DeploymentID(d)
	}
	if err := d.Validate(); err != nil {
		s.fail(w, r, badRequestf("deployment: %v", err))
		return
	}
	v, err := s.envView(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.leaseManager(v).OnDeploy(r.Context(), &d, d.Actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.SaveDelivery(r.Context(), delivery.Data{Deployments: []delivery.Deployment{d}}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.announceDeploys([]delivery.Deployment{d})
	writeJSON(w, http.StatusCreated, struct {
		delivery.Deployment
		Lease env.DeployOutcome `json:"lease"`
	}{d, out})
}

// deployCheck is what a pipeline asks before it deploys.
type deployCheck struct {
	Service     string `json:"service"`
	Environment string `json:"environment"`
	// Actor is who deploys (default: the caller).
	Actor string `json:"actor,omitempty"`
}

// apiCheckDeployment says whether a deploy may go ahead: an environment
// someone else holds is refused (409) when leases.refuse_foreign_deploys
// is set, else allowed with a warning. It records nothing.
func (s *Server) apiCheckDeployment(w http.ResponseWriter, r *http.Request) {
	var c deployCheck
	if err := decodeRecord(w, r, &c); err != nil {
		s.fail(w, r, err)
		return
	}
	if c.Environment == "" {
		s.fail(w, r, badRequestf("environment is required"))
		return
	}
	who := c.Actor
	if who == "" {
		who = UserFrom(r.Context()).Name
	}
	v, err := s.envView(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	live, err := s.leaseManager(v).Live(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, held := live[c.Environment]
	if !held || l.Holder == who {
		writeJSON(w, http.StatusOK, map[string]any{"allowed": true})
		return
	}
	msg := s.lang.T("env.deploy.foreign", c.Environment, l.Holder, orDash(l.Purpose), l.Until.In(s.zone()).Format("2006-01-02 15:04 MST"))
	if s.cfg.Leases.RefuseForeignDeploys {
		writeJSON(w, http.StatusConflict, map[string]any{"allowed": false, "error": msg, "lease": l})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"allowed": true, "warning": msg, "lease": l})
}

// apiRecordIncident opens or resolves an incident (the same id replaces).
func (s *Server) apiRecordIncident(w http.ResponseWriter, r *http.Request) {
	var inc delivery.Incident
	if err := decodeRecord(w, r, &inc); err != nil {
		s.fail(w, r, err)
		return
	}
	if inc.CreatedAt.IsZero() {
		inc.CreatedAt = s.now().UTC().Truncate(time.Second)
	}
	if err := inc.Validate(); err != nil {
		s.fail(w, r, badRequestf("incident: %v", err))
		return
	}
	if err := s.store.SaveDelivery(r.Context(), delivery.Data{Incidents: []delivery.Incident{inc}}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.announceIncidents([]delivery.Incident{inc})
	writeJSON(w, http.StatusCreated, inc)
}

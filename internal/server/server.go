package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/jobs"
	"github.com/steward-sre/steward/internal/store"
)

// Options is what a server is built from.
type Options struct {
	Config *config.Config
	Store  store.Store
	// Cost holds the bill rollups; nil when the store cannot keep them.
	Cost   cost.RollupStore
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Lang is the language pages use when the browser does not ask for
	// one the catalogue has.
	Lang i18n.Lang
	// PolicyTexts gives a policy's title and remediation in lang ("" for
	// a text the policy does not have, or a policy not known), so that a
	// finding stored in one language is read in another; nil: findings
	// show the texts they were stored with.
	PolicyTexts func(policy string, lang i18n.Lang) (title, remediation string)
	// Jobs run on their intervals while Serve runs.
	Jobs []Job
	// Scans, when set, reads scans unit by unit on the jobs' river (a job
	// among Jobs calls Scans.Start): every replica on the store takes
	// units.
	Scans *jobs.ScanWork
	// Events, when set, polls the SQS queue of EventBridge events in this
	// process and reads again, on the jobs' river, the resources they
	// name.
	Events *jobs.EventWork
	// Dev turns login off: everyone who reaches the server is admin. For a
	// loopback address only; the caller checks that.
	Dev bool
	// Getenv reads the secrets steward.yaml names (session key, OIDC
	// client secret); nil reads none.
	Getenv func(string) string
	// RunCommand runs a steward command line for who and returns what it
	// printed; Slack commands that act (bastion, overrides) and read
	// reports (cost) go through it, so they do what the command line does.
	// Nil: those Slack commands are not offered.
	RunCommand func(ctx context.Context, who string, args []string) (string, error)
	// SlackAPIURL replaces Slack's Web API address (tests' fake Slack).
	SlackAPIURL string
	// ShutdownTimeout bounds how long Serve waits for requests and jobs in
	// flight once its context ends; 0 means 30 seconds. Jobs still running
	// then are cancelled and given at least 5 seconds more to record it.
	ShutdownTimeout time.Duration
}

// Server is one steward serve process.
type Server struct {
	cfg       *config.Config
	store     store.Store
	cost      cost.RollupStore
	log       *slog.Logger
	now       func() time.Time
	lang      i18n.Lang
	texts     func(policy string, lang i18n.Lang) (title, remediation string)
	mux       *http.ServeMux
	handler   http.Handler
	metrics   *metrics
	sched     *scheduler
	auth      *auth
	getenv    func(string) string
	slackSeen seen
	slackAPI  string
	run       func(ctx context.Context, who string, args []string) (string, error)
	envs      envCache
	// bg counts work started by a request that outlives it (Slack
	// answers); Serve waits for it on shutdown.
	bg     sync.WaitGroup
	bgCtx  context.Context
	bgStop context.CancelFunc
	// apiRoutes are the JSON API's routes, as s.api registered them.
	apiRoutes []apiRoute
	stop      time.Duration
	dash      *dashCache
	costs     costViews
	// costPages are the cost page's views by scan, bill and day.
	costPages perScan[*costPageViews]

	readyMu sync.Mutex
	ready   bool
}

// New builds a server and registers every route.
func New(o Options) (*Server, error) {
	if o.Config == nil || o.Store == nil {
		return nil, errors.New("server: a configuration and a store are required")
	}
	s := &Server{
		cfg:   o.Config,
		store: o.Store,
		cost:  o.Cost,
		log:   o.Logger,
		now:   o.Now,
		lang:  o.Lang,
		texts: o.PolicyTexts,
		mux:   http.NewServeMux(),
		stop:  o.ShutdownTimeout,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.slackAPI = o.SlackAPIURL
	s.run = o.RunCommand
	s.getenv = o.Getenv
	if s.getenv == nil {
		s.getenv = func(string) string { return "" }
	}
	if s.stop == 0 {
		s.stop = 30 * time.Second
	}
	s.dash = newDashCache(s.store, s.log, s.cfg.Currency.Code, s.cfg.Currency.Rate, s.now)
	s.metrics = newMetrics(prometheus.NewRegistry(), s)
	js := o.Jobs
	if _, _, on, _ := s.cfg.Serve.DigestTime(); on && s.cfg.Slack.BotToken(s.getenv) != "" {
		js = append(slices.Clip(js), s.digestJob())
	}
	sched, err := newScheduler(js, o.Store, s.log, s.metrics, o.Scans, o.Events)
	if err != nil {
		return nil, err
	}
	s.sched = sched
	s.bgCtx, s.bgStop = context.WithCancel(context.Background())
	if s.auth, err = newAuth(o, s.now); err != nil {
		return nil, err
	}
	if s.cfg.Slack.SocketMode && (s.cfg.Slack.AppToken(s.getenv) == "" || s.cfg.Slack.BotToken(s.getenv) == "") {
		return nil, fmt.Errorf("server: slack.socket_mode needs the app-level token in %s and the bot token in %s",
			envOr(s.cfg.Slack.AppTokenEnv, config.DefaultSlackAppTokenEnv), envOr(s.cfg.Slack.BotTokenEnv, config.DefaultSlackBotTokenEnv))
	}
	s.routes()
	s.handler = s.metrics.instrument(s.logRequests(http.NewCrossOriginProtection().Handler(s.authenticate(s.mux))))
	return s, nil
}

// routes registers every surface's routes on the mux.
func (s *Server) routes() {
	s.healthRoutes()
	s.metricsRoutes()
	s.authRoutes()
	s.registerAPI()
	s.hookRoutes()
	s.slackRoutes()
	s.envRoutes()
	s.dashboardRoutes()
}

// Handler is the server's HTTP handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln and runs the jobs until ctx ends, then stops taking
// requests, lets those in flight and running jobs finish (up to the
// shutdown timeout) and returns. A job cut short by the timeout sees its
// context cancelled and records itself as such.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		s.sched.run(jobsCtx, ctx.Done(), s.stop)
	}()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	socketDone := make(chan struct{})
	go func() {
		defer close(socketDone)
		if err := s.socketMode(ctx); err != nil {
			s.log.Error("slack socket mode stopped", "err", err)
		}
	}()
	defer func() { <-socketDone }()
	s.setReady(true)
	go s.dash.warm(ctx)
	s.log.Info("serving", "addr", ln.Addr().String(), "jobs", len(s.sched.jobs))

	var serveErr error
	select {
	case err := <-served:
		serveErr = err
	case <-ctx.Done():
	}
	s.setReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), s.stop)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		s.log.Warn("shutdown: requests still in flight were cut", "err", err)
	}
	bgDone := make(chan struct{})
	go func() { s.bg.Wait(); close(bgDone) }()
	for _, w := range []struct {
		done   chan struct{}
		cancel context.CancelFunc
		what   string
	}{{jobsDone, cancelJobs, "jobs"}, {bgDone, s.bgStop, "answers to Slack"}} {
		select {
		case <-w.done:
		case <-sctx.Done():
			s.log.Warn("shutdown: cancelled what was still running", "what", w.what)
			w.cancel()
			<-w.done
		}
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return nil
}

// background runs f after the request that started it has been
// answered; Serve waits for it when shutting down.
func (s *Server) background(f func(ctx context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(s.bgCtx, time.Minute)
		defer cancel()
		f(ctx)
	}()
}

func (s *Server) setReady(v bool) {
	s.readyMu.Lock()
	s.ready = v
	s.readyMu.Unlock()
}

func (s *Server) isReady() bool {
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	return s.ready
}

// logRequests logs each request once it is answered.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rw, r)
		s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rw.status, "duration", time.Since(start))
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

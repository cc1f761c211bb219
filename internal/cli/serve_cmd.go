package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/jobs"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/server"
	"github.com/steward-sre/steward/internal/store"
)

// ServeCmd is `steward serve`: the HTTP surfaces and the recurring jobs in
// one process.
type ServeCmd struct {
	Listen string `help:"Address to answer on (default: serve.listen in steward.yaml, else 127.0.0.1:8080)." placeholder:"HOST:PORT"`
	Demo   bool   `help:"Serve the demo estate with its bill and delivery history: no AWS account needed, no login (loopback only)."`
	Dev    bool   `help:"No login: everyone who reaches the server is admin. Loopback addresses only, for local use."`
}

// Run serves until interrupted.
func (c *ServeCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	addr := c.Listen
	if addr == "" {
		addr = cfg.Serve.Listen
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	dev := c.Dev || c.Demo
	if dev {
		if err := loopbackOnly(addr); err != nil {
			return usageError{err}
		}
	} else if !cfg.Serve.Auth.Configured() {
		return usageError{i18n.Say("cli.err.serve.noauth").Err()}
	}
	if c.Demo {
		if err := r.seedDemo(ctx); err != nil {
			return err
		}
	}
	st, cs, err := r.costStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	jobs, err := r.serveJobs(cfg, c.Demo)
	if err != nil {
		return err
	}
	jobs, scans := r.scanByUnits(cfg, c.Demo, st, jobs)
	events, err := r.serveEvents(ctx, cfg, c.Demo, st)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Options{Config: cfg, Store: st, Cost: cs, Logger: r.log, Now: r.env.Now, Lang: r.lang, PolicyTexts: r.policyTexts(ctx, cfg), Jobs: jobs, Scans: scans, Events: events, Dev: dev, Getenv: r.env.Getenv, RunCommand: r.runAs})
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if dev {
		fmt.Fprintf(r.env.Stderr, "%s\n", r.lang.T("cli.servedev"))
	}
	fmt.Fprintf(r.env.Stderr, "%s\n", r.lang.T("cli.serving", "http://"+ln.Addr().String()))
	return srv.Serve(ctx, ln)
}

// loopbackOnly refuses an address other machines can reach: without a
// login, the estate is shown only to this machine.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return i18n.Say("cli.err.listen.hostport", addr).Err()
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return i18n.Say("cli.err.listen.loopback", addr).Err()
}

// seedDemo fills the store as `steward demo` and `steward cost ingest
// --demo` do, so the pages have an estate, a bill and a delivery history.
func (r *runner) seedDemo(ctx context.Context) error {
	q := r.quiet()
	if err := (&DemoCmd{OutputFlags: OutputFlags{Format: "json"}}).Run(ctx, q); err != nil && !passed(err) {
		return fmt.Errorf("demo scan: %w", err)
	}
	if err := (&CostIngestCmd{Demo: true, Format: "json"}).Run(ctx, q); err != nil {
		return fmt.Errorf("demo bill: %w", err)
	}
	return nil
}

// serveJobs are the recurring jobs steward.yaml's serve section asks for.
// Each runs the very command a person would run, its report discarded:
// the job's record and the log say how it went.
func (r *runner) serveJobs(cfg *config.Config, demo bool) ([]server.Job, error) {
	var jobs []server.Job
	add := func(name, every string, def time.Duration, run func(context.Context) error) error {
		d, err := config.ServeInterval(every, def)
		if err != nil {
			return usagef("serve: %w", err)
		}
		if d > 0 {
			jobs = append(jobs, server.Job{Name: name, Every: d, Run: run})
		}
		return nil
	}
	source := "aws"
	if demo {
		source = "demo"
	}
	err := add("scan", cfg.Serve.ScanEvery, config.DefaultScanEvery, func(ctx context.Context) error {
		if err := jobError((&ScanCmd{Source: source, OutputFlags: OutputFlags{Format: "json"}}).Run(ctx, r.quiet())); err != nil {
			return err
		}
		// Each scan adds one to the store: the retention takes the
		// oldest away (nothing when retention is not set).
		if err := (&StorePruneCmd{Format: "json"}).Run(ctx, r.quiet()); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if demo {
		// The demo has no AWS account to stop or start anything in.
		return jobs, nil
	}
	err = add("schedule-run", cfg.Serve.ScheduleEvery, config.DefaultScheduleEvery, func(ctx context.Context) error {
		return jobError((&ScheduleRunCmd{PlanFlags: PlanFlags{Format: "json"}}).Run(ctx, r.quiet()))
	})
	if err != nil {
		return nil, err
	}
	if len(cfg.Serve.CostIngest) > 0 {
		err = add("cost-ingest", cfg.Serve.CostEvery, config.DefaultCostEvery, func(ctx context.Context) error {
			if err := jobError((&CostIngestCmd{Paths: cfg.Serve.CostIngest, Format: "json"}).Run(ctx, r.quiet())); err != nil {
				return err
			}
			// A bill that was not told of is worth telling at the next
			// ingest, not worth ingesting again for: the job succeeds.
			if err := r.postCostAlerts(ctx, cfg); err != nil {
				r.log.Warn("cost alerts not posted to Slack", "err", err)
			}
			return nil
		})
	}
	return jobs, err
}

// scanByUnits makes the server's AWS scan a river job per unit (account x
// region x service) that any replica on the store may take, put together
// once when the last is read or at the deadline (a tenth of the interval
// before the next scan). It leaves the scan job as it is for the demo, a
// Config aggregator (read by one process in one go) or a store that
// keeps no units.
func (r *runner) scanByUnits(cfg *config.Config, demo bool, st store.Store, js []server.Job) ([]server.Job, *jobs.ScanWork) {
	stg, ok := st.(scan.Staging)
	slots, ok2 := st.(jobs.Slots)
	if demo || cfg.ConfigAggregator != "" || !ok || !ok2 {
		return js, nil
	}
	i := slices.IndexFunc(js, func(j server.Job) bool { return j.Name == "scan" })
	if i < 0 {
		return js, nil
	}
	every := js[i].Every
	sw := &jobs.ScanWork{
		NewUnits: func(ctx context.Context) (*scan.Units, error) {
			u, err := r.awsUnits(ctx, cfg, st)
			if err != nil {
				return nil, err
			}
			u.Staging, u.Deadline = stg, every-every/10
			return u, nil
		},
		Slots: slots, Scope: aws.UnitScope,
	}
	out := slices.Clone(js)
	out[i].Plans = true
	out[i].Run = func(ctx context.Context) error {
		if _, err := sw.Start(ctx); err != nil {
			return err
		}
		// The scan is saved later, by whichever replica assembles it; the
		// retention takes the oldest scans away as each new one starts
		// (the latest saved scan is always kept).
		if err := (&StorePruneCmd{Format: "json"}).Run(ctx, r.quiet()); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		return nil
	}
	return out, sw
}

// awsUnits are the steps of a scan of AWS by units, or of units read
// again on an event: the same source, policies, enrichers and store.
func (r *runner) awsUnits(ctx context.Context, cfg *config.Config, st store.Store) (*scan.Units, error) {
	src, err := aws.New(ctx, r.awsOptions(cfg), r.log)
	if err != nil {
		return nil, err
	}
	eng, err := r.engine(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &scan.Units{
		Options: scan.Options{Evaluator: eng, Saver: st, Now: r.env.Now, Logger: r.log, Currency: cfg.Currency.Code, Rate: cfg.Currency.Rate,
			Enrichers: []scan.Enricher{scheduleEnricher{cfg: cfg}}},
		Source: src,
	}, nil
}

// serveEvents polls serve.events' SQS queue with the credentials the
// scans use (aws.BaseConfig: AWS_ENDPOINT_URL is honoured); nil when no
// queue is configured, or for the demo, which has no AWS to read again.
func (r *runner) serveEvents(ctx context.Context, cfg *config.Config, demo bool, st store.Store) (*jobs.EventWork, error) {
	ev := cfg.Serve.Events
	if ev == nil {
		return nil, nil
	}
	if demo {
		r.log.Warn("serve.events is not read with --demo: the demo estate has no AWS account to read again")
		return nil, nil
	}
	slots, ok := st.(jobs.Slots)
	if !ok {
		return nil, usageError{i18n.Say("serve.err.events.lock").Err()}
	}
	acfg, err := aws.BaseConfig(ctx, r.awsOptions(cfg))
	if err != nil {
		return nil, usageError{i18n.Wrap(i18n.Say("serve.ctx.events"), err)}
	}
	if region := ev.QueueRegion(); region != "" {
		acfg.Region = region
	}
	if acfg.Region == "" {
		return nil, usageError{i18n.Say("serve.err.events.region").Err()}
	}
	return &jobs.EventWork{
		Queue: sqs.NewFromConfig(acfg), QueueURL: ev.QueueURL,
		NewUnits: func(ctx context.Context) (*scan.Units, error) { return r.awsUnits(ctx, cfg, st) },
		Unit:     aws.EventUnit, Slots: slots,
	}, nil
}

// quiet is a runner whose command output goes nowhere: a job's outcome is
// its error and its log lines.
func (r *runner) quiet() *runner {
	q := *r
	q.env.Stdout = io.Discard
	q.env.Stderr = io.Discard
	return &q
}

// jobError keeps a job's real failures: a scan that found problems or had
// gaps did its job.
func jobError(err error) error {
	if passed(err) {
		return nil
	}
	return err
}

// passed says err is only the exit code of a finished command: findings
// above the gate or coverage gaps.
func passed(err error) bool {
	var ee exitError
	return errors.As(err, &ee) && (ee.code == ExitFindings || ee.code == ExitIncomplete)
}

// runAs runs a steward command for a person of the server (a Slack user
// asking for the bastion or an override): the very command line, with the
// same store, configuration and language, STEWARD_USER set to who, and
// its output captured for the answer.
func (r *runner) runAs(ctx context.Context, who string, args []string) (string, error) {
	var out bytes.Buffer
	e := r.env
	e.Stdout, e.Stderr, e.IsTTY = &out, &out, nil
	getenv := r.env.Getenv
	e.Getenv = func(k string) string {
		switch k {
		case "STEWARD_USER":
			return who
		case "STEWARD_ACTOR":
			return ""
		}
		return getenv(k)
	}
	var global []string
	if r.g.Store != "" {
		global = append(global, "--store", r.g.Store)
	}
	if r.cfgPath != "" {
		global = append(global, "--config", r.cfgPath)
	}
	global = append(global, "--lang", string(r.lang))
	code := Main(ctx, append(global, args...), e)
	if code != ExitOK && code != ExitFindings && code != ExitIncomplete {
		return out.String(), fmt.Errorf("steward %s: exit %d", strings.Join(args, " "), code)
	}
	return out.String(), nil
}

// policyTexts gives the server the titles and remediation of the policies
// scans run (built-in and steward.yaml's), in each reader's language. A
// pack that does not load is left to the scans to report; its findings
// show the texts they were stored with.
func (r *runner) policyTexts(ctx context.Context, cfg *config.Config) func(string, i18n.Lang) (string, string) {
	ps, err := policy.Load(ctx, cfg.Policies.Paths, !cfg.Policies.NoBuiltin)
	if err != nil {
		r.log.Warn("policies not loaded: findings show the titles they were stored with", "err", err)
		return nil
	}
	byID := make(map[string]*policy.Policy, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	return func(id string, lang i18n.Lang) (string, string) {
		p := byID[id]
		if p == nil {
			return "", ""
		}
		t := p.In(lang)
		return t.Title, t.Remediation
	}
}

package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/costdb"
	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/delivery/awsdeploy"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// whoami is who runs a command: --as, else STEWARD_USER (STEWARD_ACTOR
// is read too, as an older name), else the OS user. Every command that records a person (a lease, a deploy's claim)
// asks here, so the server can put its Slack or OIDC identity in one
// place.
func (r *runner) whoami(as string) string {
	if v := strings.TrimSpace(as); v != "" {
		return v
	}
	for _, k := range []string{"STEWARD_USER", "STEWARD_ACTOR"} {
		if v := strings.TrimSpace(r.env.Getenv(k)); v != "" {
			return v
		}
	}
	if v := strings.TrimSpace(cmp.Or(r.env.Getenv("USER"), r.env.Getenv("USERNAME"))); v != "" {
		return v
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// tellPeople is where lease notices go from the command line: stdout,
// Slack when its bot token is set, the webhook when configured.
func tellPeople(cfg *config.Config, out io.Writer, getenv func(string) string, lang i18n.Lang, loc *time.Location) env.Tell {
	t := env.Tell{Out: out, Webhook: cfg.Notify.WebhookURL, Lang: lang, Loc: loc, Channel: cfg.Slack.Channel, MemberOf: cfg.Slack.MemberOf}
	t.Slack = slackPoster(cfg, getenv)
	return t
}

// leaseManager decides leases on st with the configuration's policy;
// notices go to stdout and the configured webhook.
func (r *runner) leaseManager(cfg *config.Config, st store.Store, defs []env.Definition) *env.Leases {
	known := map[string]bool{}
	for _, d := range defs {
		known[d.Name] = true
	}
	m := &env.Leases{Store: st, Policy: cfg.LeasePolicy(), Now: r.env.Now,
		Notifier: tellPeople(cfg, r.env.Stdout, r.env.Getenv, r.lang, r.zone(cfg))}
	if len(known) > 0 {
		m.Known = func(name string) bool { return known[name] }
	}
	return m
}

// leaseChores are a schedule run's part in leases: leases whose time is
// up end (their holders are told) and reminders go out before a lease
// ends. A dry run changes no lease and tells nobody.
func (r *runner) leaseChores(ctx context.Context, cfg *config.Config, st store.Store, atFlag string, dryRun bool) error {
	if dryRun {
		return nil
	}
	at, err := instant("--at", atFlag, r.env.Now)
	if err != nil {
		return err
	}
	m := r.leaseManager(cfg, st, nil)
	m.Now = func() time.Time { return at }
	ended, err := m.Expire(ctx)
	if err != nil {
		return err
	}
	if err := m.NotifyExpired(ctx, ended); err != nil {
		r.log.Warn("lease notice not delivered", "err", err)
		fmt.Fprintf(r.env.Stderr, "steward: %v\n", err)
	}
	if _, err := m.Remind(ctx); err != nil {
		if ctx.Err() != nil {
			return err
		}
		r.log.Warn("lease reminder not delivered", "err", err)
		fmt.Fprintf(r.env.Stderr, "steward: %v\n", err)
	}
	return nil
}

// leaseHolds are the holds leases and idle environments put on a
// schedule plan at at: a leased environment stays on, an unleased one
// with idle_stop_after is stopped once idle that long. It only reads.
func (r *runner) leaseHolds(ctx context.Context, cfg *config.Config, st store.Store, rs []inventory.Resource, at time.Time) (map[string]action.Hold, error) {
	keys := env.Keys{Env: cfg.Tags.EnvKey, System: cfg.Tags.SystemKey}
	defs := env.Definitions(cfg.EnvDefinitions(), cfg.Tags.Required[cfg.Tags.EnvKey], rs, keys)
	history, err := st.Leases(ctx, "", false)
	if err != nil {
		return nil, err
	}
	live := map[string]env.Lease{}
	for _, l := range history {
		if l.Live(at) {
			live[l.Environment] = l
		}
	}
	d, err := st.Delivery(ctx)
	if err != nil {
		return nil, err
	}
	holds := env.Holds(env.BoardInput{Definitions: defs, Resources: rs, Keys: keys, Live: live, History: history, Deployments: d.Deployments, Now: at, Lang: r.lang})
	out := make(map[string]action.Hold, len(holds))
	for arn, h := range holds {
		out[arn] = action.Hold{Status: h.Status, Why: h.Why, Unscheduled: h.Unscheduled}
	}
	return out, nil
}

// deployLease flags a deployment to an environment someone else holds
// (the record keeps their name) and, for a leasable environment nobody
// holds, leases it to the deployer for leases.claim_on_deploy. It returns
// the lines to print.
func (r *runner) deployLease(ctx context.Context, cfg *config.Config, st store.Store, d *delivery.Deployment, deployer string) ([]string, error) {
	out, err := r.leaseManager(cfg, st, nil).OnDeploy(ctx, d, deployer)
	if err != nil {
		return nil, err
	}
	loc := r.zone(cfg)
	switch {
	case out.Foreign != nil:
		l := out.Foreign
		return []string{r.lang.T("env.deploy.flagged", d.Environment, l.Holder, dash(l.Purpose), l.Until.In(loc).Format("2006-01-02 15:04 MST"))}, nil
	case out.Claimed != nil:
		return []string{r.lang.T("env.deploy.claimed", d.Environment, deployer, out.Claimed.Until.In(loc).Format("2006-01-02 15:04 MST"))}, nil
	}
	return nil, nil
}

func costdbOpen(ctx context.Context, sd store.SQLDatabase) (cost.RollupStore, error) {
	cs, err := costdb.Open(ctx, sd.SQLDB())
	if err != nil {
		return nil, fmt.Errorf("open cost tables: %w", err)
	}
	return cs, nil
}

// saveDemoLeases puts the demo's QA board in a store that has no lease
// yet (a store with leases keeps its own), with the deploys behind it.
func (r *runner) saveDemoLeases(ctx context.Context, st store.Store) error {
	have, err := st.Leases(ctx, "", false)
	if err != nil || len(have) > 0 {
		return err
	}
	now := r.env.Now()
	if err := st.SaveDelivery(ctx, delivery.Data{Deployments: demo.QADeployments(now)}); err != nil {
		return err
	}
	// The whole board is one change, saved in one transaction, so a
	// board is never half seeded. Several demos may start at once on one
	// store (cron and people together): the change is keyed on a live
	// lease's environment, so whichever demo comes second sees that lease
	// (or, on PostgreSQL where writers do not queue, hits the conflict)
	// and leaves the board the first one made.
	var board env.Change
	key := ""
	for _, ch := range demo.Leases(now) {
		board.Leases = append(board.Leases, ch.Leases...)
		board.Events = append(board.Events, ch.Events...)
		for _, l := range ch.Leases {
			if key == "" && l.Ended.IsZero() {
				key = l.Environment
			}
		}
	}
	err = st.ChangeLeases(ctx, key, func(cur *env.Lease) (env.Change, error) {
		if cur != nil {
			return env.Change{}, nil
		}
		return board, nil
	})
	if err != nil && !errors.Is(err, store.ErrLeaseConflict) {
		return fmt.Errorf("demo leases: %w", err)
	}
	return nil
}

// pipelineEnvs are the environment names a pipeline's name is read for:
// the env tag's allowed values, the environments: of steward.yaml and the
// env tag values of the inventory.
func pipelineEnvs(cfg *config.Config, rs []inventory.Resource) []string {
	var out []string
	for _, d := range env.Definitions(cfg.EnvDefinitions(), cfg.Tags.Required[cfg.Tags.EnvKey], rs, env.Keys{Env: cfg.Tags.EnvKey, System: cfg.Tags.SystemKey}) {
		out = append(out, d.Name)
	}
	return append(out, "production", "staging")
}

// keepNewPipelineDeployments adds to d the pipeline executions no other
// source recorded (a pipeline deploying with CodeDeploy or ECS is seen by
// those too) and returns how many it added.
func (r *runner) keepNewPipelineDeployments(ctx context.Context, st store.Store, d *delivery.Data, found []delivery.Deployment) (int, error) {
	have, err := st.Delivery(ctx)
	if err != nil {
		return 0, err
	}
	kept, dropped := awsdeploy.DropRepeats(found, append(have.Deployments, d.Deployments...))
	if dropped > 0 {
		r.log.Info("pipeline executions another source recorded", "count", dropped)
	}
	d.Deployments = append(d.Deployments, kept...)
	return len(kept), nil
}

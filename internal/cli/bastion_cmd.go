package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// BastionCmd groups the bastion subcommands.
type BastionCmd struct {
	Up     BastionUpCmd     `cmd:"" help:"Scale the bastion ECS service from 0 to 1 for a while (journaled, with who and why) and print the port forwarding command."`
	Down   BastionDownCmd   `cmd:"" help:"End the bastion's lease and scale it back to 0."`
	Status BastionStatusCmd `cmd:"" help:"Say whether the bastion is up, whose lease holds it and until when, and how to reach the database."`
}

// BastionUpCmd starts the bastion.
type BastionUpCmd struct {
	TTL       string `name:"ttl" help:"How long it stays up, e.g. 1h (default bastion.default_ttl; at most bastion.max_ttl). The next schedule run after it scales it back to 0." placeholder:"DURATION"`
	Reason    string `help:"Why: kept in the journal and the lease." required:""`
	Container string `help:"The container of the task the session enters (default: the first one)." placeholder:"NAME"`
	Format    string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// BastionDownCmd stops the bastion.
type BastionDownCmd struct {
	Reason string `help:"Why (default: done)."`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// BastionStatusCmd shows the bastion.
type BastionStatusCmd struct {
	Container string `help:"The container of the task the session enters (default: the first one)." placeholder:"NAME"`
	Format    string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// bastionReport is what bastion commands print as JSON.
type bastionReport struct {
	ARN      string             `json:"arn"`
	Desired  string             `json:"desired"`
	Lease    *schedule.Override `json:"lease,omitempty"`
	Outcomes []action.Outcome   `json:"outcomes"`
	Task     *action.Task       `json:"task,omitempty"`
	Command  string             `json:"command,omitempty"`
	Warnings []string           `json:"warnings,omitempty"`
}

// taskSource gives the ECS task calls; AWSTargets has them.
type taskSource interface {
	Tasks(account, region string) (action.TaskAPI, error)
}

// bastionSetup checks steward.yaml has a bastion and builds the engine.
func (r *runner) bastionSetup(ctx context.Context) (*config.Config, *action.Engine, store.Store, action.Ref, error) {
	cfg, err := r.config(ctx)
	if err != nil {
		return nil, nil, nil, action.Ref{}, err
	}
	if cfg.Bastion == nil {
		return nil, nil, nil, action.Ref{}, r.usage("cli.bastion.none")
	}
	e, st, ref, err := r.actionSetup(ctx, cfg)
	if err != nil {
		return nil, nil, nil, action.Ref{}, err
	}
	return cfg, e, st, *ref, nil
}

// leases are the bastion's overrides in force at t, the latest first.
func leases(ctx context.Context, st store.Store, ref action.Ref, t time.Time) ([]schedule.Override, error) {
	all, err := st.OverridesSince(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []schedule.Override
	for _, o := range all {
		if o.Active(t) && o.Matches(ref.ARN, "", "") {
			out = append(out, o)
		}
	}
	return out, nil
}

// Run starts the bastion.
func (c *BastionUpCmd) Run(ctx context.Context, r *runner) error {
	cfg, e, st, ref, err := r.bastionSetup(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	b := cfg.Bastion
	ttl := b.DefaultTTLDuration()
	if c.TTL != "" {
		if ttl, err = time.ParseDuration(c.TTL); err != nil || ttl <= 0 {
			return r.usage("cli.bastion.ttl", c.TTL, b.MaxTTLDuration())
		}
	}
	if ttl > b.MaxTTLDuration() {
		return r.usage("cli.bastion.ttlmax", c.TTL, b.MaxTTLDuration())
	}
	if strings.TrimSpace(c.Reason) == "" {
		return r.usage("cli.override.reason")
	}
	now := r.env.Now()
	lease := schedule.Override{ID: newOverrideID("b", now), Target: ref.ARN, Kind: schedule.OverrideResource, State: schedule.On,
		Reason: strings.TrimSpace(c.Reason), Actor: r.whoami(""), Created: now, Until: now.Add(ttl)}
	why := r.lang.T("bastion.why.up", action.OrSomeone(r.lang, lease.Actor), env.FormatDurationIn(r.lang, ttl), lease.Reason, lease.ID)
	p, err := e.PlanOne(ctx, ref, action.Start, why)
	if err != nil {
		return bastionError(err)
	}
	// The lease first: a process that dies after the start leaves a lease
	// that ends by itself, never a bastion nothing brings back to 0.
	if err := st.AddOverride(ctx, lease); err != nil {
		return err
	}
	rep := bastionReport{ARN: ref.ARN, Lease: &lease, Outcomes: []action.Outcome{}}
	if len(p.Changes) > 0 {
		rep.Outcomes, err = e.Apply(ctx, p)
		if err != nil {
			if c.Format == "json" {
				_ = writeJSON(r.env.Stdout, rep)
			}
			return refusal(err)
		}
	}
	taskErr := r.bastionTask(ctx, cfg, e, ref, c.Container, &rep)
	if c.Format == "json" {
		if err := writeJSON(r.env.Stdout, rep); err != nil {
			return err
		}
	} else {
		l := r.lang
		if len(p.Changes) == 0 {
			fmt.Fprintln(r.env.Stdout, l.T("cli.bastion.already", ref.Cluster+"/"+ref.Name))
		}
		fmt.Fprintln(r.env.Stdout, l.T("cli.bastion.upuntil", ref.Cluster+"/"+ref.Name, whenIn(l, lease.Until.In(zone(cfg))), lease.ID, action.OrSomeone(r.lang, lease.Actor), lease.Reason))
		r.printBastionCommand(cfg, &rep)
	}
	if taskErr != nil {
		return errors.New(r.lang.T("cli.bastion.notask", lease.ID, taskErr))
	}
	return nil
}

// bastionTask finds the bastion's running task (waiting for ECS to give
// its container a runtime id) and sets the port forwarding command.
func (r *runner) bastionTask(ctx context.Context, cfg *config.Config, e *action.Engine, ref action.Ref, container string, rep *bastionReport) error {
	ts, ok := e.Targets.(taskSource)
	if !ok {
		return errors.New("no ECS task calls for the bastion's account")
	}
	api, err := ts.Tasks(ref.Account(), ref.Region())
	if err != nil {
		return err
	}
	w := action.DefaultWait
	w.Timeout = cfg.Policies.Actions.ECSWait()
	w.Interval = min(3*time.Second, max(w.Timeout/4, 100*time.Millisecond))
	var task action.Task
	err = w.Until(ctx, "wait for the bastion's task", func(ctx context.Context) (bool, string, error) {
		t, err := action.RunningTask(ctx, api, ref.Cluster, ref.Name, container)
		if err != nil {
			return false, err.Error(), nil
		}
		task = t
		return true, "", nil
	})
	if err != nil {
		return err
	}
	rep.Task = &task
	db := cfg.Bastion.Database
	if rep.Command, err = action.PortForward(ref.Cluster, task, ref.Region(), db.Host, db.Port, db.LocalPort); err != nil {
		return err
	}
	if !task.Exec {
		rep.Warnings = append(rep.Warnings, r.lang.T("cli.bastion.noexec", ref.Cluster, ref.Name))
	} else if task.Agent != "" && task.Agent != "RUNNING" {
		rep.Warnings = append(rep.Warnings, r.lang.T("cli.bastion.agent", task.Agent))
	}
	return nil
}

func (r *runner) printBastionCommand(cfg *config.Config, rep *bastionReport) {
	if rep.Command == "" {
		return
	}
	fmt.Fprintln(r.env.Stdout, r.lang.T("cli.bastion.reach", cfg.Bastion.Database.Host, cfg.Bastion.Database.Port, cfg.Bastion.Database.LocalPort))
	fmt.Fprintln(r.env.Stdout, "  "+rep.Command)
	for _, w := range rep.Warnings {
		fmt.Fprintln(r.env.Stdout, r.lang.T("cli.warning", w))
	}
}

// bastionError makes a refusal to touch the bastion bad input.
func bastionError(err error) error {
	if errors.Is(err, action.ErrExcluded) {
		return usageError{err}
	}
	return err
}

// Run stops the bastion.
func (c *BastionDownCmd) Run(ctx context.Context, r *runner) error {
	_, e, st, ref, err := r.bastionSetup(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := r.env.Now()
	reason := strings.TrimSpace(c.Reason)
	if reason == "" {
		reason = r.lang.T("bastion.why.done")
	}
	p, err := e.PlanOne(ctx, ref, action.Stop, r.lang.T("bastion.why.down", action.OrSomeone(r.lang, r.whoami("")), reason))
	if err != nil {
		return bastionError(err)
	}
	// Leases end first: a process that dies before the stop leaves no
	// lease, so the next schedule run stops the bastion.
	ls, err := leases(ctx, st, ref, now)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if _, err := st.CancelOverride(ctx, l.ID, r.whoami(""), now); err != nil {
			return err
		}
	}
	rep := bastionReport{ARN: ref.ARN, Outcomes: []action.Outcome{}}
	if len(p.Changes) > 0 {
		rep.Outcomes, err = e.Apply(ctx, p)
	}
	if c.Format == "json" {
		if werr := writeJSON(r.env.Stdout, rep); werr != nil && err == nil {
			err = werr
		}
	} else if err == nil {
		key := "cli.bastion.down"
		if len(p.Changes) == 0 {
			key = "cli.bastion.alreadydown"
		}
		fmt.Fprintln(r.env.Stdout, r.lang.T(key, ref.Cluster+"/"+ref.Name, len(ls)))
	}
	return refusal(err)
}

// Run shows the bastion.
func (c *BastionStatusCmd) Run(ctx context.Context, r *runner) error {
	cfg, e, st, ref, err := r.bastionSetup(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := r.env.Now()
	t, err := e.Targets.Target(ref.Account(), ref.Region(), ref.Type)
	if err != nil {
		return err
	}
	o, err := t.Observe(ctx, ref)
	if err != nil {
		return fmt.Errorf("read the bastion %s: %w", ref.ARN, err)
	}
	ls, err := leases(ctx, st, ref, now)
	if err != nil {
		return err
	}
	rep := bastionReport{ARN: ref.ARN, Desired: o.State["desired"], Outcomes: []action.Outcome{}}
	if len(ls) > 0 {
		rep.Lease = &ls[0]
	}
	var taskErr error
	if o.Power == schedule.On {
		taskErr = r.bastionTask(ctx, cfg, e, ref, c.Container, &rep)
	}
	if c.Format == "json" {
		if taskErr != nil {
			rep.Warnings = append(rep.Warnings, taskErr.Error())
		}
		return writeJSON(r.env.Stdout, rep)
	}
	l := r.lang
	name := ref.Cluster + "/" + ref.Name
	switch {
	case o.Power != schedule.On:
		fmt.Fprintln(r.env.Stdout, l.T("cli.bastion.isdown", name))
	case rep.Lease != nil:
		fmt.Fprintln(r.env.Stdout, l.T("cli.bastion.upuntil", name, whenIn(l, rep.Lease.Until.In(zone(cfg))), rep.Lease.ID, action.OrSomeone(r.lang, rep.Lease.Actor), rep.Lease.Reason))
	default:
		fmt.Fprintln(r.env.Stdout, l.T("cli.bastion.nolease", name, rep.Desired))
	}
	r.printBastionCommand(cfg, &rep)
	if taskErr != nil {
		fmt.Fprintln(r.env.Stdout, l.T("cli.warning", taskErr))
	}
	return nil
}

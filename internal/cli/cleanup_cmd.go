package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/notify"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/store"
)

// CleanupCmd marks what policies flag as leftovers, and deletes it after
// the grace days.
type CleanupCmd struct {
	Plan CleanupPlanCmd `cmd:"" help:"Plan mark-then-delete from the latest scan's findings: mark what policies with actions [mark, delete] flag, delete what was marked and is still flagged after the grace days, unmark what is no longer flagged. Save it with --out for steward apply."`
	Run  CleanupRunCmd  `cmd:"" help:"Plan mark-then-delete and apply it (from cron after a scan): --dry-run plans only; --auto-approve when stdin is not a terminal."`
}

// CleanupFlags choose the instant and the grace days of a cleanup plan.
type CleanupFlags struct {
	At        string `help:"Plan for this instant, RFC 3339 (default: now): marks count their grace days from it, deletes are due by it." placeholder:"TIME"`
	GraceDays int    `name:"grace-days" help:"Days a mark waits before its delete (default: policies.actions.grace_days in steward.yaml, 7)." placeholder:"N"`
	Format    string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// CleanupPlanCmd plans mark-then-delete.
type CleanupPlanCmd struct {
	CleanupFlags
	Out string `help:"Save the plan to this file, for steward apply." placeholder:"FILE"`
}

// CleanupRunCmd plans mark-then-delete and applies it.
type CleanupRunCmd struct {
	CleanupFlags
	DryRun      bool `name:"dry-run" help:"Plan only: print what would change and change nothing."`
	AutoApprove bool `name:"auto-approve" help:"Do not ask for confirmation (needed when stdin is not a terminal)."`
}

// undoDeleteText is undo's answer for a delete, in lang.
func undoDeleteText(lang i18n.Lang, e *action.DeleteNotReversible) string {
	if e.Snapshot == "" {
		return lang.T("cleanup.undo.nosnapshot", e.ChangeID, e.Name)
	}
	return lang.T("cleanup.undo.snapshot", e.ChangeID, e.Name, e.Snapshot, e.Restore)
}

// cleanupPlan is a plan and what it was made from, for people.
type cleanupPlan struct {
	plan *action.Plan
	// marking are the policies that mark, sorted.
	marking []string
	grace   int
}

// parse reads the flags: the instant and the grace days (the flag's,
// else steward.yaml's). It runs before anything is read or built.
func (f CleanupFlags) parse(now func() time.Time, cfg *config.Config) (time.Time, int, error) {
	at, err := instant("--at", f.At, now)
	if err != nil {
		return time.Time{}, 0, err
	}
	grace := cfg.Policies.Actions.GraceDays
	if f.GraceDays != 0 {
		if f.GraceDays < 1 || f.GraceDays > 3650 {
			return time.Time{}, 0, usageError{i18n.Say("cli.err.gracedays", f.GraceDays).Err()}
		}
		grace = f.GraceDays
	}
	return at, grace, nil
}

// planCleanup plans mark-then-delete from the latest scan in st, for at
// with grace days.
func (r *runner) planCleanup(ctx context.Context, cfg *config.Config, e *action.Engine, st store.Store, at time.Time, grace int) (cleanupPlan, error) {
	ps, err := policy.Load(ctx, cfg.Policies.Paths, !cfg.Policies.NoBuiltin)
	if err != nil {
		return cleanupPlan{}, usageError{err}
	}
	// Policy id -> whether it wants a snapshot first, for the policies
	// that mark and are not disabled.
	marking := map[string]bool{}
	for _, p := range ps {
		if slices.Contains(cfg.Policies.Disable, p.ID) || slices.Contains(cfg.Policies.Disable, p.Pack) {
			continue
		}
		if marks, snap := p.Marks(); marks {
			marking[p.ID] = snap
		}
	}
	sc, err := st.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return cleanupPlan{}, r.usage("cli.noscan")
	}
	if err != nil {
		return cleanupPlan{}, fmt.Errorf("read latest scan: %w", err)
	}
	rs, err := st.Resources(ctx, sc.ID)
	if err != nil {
		return cleanupPlan{}, fmt.Errorf("read resources: %w", err)
	}
	fs, err := st.Findings(ctx, sc.ID)
	if err != nil {
		return cleanupPlan{}, fmt.Errorf("read findings: %w", err)
	}
	var ms []action.Match
	for _, f := range fs {
		snap, ok := marking[f.Policy]
		if ok && f.ResolvedAt == nil {
			ms = append(ms, action.Match{ARN: f.ARN, Policy: f.Policy, Snapshot: snap})
		}
	}
	p, err := e.PlanCleanup(ctx, action.CleanupInput{Resources: rs, Matches: ms, Scanned: sc.Started, Coverage: sc.Coverage, At: at, GraceDays: grace, Lang: r.lang})
	if err != nil {
		return cleanupPlan{}, err
	}
	return cleanupPlan{plan: p, marking: slices.Sorted(maps.Keys(marking)), grace: grace}, nil
}

// printCleanup prints the plan for people, after the policies it follows.
func (r *runner) printCleanup(format string, cp cleanupPlan) error {
	if format != "json" {
		if len(cp.marking) == 0 {
			fmt.Fprintln(r.env.Stdout, r.lang.T("cleanup.nopolicies"))
		} else {
			fmt.Fprintln(r.env.Stdout, r.lang.T("cleanup.policies", strings.Join(cp.marking, ", "), cp.grace))
		}
	}
	return r.printPlan(format, cp.plan)
}

// Run plans mark-then-delete.
func (c *CleanupPlanCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	at, grace, err := c.parse(r.env.Now, cfg)
	if err != nil {
		return err
	}
	e, st, err := r.actionEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	cp, err := r.planCleanup(ctx, cfg, e, st, at, grace)
	if err != nil {
		return err
	}
	p := cp.plan
	if c.Out != "" {
		if err := writePlan(c.Out, p); err != nil {
			return err
		}
	}
	if err := r.printCleanup(c.Format, cp); err != nil {
		return err
	}
	if n := len(p.Changes); n > e.MaxChanges {
		fmt.Fprintln(r.env.Stderr, r.lang.T("cleanup.overcap", n, e.MaxChanges))
	}
	if c.Out != "" {
		fmt.Fprintln(r.env.Stderr, r.lang.T("cleanup.saved", c.Out, c.Out, len(p.Changes)))
	}
	return nil
}

// Run plans mark-then-delete and applies it, like schedule run: the
// summary goes to stdout and, when one is configured, to the webhook.
func (c *CleanupRunCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	at, grace, err := c.parse(r.env.Now, cfg)
	if err != nil {
		return err
	}
	e, st, err := r.actionEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	cp, err := r.planCleanup(ctx, cfg, e, st, at, grace)
	if err != nil {
		return err
	}
	p := cp.plan
	sum := runSummary{At: p.AsOf, Plan: p.ID, DryRun: c.DryRun, Actor: e.Actor, Planned: p.Changes, Skipped: p.Skipped, Outcomes: []action.Outcome{}}
	if sum.Skipped == nil {
		sum.Skipped = []action.Skip{}
	}
	if c.Format != "json" {
		if err := r.printCleanup("table", cp); err != nil {
			return err
		}
	}
	var applyErr error
	if !c.DryRun && len(p.Changes) > 0 {
		if err := r.confirm(c.AutoApprove, r.lang.T("cleanup.confirm", len(p.Changes))); err != nil {
			return err
		}
		sum.Outcomes, applyErr = e.Apply(ctx, p)
		for _, o := range sum.Outcomes {
			if o.Status != store.JournalDone {
				sum.Failed++
			}
		}
		if applyErr != nil {
			sum.Error = applyErr.Error()
		}
	}
	if c.Format == "json" {
		err = writeJSON(r.env.Stdout, sum)
	} else {
		if len(sum.Outcomes) > 0 {
			fmt.Fprintln(r.env.Stdout)
			err = r.printOutcomes("table", sum.Outcomes)
		}
		if err == nil && c.DryRun {
			fmt.Fprintln(r.env.Stdout, r.lang.T("cleanup.dryrun"))
		}
	}
	if u := cfg.Notify.WebhookURL; u != "" && (len(p.Changes) > 0 || applyErr != nil) {
		if werr := notify.Webhook(ctx, nil, u, sum); werr != nil {
			r.log.Warn("cleanup summary not delivered", "err", werr)
			fmt.Fprintf(r.env.Stderr, "steward: %v\n", werr)
		}
	}
	if err != nil {
		return err
	}
	return refusal(applyErr)
}

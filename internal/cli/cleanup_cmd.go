package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/store"
)

// CleanupCmd marks what policies flag as leftovers, and deletes it after
// the grace days.
type CleanupCmd struct {
	Plan CleanupPlanCmd `cmd:"" help:"Plan mark-then-delete from the latest scan's findings: mark what policies with actions [mark, delete] flag, delete what was marked and is still flagged after the grace days, unmark what is no longer flagged. Save it with --out for steward apply."`
}

// CleanupPlanCmd plans mark-then-delete.
type CleanupPlanCmd struct {
	At        string `help:"Plan for this instant, RFC 3339 (default: now): marks count their grace days from it, deletes are due by it." placeholder:"TIME"`
	GraceDays int    `name:"grace-days" help:"Days a mark waits before its delete (default: policies.actions.grace_days in steward.yaml, 7)." placeholder:"N"`
	Format    string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
	Out       string `help:"Save the plan to this file, for steward apply." placeholder:"FILE"`
}

// undoDeleteText is undo's answer for a delete, in lang.
func undoDeleteText(lang i18n.Lang, e *action.DeleteNotReversible) string {
	if e.Snapshot == "" {
		return lang.T("cleanup.undo.nosnapshot", e.ChangeID, e.Name)
	}
	return lang.T("cleanup.undo.snapshot", e.ChangeID, e.Name, e.Snapshot, e.Restore)
}

// Run plans mark-then-delete.
func (c *CleanupPlanCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	at, err := instant("--at", c.At, r.env.Now)
	if err != nil {
		return err
	}
	grace := cfg.Policies.Actions.GraceDays
	if c.GraceDays != 0 {
		if c.GraceDays < 1 || c.GraceDays > 3650 {
			return usagef("--grace-days %d: want 1 to 3650", c.GraceDays)
		}
		grace = c.GraceDays
	}
	ps, err := policy.Load(ctx, cfg.Policies.Paths, !cfg.Policies.NoBuiltin)
	if err != nil {
		return usageError{err}
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
	e, st, err := r.actionEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	sc, err := st.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("cli.noscan")
	}
	if err != nil {
		return fmt.Errorf("read latest scan: %w", err)
	}
	rs, err := st.Resources(ctx, sc.ID)
	if err != nil {
		return fmt.Errorf("read resources: %w", err)
	}
	fs, err := st.Findings(ctx, sc.ID)
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
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
		return err
	}
	if c.Out != "" {
		if err := writePlan(c.Out, p); err != nil {
			return err
		}
	}
	if c.Format != "json" {
		if len(marking) == 0 {
			fmt.Fprintln(r.env.Stdout, r.lang.T("cleanup.nopolicies"))
		} else {
			fmt.Fprintln(r.env.Stdout, r.lang.T("cleanup.policies", strings.Join(slices.Sorted(maps.Keys(marking)), ", "), grace))
		}
	}
	if err := r.printPlan(c.Format, p); err != nil {
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

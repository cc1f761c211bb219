package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/notify"
	"github.com/steward-sre/steward/internal/report"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// PlanFlags choose the inventory and instant a schedule plan is made from.
type PlanFlags struct {
	Source string `help:"Inventory to plan from: the latest scan in the store (default), or a source as scan takes (aws, file:PATH, config:PATH)." placeholder:"SOURCE"`
	At     string `help:"Evaluate schedules at this instant, RFC 3339 (default: now), e.g. to catch up or to test." placeholder:"TIME"`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// PlanCmd plans what the schedules want now.
type PlanCmd struct {
	PlanFlags
	Out string `help:"Save the plan to this file, for steward apply." placeholder:"FILE"`
}

// ApplyCmd executes a saved plan.
type ApplyCmd struct {
	File        string `arg:"" help:"A plan saved by steward plan --out." type:"existingfile"`
	AutoApprove bool   `name:"auto-approve" help:"Do not ask for confirmation (needed when stdin is not a terminal)."`
	Format      string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// JournalCmd lists changes steward made.
type JournalCmd struct {
	ARN    string `help:"Only the changes to this resource." placeholder:"ARN"`
	Limit  int    `help:"At most this many entries, the latest first (0: all)." default:"50"`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// UndoCmd reverses a journaled change.
type UndoCmd struct {
	ID          string `arg:"" name:"change-id" help:"The change to undo, as steward journal shows it."`
	AutoApprove bool   `name:"auto-approve" help:"Do not ask for confirmation."`
}

// actionEngine opens the store (the journal is written) and builds the
// targets from the credentials and accounts a live scan uses.
func (r *runner) actionEngine(ctx context.Context, cfg *config.Config) (*action.Engine, store.Store, error) {
	e, st, _, err := r.actionSetup(ctx, cfg)
	return e, st, err
}

// actionSetup is actionEngine with the bastion's place: its ARN in the
// account and region steward reaches it in, nil when steward.yaml has
// no bastion.
func (r *runner) actionSetup(ctx context.Context, cfg *config.Config) (*action.Engine, store.Store, *action.Ref, error) {
	src, err := r.awsSource(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	cfgs, err := aws.Configs(src)
	if err != nil {
		return nil, nil, nil, err
	}
	bastion, err := r.bastionRef(cfg, cfgs)
	if err != nil {
		return nil, nil, nil, err
	}
	dbWait, ecsWait := action.DefaultWait, action.DefaultWait
	dbWait.Timeout, ecsWait.Timeout = cfg.Policies.Actions.DBWait(), cfg.Policies.Actions.ECSWait()
	targets := &action.AWSTargets{Wait: dbWait, ECSWait: ecsWait}
	for _, c := range cfgs {
		targets.Add(c.Account, c.Region, c.Config)
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	e := &action.Engine{Targets: targets, Journal: st, Exclude: action.Exclusions{Patterns: cfg.Policies.Actions.Exclude},
		MaxChanges: cfg.Policies.Actions.MaxChanges, Actor: r.whoami(""), Lang: r.lang, Now: r.env.Now, Logger: r.log.With("component", "action")}
	if afterIntent != nil {
		action.SetAfterIntent(e, afterIntent)
	}
	return e, st, bastion, nil
}

// bastionRef places the bastion of steward.yaml in the one account and
// region it names or steward reaches.
func (r *runner) bastionRef(cfg *config.Config, cfgs []aws.RegionConfig) (*action.Ref, error) {
	b := cfg.Bastion
	if b == nil {
		return nil, nil
	}
	pick := func(field, set string, of func(aws.RegionConfig) string) (string, error) {
		if set != "" {
			return set, nil
		}
		var seen []string
		for _, c := range cfgs {
			if v := of(c); !slices.Contains(seen, v) {
				seen = append(seen, v)
			}
		}
		if len(seen) != 1 {
			return "", r.usage("cli.bastion.where", field, strings.Join(seen, ", "))
		}
		return seen[0], nil
	}
	account, err := pick("bastion.account", b.Account, func(c aws.RegionConfig) string { return c.Account })
	if err != nil {
		return nil, err
	}
	region, err := pick("bastion.region", b.Region, func(c aws.RegionConfig) string { return c.Region })
	if err != nil {
		return nil, err
	}
	return &action.Ref{ARN: b.ARN(account, region), Type: action.TypeECSService, Name: b.Service, Cluster: b.Cluster, Count: 1}, nil
}

// afterIntent, when set, runs between a change's journal intent and the
// change; the crash test sets it to end the process there.
var afterIntent func(action.Change)

// inventory is the resources of --source, else of the latest scan.
func (r *runner) inventory(ctx context.Context, cfg *config.Config, st store.Store, source string) ([]inventory.Resource, error) {
	if source != "" {
		src, err := r.source(ctx, source, cfg)
		if err != nil {
			return nil, err
		}
		prog := report.NewProgress(r.env.Stderr, r.isTTY(r.env.Stderr), r.env.Now, "inventory")
		col, err := src.Collect(ctx, prog)
		prog.Finish()
		if err != nil {
			return nil, fmt.Errorf("collect %s: %w", source, err)
		}
		return col.Resources, nil
	}
	sc, err := st.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, usageError{i18n.Say("action.err.noscan").Err()}
	}
	if err != nil {
		return nil, fmt.Errorf("read latest scan: %w", err)
	}
	return st.Resources(ctx, sc.ID)
}

// overrideLookback is how far before a run's instant overrides are read:
// a bastion lease that ended within it still brings the bastion back to 0.
const overrideLookback = 8 * 24 * time.Hour

func (r *runner) planSchedules(ctx context.Context, cfg *config.Config, e *action.Engine, st store.Store, bastion *action.Ref, f PlanFlags) (*action.Plan, error) {
	at, err := instant("--at", f.At, r.env.Now)
	if err != nil {
		return nil, err
	}
	rs, err := r.inventory(ctx, cfg, st, f.Source)
	if err != nil {
		return nil, err
	}
	holds, err := r.leaseHolds(ctx, cfg, st, rs, at)
	if err != nil {
		return nil, err
	}
	ovs, err := st.OverridesSince(ctx, at.Add(-overrideLookback))
	if err != nil {
		return nil, err
	}
	return e.PlanSchedules(ctx, action.ScheduleInput{Resources: rs, Resolver: cfg.ScheduleResolver(),
		EnvKey: cfg.Tags.EnvKey, SystemKey: cfg.Tags.SystemKey, At: at, Holds: holds, Overrides: ovs, Bastion: bastion, Lang: r.lang})
}

// Run plans.
func (c *PlanCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	e, st, bastion, err := r.actionSetup(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := r.planSchedules(ctx, cfg, e, st, bastion, c.PlanFlags)
	if err != nil {
		return err
	}
	if c.Out != "" {
		if err := writePlan(c.Out, p); err != nil {
			return err
		}
	}
	if err := r.printPlan(c.Format, p); err != nil {
		return err
	}
	if n := len(p.Changes); n > e.MaxChanges {
		fmt.Fprintln(r.env.Stderr, r.lang.T("action.warn.toomany", n, e.MaxChanges))
	}
	if c.Out != "" {
		fmt.Fprintln(r.env.Stderr, r.lang.T("cli.plan.saved", c.Out, len(p.Changes)))
	}
	return nil
}

func writePlan(path string, p *action.Plan) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := p.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("save plan: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

// Run applies a saved plan.
func (c *ApplyCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	f, err := os.Open(c.File)
	if err != nil {
		return usagef("%w", unwrapPathError(err))
	}
	p, err := action.ReadPlan(f)
	f.Close()
	if err != nil {
		return usageError{fmt.Errorf("%s: %w", c.File, err)}
	}
	e, st, err := r.actionEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := e.Check(ctx, p); err != nil {
		return refusal(err)
	}
	if len(p.Changes) == 0 {
		_, err := fmt.Fprintln(r.env.Stdout, r.lang.T("cli.plan.nochanges"))
		return err
	}
	if err := r.printPlan("table", p); err != nil {
		return err
	}
	if err := r.confirm(c.AutoApprove, r.lang.T("plan.confirm", len(p.Changes))); err != nil {
		return err
	}
	outs, err := e.Apply(ctx, p)
	if perr := r.printOutcomes(c.Format, outs); perr != nil && err == nil {
		err = perr
	}
	return refusal(err)
}

// refusal makes a plan that may not be applied bad input (exit 2).
func refusal(err error) error {
	if errors.Is(err, action.ErrChanged) || errors.Is(err, action.ErrTooMany) {
		return usageError{err}
	}
	return err
}

// confirm asks on a terminal; elsewhere it needs --auto-approve.
func (r *runner) confirm(auto bool, question string) error {
	if auto {
		return nil
	}
	w, ok := r.env.Stdin.(io.Writer)
	tty := false
	if ok {
		tty, _ = r.env.IsTTY(w)
	}
	if !tty {
		return usageError{i18n.Say("action.err.notty").Err()}
	}
	fmt.Fprint(r.env.Stderr, r.lang.T("action.confirm.yes", question))
	line, _ := bufio.NewReader(r.env.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return exitError{ExitUsage, r.lang.T("action.err.notconfirmed")}
	}
	return nil
}

// Run lists the journal.
func (c *JournalCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	st, err := r.openStoreForReading(ctx, cfg)
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("journal.nostore")
	}
	if err != nil {
		return err
	}
	defer st.Close()
	es, err := st.JournalEntries(ctx, store.JournalFilter{ARN: c.ARN, Limit: c.Limit})
	if err != nil {
		return err
	}
	if c.Format == "json" {
		type row struct {
			store.JournalEntry
			State string `json:"state"`
		}
		rows := []row{}
		for _, e := range es {
			rows = append(rows, row{e, action.StatusText(e.Status)})
		}
		return writeJSON(r.env.Stdout, rows)
	}
	if len(es) == 0 {
		_, err := fmt.Fprintln(r.env.Stdout, r.lang.T("journal.empty"))
		return err
	}
	lang := r.lang
	cols := []table.Column{{Title: lang.T("action.col.change")}, {Title: lang.T("journal.col.at")}, {Title: lang.T("action.col.action")}, {Title: lang.T("col.type")},
		{Title: lang.T("action.col.name")}, {Title: lang.T("journal.col.status")}, {Title: lang.T("journal.col.made")}, {Title: lang.T("action.col.why")}}
	var rows [][]string
	for _, e := range es {
		status := action.StatusPhrase(e.Status, false).In(lang)
		if e.Error != "" {
			status += ": " + e.Error
		}
		why := e.Why
		if e.UndoOf != "" {
			why = lang.T("journal.undoof", e.UndoOf)
		}
		rows = append(rows, []string{e.ID, e.IntentAt.Format("2006-01-02 15:04:05"), e.Action, e.Type,
			dashIfEmpty(e.Name), status, dashIfEmpty(changeText(lang, e.Before, e.After)), why})
	}
	return table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), table.Options{})
}

// Run undoes a change.
func (c *UndoCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	e, st, err := r.actionEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	en, err := st.JournalEntry(ctx, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return usageError{i18n.Say("action.err.undo.nochange", c.ID).Err()}
	}
	if err != nil {
		return err
	}
	if err := r.confirm(c.AutoApprove, r.lang.T("undo.confirm", en.ID, en.Action, en.Name)); err != nil {
		return err
	}
	o, err := e.Undo(ctx, c.ID)
	if dn := (*action.DeleteNotReversible)(nil); errors.As(err, &dn) {
		return usageError{errors.New(undoDeleteText(r.lang, dn))}
	}
	if errors.Is(err, action.ErrNotReversible) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("cli.undo.done", action.StatusPhrase(o.Status, false).In(r.lang), o.Change.Action, nameOf(o.Change.Ref), changeText(r.lang, o.Change.Before, o.Change.After), o.Change.ID))
	return err
}

func nameOf(r action.Ref) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ARN
}

// changeText shows the values a change moves, "desired 2 -> 0, min 1 -> 0".
func changeText(lang i18n.Lang, before, after map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if before[k] != after[k] {
			b := before[k]
			if b == "" {
				b = lang.T("action.drift.none")
			}
			a := after[k]
			if a == "" {
				a = lang.T("action.drift.none")
			}
			parts = append(parts, fmt.Sprintf("%s %s -> %s", k, b, a))
		}
	}
	return strings.Join(parts, ", ")
}

func (r *runner) printPlan(format string, p *action.Plan) error {
	if format == "json" {
		return writeJSON(r.env.Stdout, p)
	}
	l := r.lang
	opts := table.Options{Width: r.tableWidth()}
	fmt.Fprintln(r.env.Stdout, l.T("cli.plan.head", p.ID, whenIn(l, p.AsOf), len(p.Changes), len(p.Skipped)))
	if len(p.Changes) > 0 {
		cols := []table.Column{{Title: l.T("col.change")}, {Title: l.T("col.action")}, {Title: l.T("col.type"), Drop: 1}, {Title: l.T("col.name"), Shrink: 2, Min: 16},
			{Title: l.T("col.beforeafter"), Shrink: 3, Min: 20}, {Title: l.T("col.why"), Shrink: 1, Min: 30, Below: true}}
		var rows [][]string
		for _, c := range p.Changes {
			rows = append(rows, []string{c.ID, string(c.Action), c.Type, nameOf(c.Ref), dashIfEmpty(changeText(l, c.Before, c.After)), c.Why})
		}
		if err := table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), opts); err != nil {
			return err
		}
	}
	if len(p.Skipped) > 0 {
		if len(p.Changes) > 0 {
			fmt.Fprintln(r.env.Stdout)
		}
		cols := []table.Column{{Title: l.T("col.leftalone")}, {Title: l.T("col.type"), Drop: 1}, {Title: l.T("col.name"), Shrink: 2, Min: 16},
			{Title: l.T("col.why"), Shrink: 1, Min: 30, Below: true}}
		var rows [][]string
		for _, s := range p.Skipped {
			rows = append(rows, []string{"-", s.Type, nameOf(s.Ref), s.Reason})
		}
		if err := table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), opts); err != nil {
			return err
		}
	}
	for _, c := range p.Changes {
		for _, w := range c.Warnings {
			fmt.Fprintln(r.env.Stdout, table.Terminal(l.T("cli.plan.warning", c.ID, nameOf(c.Ref), w)))
		}
	}
	if len(p.Overrides) > 0 {
		fmt.Fprintln(r.env.Stdout)
		fmt.Fprintln(r.env.Stdout, l.T("cli.plan.overrides", len(p.Overrides)))
		return r.printOverrides(p.Overrides, p.AsOf, p.AsOf.Location())
	}
	return nil
}

func (r *runner) printOutcomes(format string, outs []action.Outcome) error {
	if format == "json" {
		if outs == nil {
			outs = []action.Outcome{}
		}
		return writeJSON(r.env.Stdout, outs)
	}
	lang := r.lang
	cols := []table.Column{{Title: lang.T("action.col.change")}, {Title: lang.T("action.col.action")}, {Title: lang.T("action.col.name")}, {Title: lang.T("apply.col.result")}}
	var rows [][]string
	for _, o := range outs {
		res := action.StatusPhrase(o.Status, false).In(lang)
		if o.Error != "" {
			res += ": " + o.Error
		}
		rows = append(rows, []string{o.Change.ID, string(o.Change.Action), nameOf(o.Change.Ref), res})
	}
	return table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), table.Options{})
}

// ScheduleRunCmd plans and applies what the schedules want now.
type ScheduleRunCmd struct {
	PlanFlags
	DryRun bool `name:"dry-run" help:"Plan only: print what would change and change nothing."`
}

// runSummary is what a run reports on stdout (JSON) and to the webhook.
type runSummary struct {
	At       time.Time        `json:"at"`
	Plan     string           `json:"plan"`
	DryRun   bool             `json:"dry_run"`
	Actor    string           `json:"actor,omitempty"`
	Planned  []action.Change  `json:"planned"`
	Outcomes []action.Outcome `json:"outcomes"`
	Skipped  []action.Skip    `json:"skipped"`
	// Overrides are the timed overrides in force: who set the schedule
	// aside, why and until when.
	Overrides []schedule.Override `json:"overrides"`
	Failed    int                 `json:"failed"`
	Error     string              `json:"error,omitempty"`
}

// Run runs the schedules once.
func (c *ScheduleRunCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	e, st, bastion, err := r.actionSetup(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := r.leaseChores(ctx, cfg, st, c.At, c.DryRun); err != nil {
		return err
	}
	p, err := r.planSchedules(ctx, cfg, e, st, bastion, c.PlanFlags)
	if err != nil {
		return err
	}
	sum := runSummary{At: p.AsOf, Plan: p.ID, DryRun: c.DryRun, Actor: e.Actor, Planned: p.Changes, Skipped: p.Skipped, Outcomes: []action.Outcome{},
		Overrides: p.Overrides}
	if sum.Overrides == nil {
		sum.Overrides = []schedule.Override{}
	}
	if sum.Skipped == nil {
		sum.Skipped = []action.Skip{}
	}
	var applyErr error
	if !c.DryRun && len(p.Changes) > 0 {
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
		err = r.printPlan("table", p)
		if err == nil && len(sum.Outcomes) > 0 {
			fmt.Fprintln(r.env.Stdout)
			err = r.printOutcomes("table", sum.Outcomes)
		}
		if err == nil && c.DryRun {
			fmt.Fprintln(r.env.Stdout, r.lang.T("plan.dryrun"))
		}
	}
	if u := cfg.Notify.WebhookURL; u != "" && (len(p.Changes) > 0 || applyErr != nil) {
		if werr := notify.Webhook(ctx, nil, u, sum); werr != nil {
			r.log.Warn("run summary not delivered", "err", werr)
			fmt.Fprintf(r.env.Stderr, "steward: %v\n", werr)
		}
	}
	r.postRunSummary(ctx, cfg, sum, applyErr)
	if err != nil {
		return err
	}
	return refusal(applyErr)
}

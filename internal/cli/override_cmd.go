package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// ScheduleOverrideCmd groups the override subcommands; a bare
// `schedule override RESOURCE ...` adds one.
type ScheduleOverrideCmd struct {
	Add    OverrideAddCmd    `cmd:"" default:"withargs" help:"Hold a resource or an env on or off until a time, whatever its schedule says (the default subcommand)."`
	List   OverrideListCmd   `cmd:"" help:"List the overrides in force (--all: every override, ended ones too)."`
	Cancel OverrideCancelCmd `cmd:"" help:"End an override now: the resources follow their schedule again at the next run."`
}

// OverrideAddCmd adds a timed override.
type OverrideAddCmd struct {
	Target string `arg:"" name:"resource-or-env" help:"A resource (ARN or name, as the latest scan has it) or an env (env:NAME, or a bare env value)."`
	On     bool   `help:"Hold it on." xor:"state"`
	Off    bool   `help:"Hold it off." xor:"state"`
	Until  string `help:"When the override ends by itself: a time of day in steward.yaml's time_zone (22:00, the next one), a duration (2h) or an RFC 3339 instant." required:""`
	Reason string `help:"Why: shown in plans, the journal and the run summary." required:""`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// OverrideListCmd lists overrides.
type OverrideListCmd struct {
	All    bool   `help:"Every override, ended and cancelled ones too."`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// OverrideCancelCmd cancels an override.
type OverrideCancelCmd struct {
	ID string `arg:"" name:"override-id" help:"The override to end, as schedule override list shows it."`
}

// zone is the time zone of times people type: steward.yaml's time_zone,
// else the machine's.
func zone(cfg *config.Config) *time.Location {
	if cfg.TimeZone != "" {
		if loc, err := schedule.LoadZone(cfg.TimeZone); err == nil {
			return loc
		}
	}
	return time.Local
}

// newOverrideID is sortable by time, with a random part.
func newOverrideID(prefix string, t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%s%s-%x", prefix, t.UTC().Format("20060102T150405"), b)
}

// resolveOverrideTarget reads RESOURCE|ENV: an ARN, env:NAME, or a bare
// word looked up in the latest scan as a resource name, then as an env.
func (r *runner) resolveOverrideTarget(ctx context.Context, cfg *config.Config, st store.Store, target string) (string, schedule.OverrideKind, error) {
	target = strings.TrimSpace(target)
	switch {
	case target == "":
		return "", "", r.usage("cli.override.notarget", target)
	case strings.HasPrefix(target, "arn:"):
		return target, schedule.OverrideResource, nil
	case strings.HasPrefix(target, "env:"):
		env := strings.TrimPrefix(target, "env:")
		if env == "" {
			return "", "", r.usage("cli.override.notarget", target)
		}
		return env, schedule.OverrideEnv, nil
	}
	sc, err := st.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", r.usage("cli.override.noscan", target)
	}
	if err != nil {
		return "", "", fmt.Errorf("read latest scan: %w", err)
	}
	rs, err := st.Resources(ctx, sc.ID)
	if err != nil {
		return "", "", err
	}
	var arns []string
	env := false
	for _, res := range rs {
		// Only what steward stops and starts: a service's name is often
		// its repository's, target group's and task definition's too.
		if res.Name == target && slices.Contains(action.Types, res.Type) {
			arns = append(arns, res.ARN)
		}
		if v, ok := res.Tag(cfg.Tags.EnvKey); ok && strings.EqualFold(v, target) {
			env = true
		}
	}
	switch {
	case len(arns) == 1:
		return arns[0], schedule.OverrideResource, nil
	case len(arns) > 1:
		return "", "", r.usage("cli.override.ambiguous", target, len(arns), strings.Join(arns, ", "))
	case env:
		return target, schedule.OverrideEnv, nil
	}
	return "", "", r.usage("cli.override.notarget", target)
}

// Run adds the override.
func (c *OverrideAddCmd) Run(ctx context.Context, r *runner) error {
	if !c.On && !c.Off {
		return r.usage("cli.override.onoff")
	}
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	now := r.env.Now()
	until, err := schedule.ParseUntil(c.Until, now, zone(cfg))
	if err != nil {
		if p, ok := i18n.PhraseOf(err); ok {
			return usagef("--until: %s", p.In(r.lang))
		}
		return usagef("--until: %w", err)
	}
	if strings.TrimSpace(c.Reason) == "" {
		return r.usage("cli.override.reason")
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	target, kind, err := r.resolveOverrideTarget(ctx, cfg, st, c.Target)
	if err != nil {
		return err
	}
	o := schedule.Override{ID: newOverrideID("o", now), Target: target, Kind: kind, State: schedule.Off, Reason: strings.TrimSpace(c.Reason),
		Actor: r.whoami(""), Created: now, Until: until}
	if c.On {
		o.State = schedule.On
	}
	if err := st.AddOverride(ctx, o); err != nil {
		return err
	}
	if c.Format == "json" {
		return writeJSON(r.env.Stdout, o)
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("cli.override.added", o.ID, overrideTarget(o), r.lang.T("state."+string(o.State)),
		whenIn(r.lang, o.Until.In(zone(cfg))), orDash(o.Actor), o.Reason))
	return err
}

// overrideTarget is what an override holds, as people read it.
func overrideTarget(o schedule.Override) string {
	if o.Kind == schedule.OverrideEnv {
		return "env:" + o.Target
	}
	return o.Target
}

func orDash(s string) string { return dashIfEmpty(s) }

// Run lists overrides.
func (c *OverrideListCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	st, err := r.openStoreForReading(ctx, cfg)
	if errors.Is(err, store.ErrNotFound) {
		if c.Format == "json" {
			return writeJSON(r.env.Stdout, []schedule.Override{})
		}
		_, err := fmt.Fprintln(r.env.Stdout, r.lang.T("cli.override.none"))
		return err
	}
	if err != nil {
		return err
	}
	defer st.Close()
	now := r.env.Now()
	since := now
	if c.All {
		since = time.Time{}
	}
	list, err := st.OverridesSince(ctx, since)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		if list == nil {
			list = []schedule.Override{}
		}
		return writeJSON(r.env.Stdout, list)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(r.env.Stdout, r.lang.T("cli.override.none"))
		return err
	}
	return r.printOverrides(list, now, zone(cfg))
}

// printOverrides is the table of overrides plans and the list show.
// Reasons are what people typed: the table layer escapes them.
func (r *runner) printOverrides(list []schedule.Override, now time.Time, loc *time.Location) error {
	l := r.lang
	cols := []table.Column{{Title: l.T("col.override")}, {Title: l.T("col.target"), Shrink: 2, Min: 20}, {Title: l.T("col.state")},
		{Title: l.T("col.until")}, {Title: l.T("col.by"), Drop: 1}, {Title: l.T("col.reason"), Shrink: 1, Min: 20, Below: true}}
	var rows [][]string
	for _, o := range list {
		until := whenIn(l, o.Until.In(loc))
		switch {
		case !o.Cancelled.IsZero() && o.Cancelled.Before(o.Until):
			until = l.T("cli.override.cancelled", whenIn(l, o.Cancelled.In(loc)), orDash(o.CancelledBy))
		case !o.Until.After(now):
			until = l.T("cli.override.ended", until)
		}
		rows = append(rows, []string{o.ID, overrideTarget(o), l.T("state." + string(o.State)), until, orDash(o.Actor), o.Reason})
	}
	return table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), table.Options{Width: r.tableWidth()})
}

// Run cancels an override.
func (c *OverrideCancelCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	o, err := st.CancelOverride(ctx, c.ID, r.whoami(""), r.env.Now())
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("cli.override.unknown", c.ID)
	}
	if err != nil {
		return usageError{err}
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("cli.override.cancel", o.ID, overrideTarget(o)))
	return err
}

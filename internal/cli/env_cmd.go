package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// EnvCmd groups the environment subcommands.
type EnvCmd struct {
	List    EnvListCmd    `cmd:"" default:"withargs" help:"Show every environment: running or stopped, who holds it, for what and until when, its last deploy and its cost this month (the default)."`
	Claim   EnvClaimCmd   `cmd:"" help:"Lease an environment: for how long and what for. One held by someone else is refused unless --steal --reason."`
	Extend  EnvExtendCmd  `cmd:"" help:"Move the end of your lease later."`
	Release EnvReleaseCmd `cmd:"" help:"End your lease now."`
	History EnvHistoryCmd `cmd:"" help:"Who held an environment when: every claim, extension, steal, release, expiry and reminder."`
	Diff    EnvDiffCmd    `cmd:"" help:"Compare two environments (stg and prod): resources one lacks, expected parameters and drift."`
}

// AsFlag names who runs a lease command.
type AsFlag struct {
	As string `help:"Who you are (default: STEWARD_USER, else your OS user)." placeholder:"NAME"`
}

// EnvListCmd prints the board.
type EnvListCmd struct {
	Format string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

// EnvClaimCmd leases an environment.
type EnvClaimCmd struct {
	AsFlag
	Name    string `arg:"" help:"The environment (qa3)."`
	For     string `help:"How long: 4h, 90m, 2d, 1d12h (default: leases.default_duration, 4h)." placeholder:"DURATION"`
	Purpose string `help:"What for, e.g. \"PR #123 payment QA\"." placeholder:"TEXT"`
	Branch  string `help:"The branch or pull request deployed there." placeholder:"BRANCH"`
	Steal   bool   `help:"Take the environment from its holder, who is told (needs --reason)."`
	Reason  string `help:"Why you steal it; the holder is told." placeholder:"TEXT"`
	Format  string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// EnvExtendCmd extends a lease.
type EnvExtendCmd struct {
	AsFlag
	Name   string `arg:"" help:"The environment."`
	For    string `help:"How much longer, from the current end (default: leases.default_duration)." placeholder:"DURATION"`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// EnvReleaseCmd ends a lease.
type EnvReleaseCmd struct {
	AsFlag
	Name   string `arg:"" help:"The environment."`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// EnvHistoryCmd lists lease events.
type EnvHistoryCmd struct {
	Name   string `arg:"" optional:"" help:"The environment (default: every one)."`
	Format string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

// EnvDiffCmd compares two environments.
type EnvDiffCmd struct {
	A      string `arg:"" help:"The first environment (stg)."`
	B      string `arg:"" help:"The second environment (prod)."`
	System string `help:"Only the resources of this system." placeholder:"NAME"`
	Format string `help:"Output: table, json, markdown, csv." default:"table" enum:"table,json,markdown,csv" short:"f"`
	FailOn string `name:"fail-on" help:"Exit 1 when there is drift (drift), or any difference at all (any)." enum:",drift,any" default:"" placeholder:"WHAT"`
}

// envScene is what the environment commands read: the configuration's
// environments, the latest scan's resources, the store.
type envScene struct {
	cfg   *config.Config
	st    store.Store
	rs    []inventory.Resource
	scan  *inventory.Scan
	defs  []env.Definition
	keys  env.Keys
	lease *env.Leases
}

func (r *runner) envScene(ctx context.Context) (*envScene, error) {
	cfg, err := r.config(ctx)
	if err != nil {
		return nil, err
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &envScene{cfg: cfg, st: st, keys: env.Keys{Env: cfg.Tags.EnvKey, System: cfg.Tags.SystemKey}}
	sc, err := st.LatestScan(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		st.Close()
		return nil, fmt.Errorf("read latest scan: %w", err)
	default:
		s.scan = sc
		if s.rs, err = st.Resources(ctx, sc.ID); err != nil {
			st.Close()
			return nil, fmt.Errorf("read resources of scan %s: %w", sc.ID, err)
		}
	}
	s.defs = env.Definitions(cfg.EnvDefinitions(), cfg.Tags.Required[cfg.Tags.EnvKey], s.rs, s.keys)
	s.lease = r.leaseManager(cfg, st, s.defs)
	return s, nil
}

func (s *envScene) definition(name string) (env.Definition, bool) {
	for _, d := range s.defs {
		if d.Name == name {
			return d, true
		}
	}
	return env.Definition{}, false
}

// Run prints the board.
func (c *EnvListCmd) Run(ctx context.Context, r *runner) error {
	s, err := r.envScene(ctx)
	if err != nil {
		return err
	}
	defer s.st.Close()
	rows, err := s.lease.BoardOf(ctx, env.View{Resources: s.rs, Definitions: s.defs, Keys: s.keys, Resolver: s.cfg.ScheduleResolver()}, s.st)
	if err != nil {
		return err
	}
	now := r.env.Now().UTC()
	costs, period, err := r.envCosts(ctx, s)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		type jsonRow struct {
			env.Row
			CostMonth *money.Amount `json:"cost_month,omitempty"`
		}
		out := struct {
			Scan         string    `json:"scan,omitempty"`
			Period       string    `json:"cost_period,omitempty"`
			Currency     string    `json:"currency,omitempty"`
			Environments []jsonRow `json:"environments"`
		}{Period: period, Environments: []jsonRow{}}
		if s.scan != nil {
			out.Scan = s.scan.ID
		}
		if costs != nil {
			out.Currency = costs.Currency
		}
		for _, row := range rows {
			jr := jsonRow{Row: row}
			if a, ok := costs.of(row.Name); ok {
				jr.CostMonth = &a
			}
			out.Environments = append(out.Environments, jr)
		}
		return r.writeJSON(out)
	}
	lang := r.lang
	if c.Format == table.FormatCSV {
		lang = i18n.EN
	}
	loc := r.zone(s.cfg)
	costTitle := lang.T("env.col.cost")
	if period != "" {
		costTitle = lang.T("env.col.cost.period", period)
	}
	cols := []table.Column{{Title: lang.T("env.col.env")}, {Title: lang.T("env.col.state")}, {Title: lang.T("env.col.running"), Number: true, Drop: 4},
		{Title: lang.T("env.col.schedule"), Shrink: 2, Min: 10, Drop: 3}, {Title: lang.T("env.col.holder")}, {Title: lang.T("env.col.purpose"), Shrink: 1, Min: 12},
		{Title: lang.T("env.col.branch"), Shrink: 3, Min: 8, Drop: 2}, {Title: lang.T("env.col.until")}, {Title: lang.T("env.col.deploy"), Shrink: 4, Min: 12, Drop: 1},
		{Title: costTitle, Number: true}}
	var cells [][]string
	for _, row := range rows {
		holder, purpose, branch, until := "-", "-", "-", "-"
		if l := row.Lease; l != nil {
			holder = env.HolderText(l, lang)
			purpose, branch = dash(l.Purpose), dash(l.Branch)
			until = lang.T("env.until", l.Until.In(loc).Format("01-02 15:04"), env.FormatDurationIn(lang, l.Until.Sub(now)))
		} else if !row.Leasable {
			holder = lang.T("env.not.leasable")
		} else {
			holder = lang.T("env.free")
		}
		sched := row.ScheduleText()
		if h := row.Hold; h != nil {
			text := lang.T("env.hold.lease")
			if h.Status.State == schedule.Off {
				text = lang.T("env.hold.idle", h.Status.Since.In(loc).Format("01-02 15:04"))
			}
			sched = strings.TrimPrefix(sched+"; ", "; ") + text
		}
		deploy := "-"
		if dep := row.LastDeploy; dep != nil {
			deploy = lang.T("env.deploy", dep.Service, short(dep.CommitSHA), string(dep.Result), env.FormatAgoIn(lang, now.Sub(dep.Finished)))
		}
		running := "-"
		if row.Running+row.Stopped > 0 {
			running = fmt.Sprintf("%d/%d", row.Running, row.Running+row.Stopped)
		}
		costCell := "-"
		if a, ok := costs.of(row.Name); ok {
			costCell = money.Format(a, costs.Currency)
		}
		cells = append(cells, []string{row.Name, lang.T("env.state." + row.State), running, dash(sched), holder, purpose, branch, until, deploy, costCell})
	}
	var notes []string
	if s.scan == nil {
		notes = append(notes, lang.T("env.note.noscan"))
	} else {
		notes = append(notes, lang.T("env.note.scan", s.scan.ID, s.scan.Started.In(loc).Format("2006-01-02 15:04 MST")))
	}
	if period == "" {
		notes = append(notes, lang.T("env.note.nobill"))
	}
	return table.Render(r.env.Stdout, c.Format, table.Rows(lang.T("env.title"), cols, cells, notes...), table.Options{Width: r.tableWidth()})
}

// envCostTable is the cost of each environment in the latest billed month.
type envCostTable struct {
	Currency string
	by       map[string]money.Amount
}

func (t *envCostTable) of(name string) (money.Amount, bool) {
	if t == nil {
		return money.Amount{}, false
	}
	a, ok := t.by[name]
	return a, ok
}

// envCosts attributes the latest billed month's usage to environments
// (the cost rollups, attributed as cost show --by env does); nil, ""
// when no bill was ingested.
func (r *runner) envCosts(ctx context.Context, s *envScene) (*envCostTable, string, error) {
	sd, ok := s.st.(store.SQLDatabase)
	if !ok {
		return nil, "", nil
	}
	cs, err := costdbOpen(ctx, sd)
	if err != nil {
		return nil, "", err
	}
	end, err := cost.DataEnd(ctx, cs)
	if errors.Is(err, cost.ErrNoBill) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	from := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
	res, err := cost.Show(ctx, cost.ShowOptions{Common: cost.Common{
		Store: cs, Cost: s.cfg.Cost, Keys: cost.Keys{System: s.cfg.Tags.SystemKey, Env: s.cfg.Tags.EnvKey, Owner: s.cfg.Tags.OwnerKey},
		Naming: s.cfg.NamingRule(), Currency: s.cfg.Currency.Code, Rate: s.cfg.Currency.Rate, Now: r.env.Now().UTC(),
		Resources: s.rs, Logger: r.log, Schedules: s.cfg.ScheduleResolver(),
	}, By: "env", From: from, To: end.AddDate(0, 0, 1)})
	if err != nil {
		return nil, "", err
	}
	t := &envCostTable{Currency: res.Currency, by: map[string]money.Amount{}}
	for _, g := range res.Groups {
		t.by[g.Key] = g.Cost
	}
	return t, from.Format("2006-01"), nil
}

// zone is where people read and type times: see zone.
func (r *runner) zone(cfg *config.Config) *time.Location { return zone(cfg) }

// Run claims.
func (c *EnvClaimCmd) Run(ctx context.Context, r *runner) error {
	var d time.Duration
	if c.For != "" {
		var err error
		if d, err = env.ParseDuration(c.For); err != nil {
			return usagef("--for: %w", err)
		}
	}
	if c.Reason != "" && !c.Steal {
		return usageError{i18n.Say("cli.err.reasonsteal").Err()}
	}
	s, err := r.envScene(ctx)
	if err != nil {
		return err
	}
	defer s.st.Close()
	who := r.whoami(c.As)
	res, err := s.lease.Claim(ctx, env.Claim{Environment: c.Name, Holder: who, For: d, Purpose: c.Purpose, Branch: c.Branch, Steal: c.Steal, Reason: c.Reason})
	if err != nil {
		return r.leaseError(err, s.cfg)
	}
	if res.NoticeErr != nil {
		r.log.Warn("notice not delivered", "err", res.NoticeErr)
		fmt.Fprintf(r.env.Stderr, "steward: %v\n", res.NoticeErr)
	}
	if c.Format == "json" {
		return r.writeJSON(res)
	}
	loc := r.zone(s.cfg)
	if res.Expired != nil {
		fmt.Fprintln(r.env.Stdout, r.lang.T("env.claim.expired", res.Expired.Holder, res.Expired.Until.In(loc).Format(time.RFC3339)))
	}
	if res.Stolen != nil {
		fmt.Fprintln(r.env.Stdout, r.lang.T("env.claim.stolen", res.Stolen.Holder))
	}
	key := "env.claim.ok"
	if res.Renewed {
		key = "env.claim.renewed"
	}
	l := res.Lease
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T(key, l.Environment, l.Holder, l.Until.In(loc).Format("2006-01-02 15:04 MST"), env.FormatDurationIn(r.lang, l.Until.Sub(r.env.Now()))))
	return err
}

// leaseError turns a refusal into a message that says what to do (exit
// 2); other errors are steward's own.
func (r *runner) leaseError(err error, cfg *config.Config) error {
	if msg, ok := env.Refusal(err, r.lang, r.zone(cfg)); ok {
		return usageError{errors.New(msg)}
	}
	return err
}

// Run extends.
func (c *EnvExtendCmd) Run(ctx context.Context, r *runner) error {
	var d time.Duration
	if c.For != "" {
		var err error
		if d, err = env.ParseDuration(c.For); err != nil {
			return usagef("--for: %w", err)
		}
	}
	s, err := r.envScene(ctx)
	if err != nil {
		return err
	}
	defer s.st.Close()
	l, err := s.lease.Extend(ctx, c.Name, r.whoami(c.As), d)
	if err != nil {
		return r.leaseError(err, s.cfg)
	}
	if c.Format == "json" {
		return r.writeJSON(l)
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("env.extend.ok", l.Environment, l.Until.In(r.zone(s.cfg)).Format("2006-01-02 15:04 MST"), env.FormatDurationIn(r.lang, l.Until.Sub(r.env.Now()))))
	return err
}

// Run releases.
func (c *EnvReleaseCmd) Run(ctx context.Context, r *runner) error {
	s, err := r.envScene(ctx)
	if err != nil {
		return err
	}
	defer s.st.Close()
	l, err := s.lease.Release(ctx, c.Name, r.whoami(c.As))
	if err != nil {
		return r.leaseError(err, s.cfg)
	}
	if c.Format == "json" {
		return r.writeJSON(l)
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("env.release.ok", l.Environment, env.FormatDurationIn(r.lang, l.Ended.Sub(l.Start))))
	return err
}

// Run lists the history.
func (c *EnvHistoryCmd) Run(ctx context.Context, r *runner) error {
	s, err := r.envScene(ctx)
	if err != nil {
		return err
	}
	defer s.st.Close()
	if _, err := s.lease.Live(ctx); err != nil { // expired leases show as expired
		return err
	}
	evs, err := s.st.LeaseEvents(ctx, c.Name)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		if evs == nil {
			evs = []env.Event{}
		}
		return r.writeJSON(evs)
	}
	lang := r.lang
	if c.Format == table.FormatCSV {
		lang = i18n.EN
	}
	loc := r.zone(s.cfg)
	cols := []table.Column{{Title: lang.T("col.when")}, {Title: lang.T("env.col.env")}, {Title: lang.T("env.col.event")}, {Title: lang.T("env.col.who")},
		{Title: lang.T("env.col.detail"), Shrink: 1, Min: 20, Below: true}}
	var cells [][]string
	for _, e := range evs {
		cells = append(cells, []string{e.At.In(loc).Format("2006-01-02 15:04 MST"), e.Environment, lang.T("env.event." + e.Kind), e.Actor, dash(e.DetailPhrase().In(lang))})
	}
	title := lang.T("env.history.title")
	if c.Name != "" {
		title = lang.T("env.history.title.one", c.Name)
	}
	return table.Render(r.env.Stdout, c.Format, table.Rows(title, cols, cells), table.Options{Width: r.tableWidth()})
}

// Run compares.
func (c *EnvDiffCmd) Run(ctx context.Context, r *runner) error {
	if c.A == c.B {
		return usageError{i18n.Say("cli.err.envdiff.same", c.A, c.B).Err()}
	}
	s, err := r.envScene(ctx)
	if err != nil {
		return err
	}
	defer s.st.Close()
	if s.scan == nil {
		return usageError{i18n.Say("cli.err.envdiff.noscan").Err()}
	}
	a, okA := s.definition(c.A)
	b, okB := s.definition(c.B)
	for _, x := range []struct {
		name string
		ok   bool
	}{{c.A, okA}, {c.B, okB}} {
		if !x.ok {
			return r.leaseError(&env.UnknownError{Name: x.name}, s.cfg)
		}
	}
	o := s.cfg.EnvDiffOptions()
	o.System = c.System
	res := env.Diff(a, b, s.rs, o)
	if c.Format == "json" {
		err = r.writeJSON(res)
	} else {
		err = r.renderEnvDiff(c.Format, res)
	}
	if err != nil {
		return err
	}
	switch {
	case c.FailOn == "drift" && res.Drift > 0:
		return exitError{code: ExitFindings, msg: r.lang.T("env.diff.fail.drift", res.Drift)}
	case c.FailOn == "any" && res.Drift+res.Parameters+len(res.OnlyA)+len(res.OnlyB) > 0:
		return exitError{code: ExitFindings, msg: r.lang.T("env.diff.fail.any")}
	}
	return nil
}

func (r *runner) renderEnvDiff(format string, res env.DiffResult) error {
	lang := r.lang
	if format == table.FormatCSV {
		lang = i18n.EN
	}
	t := &table.Table{
		Title: lang.T("env.diff.title", res.A, res.B, res.Matched, res.Drift, res.Parameters, len(res.OnlyA), len(res.OnlyB)),
		Columns: []table.Column{{Title: lang.T("env.col.kind")}, {Title: lang.T("col.type"), Drop: 1}, {Title: res.A, Shrink: 2, Min: 16},
			{Title: res.B, Shrink: 2, Min: 16}, {Title: lang.T("env.col.attr")}, {Title: lang.T("env.col.in", res.A), Shrink: 1, Min: 10},
			{Title: lang.T("env.col.in", res.B), Shrink: 1, Min: 10}},
	}
	var drift, params, missing [][]string
	for _, p := range res.Pairs {
		for _, d := range p.Differences {
			row := []string{lang.T("env.kind." + d.Kind), p.Type, p.A, p.B, d.Attr, envValue(lang, d.A), envValue(lang, d.B)}
			if d.Kind == env.KindDrift {
				drift = append(drift, row)
			} else {
				params = append(params, row)
			}
		}
	}
	for _, u := range res.OnlyA {
		row := []string{lang.T("env.kind.missing"), u.Type, u.Name, lang.T("env.absent"), "-", "-", "-"}
		if u.Drift {
			row[0] = lang.T("env.kind.drift")
			drift = append(drift, row)
			continue
		}
		missing = append(missing, row)
	}
	for _, u := range res.OnlyB {
		row := []string{lang.T("env.kind.missing"), u.Type, lang.T("env.absent"), u.Name, "-", "-", "-"}
		if u.Drift {
			row[0] = lang.T("env.kind.drift")
			drift = append(drift, row)
			continue
		}
		missing = append(missing, row)
	}
	for _, sec := range []struct {
		key  string
		rows [][]string
	}{{"env.diff.sec.drift", drift}, {"env.diff.sec.params", params}, {"env.diff.sec.missing", missing}} {
		if len(sec.rows) > 0 {
			t.Sections = append(t.Sections, table.Section{Title: lang.T(sec.key, len(sec.rows)), Rows: sec.rows})
		}
	}
	if len(t.Sections) == 0 {
		t.Sections = []table.Section{{}}
		t.Notes = append(t.Notes, lang.T("env.diff.same"))
	}
	t.Notes = append(t.Notes, lang.T("env.diff.note"))
	return table.Render(r.env.Stdout, format, t, table.Options{Width: r.tableWidth()})
}

// envValue is an attribute's value in an env diff: the words env puts for
// a value that is empty or absent are said in lang; values stay as read.
func envValue(lang i18n.Lang, v string) string {
	switch v {
	case "(none)":
		return lang.T("iac.none")
	case "(absent)":
		return lang.T("env.absent")
	}
	return v
}

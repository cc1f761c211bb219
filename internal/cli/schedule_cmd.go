package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/schedule"
)

// ScheduleCmd groups the schedule subcommands.
type ScheduleCmd struct {
	Eval     ScheduleEvalCmd     `cmd:"" help:"Say what a schedule wants at an instant: on, off or none, since when, and the next transition."`
	Preview  SchedulePreviewCmd  `cmd:"" help:"Show a named schedule's transitions and days off for the days ahead."`
	List     ScheduleListCmd     `cmd:"" help:"List the schedules of steward.yaml and which resources follow them."`
	Run      ScheduleRunCmd      `cmd:"" help:"Stop and start what the schedules want now (journaled); --dry-run plans only."`
	Override ScheduleOverrideCmd `cmd:"" help:"Hold a resource or env on or off until a time, with who and why; list and cancel overrides."`
}

// ScheduleEvalCmd evaluates an offhours tag or a named schedule.
type ScheduleEvalCmd struct {
	Tag       *string `help:"A Cloud Custodian offhours tag value, e.g. 'off=(M-F,19);on=(M-F,7);tz=jst' (an empty value for the defaults)." xor:"what" placeholder:"VALUE"`
	Schedule  string  `help:"A named schedule of steward.yaml." xor:"what" placeholder:"NAME"`
	DefaultTZ string  `name:"default-tz" help:"Zone of a tag without tz: an IANA name or a Custodian alias such as jst (default: time_zone of steward.yaml, else Custodian's et)." placeholder:"ZONE"`
	At        string  `help:"The instant, RFC 3339, e.g. 2026-12-07T19:30:00+09:00 (default: now)." placeholder:"TIME"`
	Format    string  `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// Run evaluates.
func (c *ScheduleEvalCmd) Run(ctx context.Context, r *runner) error {
	at, err := instant("--at", c.At, r.env.Now)
	if err != nil {
		return err
	}
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	var s *schedule.Schedule
	switch {
	case c.Tag != nil:
		if c.DefaultTZ != "" {
			if _, err := schedule.LoadZone(c.DefaultTZ); err != nil {
				return usagef("--default-tz: %w", err)
			}
		}
		tz := c.DefaultTZ
		if tz == "" {
			tz = cfg.TimeZone
		}
		var optedOut bool
		s, optedOut, err = schedule.ParseOffhours(*c.Tag, schedule.DefaultOffhours(tz))
		if err != nil {
			return usageError{err}
		}
		if optedOut {
			return r.printStatus(c.Format, "tag "+*c.Tag+" (opted out)", nil, schedule.Status{State: schedule.None})
		}
	case c.Schedule != "":
		if c.DefaultTZ != "" {
			return usageError{i18n.Say("cli.err.defaulttz").Err()}
		}
		if s, err = namedSchedule(cfg, c.Schedule); err != nil {
			return err
		}
	default:
		return usageError{i18n.Say("cli.schedule.evalwhat").Err()}
	}
	return r.printStatus(c.Format, s.Name(), s, s.Eval(at))
}

func (r *runner) printStatus(format, name string, s *schedule.Schedule, st schedule.Status) error {
	if format == "json" {
		return writeJSON(r.env.Stdout, st)
	}
	l := r.lang
	if s != nil {
		name += " (" + s.Location().String() + ")"
	}
	// A label and its value a line, the first line as the titles.
	cols := []table.Column{{Title: l.T("schedule.eval.schedule")}, {Title: name}}
	rows := [][]string{{l.T("schedule.eval.state"), stateText(l, st.State)}}
	if !st.Since.IsZero() {
		rows = append(rows, []string{l.T("schedule.eval.since"), whenIn(l, st.Since)})
	}
	if st.Next != nil {
		rows = append(rows, []string{l.T("schedule.eval.next"), l.T("schedule.eval.nextat", stateText(l, st.Next.State), whenIn(l, st.Next.At))})
	}
	if s != nil && s.Enforced() {
		rows = append(rows, []string{l.T("schedule.eval.enforced"), l.T("schedule.eval.enforcedyes")})
	}
	return table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), table.Options{})
}

// stateText is a schedule state for people: on, off, none in English.
func stateText(l i18n.Lang, st schedule.State) string {
	if key := "schedule.state." + string(st); l.Has(key) {
		return l.T(key)
	}
	return string(st)
}

// SchedulePreviewCmd shows the days ahead of a named schedule.
type SchedulePreviewCmd struct {
	Name   string `arg:"" help:"A named schedule of steward.yaml."`
	Days   int    `help:"How many days to show, from today (1 to 366)." default:"7"`
	From   string `help:"The first day, as an RFC 3339 instant (default: now)." placeholder:"TIME"`
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

// Run previews.
func (c *SchedulePreviewCmd) Run(ctx context.Context, r *runner) error {
	if c.Days < 1 || c.Days > 366 {
		return usageError{i18n.Say("cli.err.days366", c.Days).Err()}
	}
	from, err := instant("--from", c.From, r.env.Now)
	if err != nil {
		return err
	}
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	s, err := namedSchedule(cfg, c.Name)
	if err != nil {
		return err
	}
	days := s.Preview(from, c.Days)
	if c.Format == "json" {
		return writeJSON(r.env.Stdout, days)
	}
	l := r.lang
	fmt.Fprintln(r.env.Stdout, table.Terminal(fmt.Sprintf("%s: %s", s.Name(), s.Describe(l))))
	cols := []table.Column{{Title: l.T("schedule.col.date")}, {Title: l.T("schedule.col.day")}, {Title: l.T("schedule.col.transitions")}, {Title: l.T("schedule.col.dayoff")}}
	var rows [][]string
	for _, d := range days {
		var ts []string
		for _, t := range d.Transitions {
			ts = append(ts, fmt.Sprintf("%s %s", stateText(l, t.State), t.At.Format("15:04 MST")))
		}
		trs := strings.Join(ts, l.T("schedule.sep"))
		if trs == "" {
			trs = "-"
		}
		off := d.Off
		switch off {
		case "":
		case "closed":
			off = l.T("schedule.closedday")
		default:
			off = l.T("schedule.holiday", l.Holiday(off))
		}
		rows = append(rows, []string{d.Date.Format(time.DateOnly), l.Weekday(d.Date.Weekday()), trs, off})
	}
	return table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), table.Options{})
}

// ScheduleListCmd lists the named schedules.
type ScheduleListCmd struct {
	Format string `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
}

type scheduleInfo struct {
	Name     string   `json:"name"`
	Windows  []string `json:"windows"`
	TimeZone string   `json:"time_zone"`
	Holidays string   `json:"holidays"`
	Closed   []string `json:"closed"`
	Enforced bool     `json:"enforced"`
	Env      []string `json:"env"`
	System   []string `json:"system"`
	Tag      string   `json:"tag"`
}

// Run lists.
func (c *ScheduleListCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	res := cfg.ScheduleResolver()
	infos := []scheduleInfo{}
	for _, s := range res.Named {
		info := scheduleInfo{Name: s.Name(), TimeZone: s.Location().String(), Holidays: s.Holidays(), Enforced: s.Enforced(),
			Tag: res.ScheduleKey + "=" + s.Name(), Windows: []string{}, Closed: []string{}}
		for _, w := range s.Windows() {
			info.Windows = append(info.Windows, w.String())
		}
		for _, d := range s.Closed() {
			info.Closed = append(info.Closed, d.String())
		}
		info.Env, info.System = s.Selectors()
		infos = append(infos, info)
	}
	if c.Format == "json" {
		return writeJSON(r.env.Stdout, infos)
	}
	if len(infos) == 0 {
		fmt.Fprintln(r.env.Stdout, r.lang.T("schedule.none"))
	} else {
		l := r.lang
		cols := []table.Column{{Title: l.T("schedule.col.name")}, {Title: l.T("schedule.col.windows")}, {Title: l.T("schedule.col.zone")}, {Title: l.T("schedule.col.holidays")},
			{Title: l.T("schedule.col.closed")}, {Title: l.T("schedule.col.enforced")}, {Title: l.T("schedule.col.by")}}
		var rows [][]string
		for _, i := range infos {
			by := []string{l.T("schedule.by.tag", i.Tag)}
			if len(i.Env) > 0 {
				by = append(by, l.T("schedule.by.env", strings.Join(i.Env, ",")))
			}
			if len(i.System) > 0 {
				by = append(by, l.T("schedule.by.system", strings.Join(i.System, ",")))
			}
			enforced := l.T("schedule.no")
			if i.Enforced {
				enforced = l.T("schedule.yes")
			}
			rows = append(rows, []string{i.Name, strings.Join(i.Windows, "; "), i.TimeZone, i.Holidays,
				dashIfEmpty(strings.Join(i.Closed, ",")), enforced, strings.Join(by, "; ")})
		}
		if err := table.Render(r.env.Stdout, table.FormatTable, table.Rows("", cols, rows), table.Options{}); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(r.env.Stdout, table.Terminal(r.lang.T("schedule.offhours", res.OffhoursKey, res.Offhours.TimeZone)))
	return err
}

// namedSchedule finds a schedule of steward.yaml.
func namedSchedule(cfg *config.Config, name string) (*schedule.Schedule, error) {
	res := cfg.ScheduleResolver()
	if s, ok := res.Schedule(name); ok {
		return s, nil
	}
	var names []string
	for _, s := range res.Named {
		names = append(names, s.Name())
	}
	if len(names) == 0 {
		return nil, usageError{i18n.Say("cli.schedule.unknown.none", name).Err()}
	}
	return nil, usageError{i18n.Say("cli.schedule.unknown", name, strings.Join(names, ", ")).Err()}
}

// instant reads the RFC 3339 time of a flag; empty is now.
func instant(flag, s string, now func() time.Time) (time.Time, error) {
	if s == "" {
		return now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageError{i18n.Say("cli.err.rfc3339tz", flag, s).Err()}
	}
	return t, nil
}

// whenIn is an instant for people in lang, its weekday in their words:
// 2026-12-07 19:30 JST (Mon), or (月) in Japanese.
func whenIn(l i18n.Lang, t time.Time) string {
	return t.Format("2006-01-02 15:04 MST") + l.T("schedule.weekday", l.Weekday(t.Weekday()))
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

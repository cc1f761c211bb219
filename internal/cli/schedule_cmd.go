package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/steward-sre/steward/internal/config"
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
	Tag       *string `help:"A Cloud Custodian offhours tag value, e.g. 'off=(M-F,19);on=(M-F,7);tz=jst' ('' for the defaults)." xor:"what" placeholder:"VALUE"`
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
				return usagef("--default-tz: %v", err)
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
			return usagef("--default-tz applies to --tag only; a named schedule has its own time_zone")
		}
		if s, err = namedSchedule(cfg, c.Schedule); err != nil {
			return err
		}
	default:
		return usagef("give --tag VALUE or --schedule NAME")
	}
	return r.printStatus(c.Format, s.Name(), s, s.Eval(at))
}

func (r *runner) printStatus(format, name string, s *schedule.Schedule, st schedule.Status) error {
	if format == "json" {
		return writeJSON(r.env.Stdout, st)
	}
	tw := tabwriter.NewWriter(r.env.Stdout, 0, 0, 2, ' ', 0)
	if s != nil {
		name += " (" + s.Location().String() + ")"
	}
	fmt.Fprintf(tw, "SCHEDULE\t%s\n", name)
	fmt.Fprintf(tw, "STATE\t%s\n", st.State)
	if !st.Since.IsZero() {
		fmt.Fprintf(tw, "SINCE\t%s\n", when(st.Since))
	}
	if st.Next != nil {
		fmt.Fprintf(tw, "NEXT\t%s at %s\n", st.Next.State, when(st.Next.At))
	}
	if s != nil && s.Enforced() {
		fmt.Fprintf(tw, "ENFORCED\tyes: manual changes are undone at the next run\n")
	}
	return tw.Flush()
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
		return usagef("--days %d: want 1 to 366", c.Days)
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
	fmt.Fprintf(r.env.Stdout, "%s: %s\n", s.Name(), s)
	tw := tabwriter.NewWriter(r.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tDAY\tTRANSITIONS\tDAY OFF")
	for _, d := range days {
		var ts []string
		for _, t := range d.Transitions {
			ts = append(ts, fmt.Sprintf("%s %s", t.State, t.At.Format("15:04 MST")))
		}
		trs := strings.Join(ts, ", ")
		if trs == "" {
			trs = "-"
		}
		off := d.Off
		switch off {
		case "":
		case "closed":
			off = "closed day (off all day)"
		default:
			off = "holiday: " + off + " (off all day)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Date.Format(time.DateOnly), d.Date.Format("Mon"), trs, off)
	}
	return tw.Flush()
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
		fmt.Fprintln(r.env.Stdout, "No schedules in steward.yaml (add them under schedules:).")
	} else {
		tw := tabwriter.NewWriter(r.env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tWINDOWS\tTIME ZONE\tHOLIDAYS\tCLOSED\tENFORCED\tFOLLOWED BY")
		for _, i := range infos {
			by := []string{"tag " + i.Tag}
			if len(i.Env) > 0 {
				by = append(by, "env "+strings.Join(i.Env, ","))
			}
			if len(i.System) > 0 {
				by = append(by, "system "+strings.Join(i.System, ","))
			}
			enforced := "no"
			if i.Enforced {
				enforced = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i.Name, strings.Join(i.Windows, "; "), i.TimeZone, i.Holidays,
				dashIfEmpty(strings.Join(i.Closed, ",")), enforced, strings.Join(by, "; "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(r.env.Stdout, "A resource tagged %s follows that Cloud Custodian offhours schedule (zone without tz: %s).\n",
		res.OffhoursKey, res.Offhours.TimeZone)
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
	known := strings.Join(names, ", ")
	if known == "" {
		known = "none; add them under schedules: in steward.yaml"
	}
	return nil, usagef("no schedule %q (known: %s)", name, known)
}

// instant reads the RFC 3339 time of a flag; empty is now.
func instant(flag, s string, now func() time.Time) (time.Time, error) {
	if s == "" {
		return now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("%s %q is not an RFC 3339 time (e.g. 2026-12-07T19:30:00+09:00)", flag, s)
	}
	return t, nil
}

// when is a time as people read it, with its day.
func when(t time.Time) string { return t.Format("2006-01-02 15:04 MST (Mon)") }

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

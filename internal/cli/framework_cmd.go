package cli

import (
	"context"
	"fmt"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/framework"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/report"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/scan"
)

// FrameworkCmd groups the framework subcommands.
type FrameworkCmd struct {
	List FrameworksListCmd `cmd:"" help:"List the control frameworks and how much of each steward checks."`
	Show FrameworksShowCmd `cmd:"" help:"List a framework's controls and how steward checks each: by which policy, or why not."`
}

// FrameworksListCmd lists the catalogues with their coverage figures.
type FrameworksListCmd struct {
	Format string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

type frameworkRow struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Version  string             `json:"version"`
	Coverage framework.Coverage `json:"coverage"`
}

// Run lists.
func (c *FrameworksListCmd) Run(ctx context.Context, r *runner) error {
	refs, err := r.frameworkRefs(ctx)
	if err != nil {
		return err
	}
	fws, err := framework.All()
	if err != nil {
		return err
	}
	rows := make([]frameworkRow, 0, len(fws))
	for i := range fws {
		rows = append(rows, frameworkRow{ID: fws[i].ID, Name: fws[i].Name, Version: fws[i].Version, Coverage: framework.CoverageOf(framework.Map(&fws[i], refs))})
	}
	if c.Format == "json" {
		return r.writeJSON(rows)
	}
	lang := r.lang
	if c.Format == table.FormatCSV {
		lang = i18n.EN // CSV headers are read by programs
	}
	cols := []table.Column{{Title: "ID"}, {Title: lang.T("fw.col.name"), Shrink: 1, Min: 20}, {Title: lang.T("fw.col.version")}, {Title: lang.T("fw.col.controls"), Number: true},
		{Title: lang.T("fw.col.decidable"), Number: true}, {Title: lang.T("fw.col.checked"), Number: true}, {Title: lang.T("col.coverage"), Number: true}}
	cells := make([][]string, len(rows))
	for i, row := range rows {
		cv := row.Coverage
		cells[i] = []string{row.ID, row.Name, row.Version, fmt.Sprint(cv.Controls), fmt.Sprint(cv.Decidable), fmt.Sprint(cv.Checked), fmt.Sprintf("%.0f%%", cv.Percent())}
	}
	return table.Render(r.env.Stdout, c.Format, table.Rows("", cols, cells,
		lang.T("fw.list.note")), table.Options{Width: r.tableWidth()})
}

// FrameworksShowCmd lists one catalogue's controls.
type FrameworksShowCmd struct {
	ID     string `arg:"" help:"fsbp or cis." enum:"fsbp,cis"`
	Format string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

// Run shows.
func (c *FrameworksShowCmd) Run(ctx context.Context, r *runner) error {
	fw, err := framework.Get(c.ID)
	if err != nil {
		return usagef("%w", err)
	}
	refs, err := r.frameworkRefs(ctx)
	if err != nil {
		return err
	}
	ms := framework.Map(fw, refs)
	if c.Format == "json" {
		return r.writeJSON(struct {
			ID       string              `json:"id"`
			Name     string              `json:"name"`
			Version  string              `json:"version"`
			Coverage framework.Coverage  `json:"coverage"`
			Controls []framework.Mapping `json:"controls"`
		}{fw.ID, fw.Name, fw.Version, framework.CoverageOf(ms), ms})
	}
	lang := r.lang
	if c.Format == table.FormatCSV {
		lang = i18n.EN
	}
	return table.Render(r.env.Stdout, c.Format, framework.MappingTable(fw, ms, lang), table.Options{Width: r.tableWidth()})
}

// frameworkRefs maps the built-in policies with the configuration's
// disables applied.
func (r *runner) frameworkRefs(ctx context.Context) ([]framework.PolicyRef, error) {
	cfg, err := r.config(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := r.policies(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return builtinRefs(ctx, r, ps)
}

func builtinRefs(ctx context.Context, r *runner, enabled []*policy.Policy) ([]framework.PolicyRef, error) {
	builtins, err := policy.Load(ctx, nil, true)
	if err != nil {
		return nil, fmt.Errorf("built-in policies: %w", err)
	}
	return framework.PolicyRefs(builtins, enabled), nil
}

// renderFramework prints a scan judged by fw: json carries the usual
// report with a "framework" object; table and markdown print the report
// and then the controls; csv, one table per file, the controls only.
func (r *runner) renderFramework(ctx context.Context, out OutputFlags, cfg *config.Config, fw *framework.Framework, res *scan.Result, ps []*policy.Policy, changes *report.Changes) error {
	refs, err := builtinRefs(ctx, r, ps)
	if err != nil {
		return err
	}
	result := framework.Evaluate(fw, refs, res.Scan, res.Resources, res.Findings())
	rep := r.newReport(out, cfg, res.Scan, res.Findings(), ps, changes, "")
	switch out.Format {
	case report.FormatJSON:
		rep.Framework = result
		return r.renderReport(out, rep)
	case report.FormatCSV:
		return table.Render(r.env.Stdout, table.FormatCSV, result.Table(i18n.EN), table.Options{})
	}
	if err := r.renderReport(out, rep); err != nil {
		return err
	}
	fmt.Fprintln(r.env.Stdout)
	return table.Render(r.env.Stdout, out.Format, result.Table(r.lang), table.Options{Width: r.tableWidth()})
}

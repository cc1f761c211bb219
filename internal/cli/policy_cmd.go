package cli

import (
	"fmt"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/report/table"
)

// PolicyCmd groups the policy subcommands.
type PolicyCmd struct {
	List PolicyListCmd `cmd:"" help:"List the policies steward evaluates (built-in packs and your files)."`
	Test PolicyTestCmd `cmd:"" help:"Run policy tests: NAME_test.yaml fixtures next to the policies."`
}

// PolicyListCmd lists policies.
type PolicyListCmd struct {
	Format string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

type policyRow struct {
	ID         string   `json:"id"`
	Pack       string   `json:"pack"`
	Category   string   `json:"category"`
	Severity   string   `json:"severity"`
	Types      []string `json:"types"`
	Title      string   `json:"title"`
	References []string `json:"references,omitempty"`
	File       string   `json:"file"`
}

// Run lists.
func (c *PolicyListCmd) Run(r *runner) error {
	cfg, err := r.config()
	if err != nil {
		return err
	}
	eng, err := r.engine(cfg)
	if err != nil {
		return err
	}
	var rows []policyRow
	for _, p := range eng.Policies() {
		rows = append(rows, policyRow{ID: p.ID, Pack: p.Pack, Category: string(p.Category),
			Severity: p.Severity.String(), Types: p.Types, Title: p.In(r.lang).Title,
			References: p.References, File: fmt.Sprintf("%s:%d", p.File, p.Line)})
	}
	if c.Format == "json" {
		return r.writeJSON(rows)
	}
	lang := r.lang
	if c.Format == table.FormatCSV {
		lang = i18n.EN // CSV headers are read by programs
	}
	cols := []table.Column{{Title: "ID", Shrink: 2, Min: 24}, {Title: lang.T("col.pack"), Drop: 1}, {Title: lang.T("col.category"), Drop: 2},
		{Title: lang.T("col.severity")}, {Title: lang.T("col.title"), Shrink: 1, Min: 40, Below: true}}
	cells := make([][]string, len(rows))
	for i, row := range rows {
		cells[i] = []string{row.ID, row.Pack, row.Category, row.Severity, row.Title}
	}
	return table.Render(r.env.Stdout, c.Format, table.Rows("", cols, cells), table.Options{Width: r.tableWidth()})
}

// PolicyTestCmd runs policy tests.
type PolicyTestCmd struct {
	Path string `arg:"" help:"A NAME_test.yaml file, or a folder of policies and tests." type:"path"`
}

// Run tests.
func (c *PolicyTestCmd) Run(r *runner) error {
	cfg, err := r.config()
	if err != nil {
		return err
	}
	res, err := policy.RunTests(r.ctx, c.Path, policyOptions(cfg, r))
	if err != nil {
		return usageError{err}
	}
	for _, f := range res.Failures {
		fmt.Fprintf(r.env.Stdout, "FAIL %s\n", f)
	}
	for _, id := range res.Untested {
		fmt.Fprintln(r.env.Stdout, r.lang.T("cli.policytest.untested", id))
	}
	fmt.Fprintln(r.env.Stdout, r.lang.T("cli.policytest.summary", res.Passed, len(res.Failures)))
	if !res.OK() {
		return exitError{ExitFindings, ""}
	}
	return nil
}

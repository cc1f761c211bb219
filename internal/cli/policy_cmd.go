package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/report/table"
)

// PolicyCmd groups the policy subcommands.
type PolicyCmd struct {
	List PolicyListCmd `cmd:"" help:"List the policies steward evaluates (built-in packs and your files)."`
	Test PolicyTestCmd `cmd:"" help:"Run policy tests: NAME_test.yaml fixtures next to the policies."`
	Show PolicyShowCmd `cmd:"" help:"Print a policy's YAML (built-in or from policies.paths), to read or start from."`
	New  PolicyNewCmd  `cmd:"" help:"Write NAME.yaml and NAME_test.yaml: a policy and its fixtures that pass policy test."`
}

// PolicyShowCmd prints one policy's source.
type PolicyShowCmd struct {
	ID string `arg:"" help:"The policy id (steward policy list shows them)."`
}

// Run prints the lines of the pack file that write the policy.
func (c *PolicyShowCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	ps, err := r.policies(ctx, cfg)
	if err != nil {
		return err
	}
	p, err := findPolicy(ps, c.ID)
	if err != nil {
		return err
	}
	src, err := policy.SourceOf(p)
	if err != nil {
		return fmt.Errorf("show %s: %w", c.ID, err)
	}
	if _, err := fmt.Fprintf(r.env.Stdout, "# %s:%d\n", p.File, p.Line); err != nil {
		return err
	}
	_, err = io.WriteString(r.env.Stdout, src)
	return err
}

// findPolicy finds a loaded policy by id, or says which ids are close.
func findPolicy(ps []*policy.Policy, id string) (*policy.Policy, error) {
	var near []string
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
		if strings.Contains(p.ID, id) || strings.Contains(id, p.ID) {
			near = append(near, p.ID)
		}
	}
	if len(near) > 0 {
		return nil, usageError{i18n.Say("policy.err.unknown.near", id, strings.Join(near, ", ")).Err()}
	}
	return nil, usageError{i18n.Say("policy.err.unknown", id).Err()}
}

// PolicyNewCmd writes a policy skeleton and its fixtures.
type PolicyNewCmd struct {
	Name string `arg:"" help:"The new policy's id: lower-case words joined by -."`
	Dir  string `help:"Folder to write into (made if missing)." default:"."`
}

// Run writes NAME.yaml and NAME_test.yaml, refusing to overwrite either.
func (c *PolicyNewCmd) Run(ctx context.Context, r *runner) error {
	pack, test, err := policy.Skeleton(c.Name)
	if err != nil {
		return usageError{err}
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("policy new: %w", err)
	}
	files := []struct{ path, data string }{
		{filepath.Join(c.Dir, c.Name+".yaml"), pack},
		{filepath.Join(c.Dir, c.Name+"_test.yaml"), test},
	}
	for _, f := range files {
		if _, err := os.Stat(f.path); err == nil {
			return usageError{i18n.Say("policy.new.exists", f.path).Err()}
		}
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, []byte(f.data), 0o644); err != nil {
			return fmt.Errorf("policy new: %w", err)
		}
		fmt.Fprintln(r.env.Stdout, r.lang.T("policy.new.wrote", f.path))
	}
	fmt.Fprintln(r.env.Stdout, r.lang.T("policy.new.next", c.Dir))
	return nil
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
func (c *PolicyListCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	ps, err := r.policies(ctx, cfg)
	if err != nil {
		return err
	}
	var rows []policyRow
	for _, p := range ps {
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
	// Optional for kong so that a missing path gets a message that says
	// what to give rather than a bare parse error.
	Path string `arg:"" optional:"" help:"A NAME_test.yaml file, or a folder of policies and tests." type:"path"`
}

// Run tests.
func (c *PolicyTestCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	if c.Path == "" {
		return usageError{i18n.Say("policy.test.nopath").Err()}
	}
	res, err := policy.RunTests(ctx, c.Path, policyOptions(cfg, r))
	if err != nil {
		return usageError{err}
	}
	for _, f := range res.Failures {
		fmt.Fprintln(r.env.Stdout, f.In(r.lang))
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

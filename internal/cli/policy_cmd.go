package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/policy"
)

// PolicyCmd groups the policy subcommands.
type PolicyCmd struct {
	List PolicyListCmd `cmd:"" help:"List the policies steward evaluates (built-in packs and your files)."`
	Test PolicyTestCmd `cmd:"" help:"Run policy tests: NAME_test.yaml fixtures next to the policies."`
}

// PolicyListCmd lists policies.
type PolicyListCmd struct {
	JSON bool `help:"Print JSON."`
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
			Severity: p.Severity.String(), Types: p.Types, Title: p.Title,
			References: p.References, File: fmt.Sprintf("%s:%d", p.File, p.Line)})
	}
	if c.JSON {
		enc := json.NewEncoder(r.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	cols := []string{"ID", "PACK", "CATEGORY", "SEVERITY", "TITLE"}
	table := [][]string{cols}
	for _, row := range rows {
		table = append(table, []string{row.ID, row.Pack, row.Category, row.Severity, row.Title})
	}
	return writeAligned(r.env.Stdout, table)
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
		fmt.Fprintf(r.env.Stdout, "UNTESTED %s: needs a matching and a non-matching fixture\n", id)
	}
	fmt.Fprintf(r.env.Stdout, "%d passed, %d failed\n", res.Passed, len(res.Failures))
	if !res.OK() {
		return exitError{ExitFindings, ""}
	}
	return nil
}

func writeAligned(w interface{ Write([]byte) (int, error) }, rows [][]string) error {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			if i == len(row)-1 {
				b.WriteString(cell)
				break
			}
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", widths[i]-len(cell)+2))
		}
		b.WriteString("\n")
	}
	_, err := w.Write([]byte(b.String()))
	return err
}

package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/report/table"
)

// explainWords are the labels of `steward explain`, in one place so they
// can be translated together.
var explainWords = struct {
	Why, Fix, References, Params, Types, Where, Waste, Message, Actions, Source, Disabled, Default, Configured, None, Severity string
}{
	Why:        "Why it matters",
	Fix:        "How to fix",
	References: "Controls",
	Params:     "Parameters",
	Types:      "Evaluated on",
	Where:      "Matches when (CEL)",
	Waste:      "Waste per month, USD (CEL)",
	Message:    "Message",
	Actions:    "Actions",
	Source:     "Defined in",
	Disabled:   "disabled in steward.yaml (policies.disable): it is not evaluated",
	Default:    "default",
	Configured: "set in steward.yaml",
	None:       "none written",
	Severity:   "severity %s, category %s",
}

// ExplainCmd prints what a policy checks, why, and how to fix it.
type ExplainCmd struct {
	ID     string `arg:"" help:"The policy id (steward policy list shows them)."`
	Format string `help:"Output: table (text for people) or json." default:"table" enum:"table,json" short:"f"`
}

type explainJSON struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Severity    string         `json:"severity"`
	Category    string         `json:"category"`
	Description string         `json:"description,omitempty"`
	Remediation string         `json:"remediation,omitempty"`
	References  []string       `json:"references,omitempty"`
	Types       []string       `json:"types"`
	Params      map[string]any `json:"params,omitempty"`
	Configured  map[string]any `json:"configured_params,omitempty"`
	Where       string         `json:"where"`
	Waste       string         `json:"waste,omitempty"`
	Message     string         `json:"message"`
	Actions     []string       `json:"actions,omitempty"`
	Disabled    bool           `json:"disabled,omitempty"`
	File        string         `json:"file"`
}

// Run explains one policy as the configuration has it: its parameters'
// defaults and the values steward.yaml sets.
func (c *ExplainCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	// Compiling checks the configuration's overrides; the explanation is
	// of the policy as written, with the overrides beside its defaults.
	eng, err := r.engine(ctx, cfg)
	if err != nil {
		return err
	}
	all, err := policy.Load(ctx, cfg.Policies.Paths, !cfg.Policies.NoBuiltin)
	if err != nil {
		return usageError{err}
	}
	p, err := findPolicy(all, c.ID)
	if err != nil {
		return err
	}
	sev := p.Severity.String()
	disabled := true
	for _, ep := range eng.Policies() {
		if ep.ID == p.ID {
			sev, disabled = ep.Severity.String(), false
		}
	}
	e := explainJSON{ID: p.ID, Title: p.Title, Severity: sev, Category: string(p.Category),
		Description: oneLine(p.Description), Remediation: oneLine(p.Remediation), References: p.References,
		Types: p.Types, Params: p.Params, Configured: cfg.Policies.Params[p.ID], Where: strings.TrimSpace(p.Where),
		Waste: strings.TrimSpace(p.Waste), Message: p.Message, Actions: p.Actions, Disabled: disabled,
		File: fmt.Sprintf("%s:%d", p.File, p.Line)}
	if c.Format == "json" {
		return r.writeJSON(e)
	}
	width := r.tableWidth()
	var b strings.Builder
	para := func(label, text string) {
		if text == "" {
			return
		}
		b.WriteString("\n" + label + ":\n  " + table.Wrap(table.Terminal(text), width-2, "  ") + "\n")
	}
	b.WriteString(table.Terminal(e.ID+": "+e.Title) + "\n")
	b.WriteString(fmt.Sprintf(explainWords.Severity, e.Severity, e.Category) + "\n")
	if disabled {
		b.WriteString(explainWords.Disabled + "\n")
	}
	para(explainWords.Why, e.Description)
	fix := e.Remediation
	if fix == "" {
		fix = explainWords.None
	}
	para(explainWords.Fix, fix)
	para(explainWords.References, strings.Join(e.References, ", "))
	para(explainWords.Types, strings.Join(e.Types, ", "))
	if len(e.Params) > 0 {
		b.WriteString("\n" + explainWords.Params + ":\n")
		for _, k := range slices.Sorted(maps.Keys(e.Params)) {
			line := fmt.Sprintf("  %s = %v (%s)", k, e.Params[k], explainWords.Default)
			if v, ok := e.Configured[k]; ok {
				line = fmt.Sprintf("  %s = %v (%s; %s %v)", k, v, explainWords.Configured, explainWords.Default, e.Params[k])
			}
			b.WriteString(table.Terminal(line) + "\n")
		}
	}
	code := func(label, src string) {
		if src == "" {
			return
		}
		b.WriteString("\n" + label + ":\n")
		for _, l := range strings.Split(src, "\n") {
			b.WriteString("  " + table.Terminal(l) + "\n")
		}
	}
	code(explainWords.Where, e.Where)
	code(explainWords.Waste, e.Waste)
	code(explainWords.Message, e.Message)
	para(explainWords.Actions, strings.Join(e.Actions, ", "))
	para(explainWords.Source, e.File+" (steward policy show "+e.ID+" prints it)")
	_, err = fmt.Fprint(r.env.Stdout, b.String())
	return err
}

// oneLine joins folded YAML text into one paragraph.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

package framework

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/report/table"
)

// PolicyRefs describes the built-in packs for the mapping: builtins are
// every built-in policy, enabled those the configuration keeps (the
// engine's policies; user policies among them are ignored).
func PolicyRefs(builtins, enabled []*policy.Policy) []PolicyRef {
	on := map[string]bool{}
	for _, p := range enabled {
		if p.Builtin() {
			on[p.ID] = true
		}
	}
	refs := make([]PolicyRef, 0, len(builtins))
	for _, p := range builtins {
		refs = append(refs, PolicyRef{ID: p.ID, References: p.References, Builtin: true, Enabled: on[p.ID], Attrs: attrsRead(p.Where)})
	}
	return refs
}

// Summary is one line on a result: its score and counts.
func (r *Result) Summary() string {
	score := "n/a (no control decided)"
	if r.Score != nil {
		score = fmt.Sprintf("%.0f%%", 100**r.Score)
	}
	return fmt.Sprintf("%s %s: score %s (passed / (passed + failed)); %d passed, %d failed, %d not applicable, %d not checked",
		r.Name, r.Version, score, r.Passed, r.Failed, r.NotAppl, r.Unknown)
}

// Table lays a result out for the table, CSV and Markdown formats.
func (r *Result) Table() *table.Table {
	cols := []table.Column{{Title: "CONTROL"}, {Title: "SEVERITY", Drop: 2}, {Title: "STATUS"}, {Title: "FINDINGS", Number: true},
		{Title: "TITLE", Shrink: 1, Min: 30, Drop: 3}, {Title: "REASON", Shrink: 2, Min: 20, Below: true}}
	rows := make([][]string, 0, len(r.Controls))
	for _, c := range r.Controls {
		rows = append(rows, []string{c.ID, c.Severity.String(), string(c.Status), fmt.Sprint(c.Findings), c.Title, c.Reason})
	}
	return table.Rows(r.Summary(), cols, rows)
}

// MappingTable lists a framework's controls and how steward checks each:
// the policies, or why not.
func MappingTable(fw *Framework, ms []Mapping) *table.Table {
	cols := []table.Column{{Title: "CONTROL"}, {Title: "SEVERITY", Drop: 2}, {Title: "IN STEWARD", Shrink: 2, Min: 16},
		{Title: "TITLE", Shrink: 1, Min: 30, Below: true}}
	rows := make([][]string, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, []string{m.Control.ID, m.Control.Severity.String(), inSteward(m), m.Control.Title})
	}
	return table.Rows(fmt.Sprintf("%s %s: %s", fw.Name, fw.Version, CoverageOf(ms)), cols, rows)
}

func inSteward(m Mapping) string {
	if m.Checked() {
		return "checked by " + strings.Join(m.Policies, ", ")
	}
	return "not checked: " + m.Reason
}

// String is the coverage figure: checked controls out of all, and out of
// those whose data steward collects.
func (c Coverage) String() string {
	return fmt.Sprintf("%d of %d controls checked (%.0f%%); %d of %d whose data steward collects",
		c.Checked, c.Controls, c.Percent(), c.Checked, c.Decidable)
}

var attrRef = regexp.MustCompile(`\br\.attrs\.([a-z0-9_]+)`)

// attrsRead lists the attrs a where expression names directly; helpers
// (open_to_world ...) read theirs out of sight and add none.
func attrsRead(where string) []string {
	var out []string
	for _, m := range attrRef.FindAllStringSubmatch(where, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

package framework

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
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

// Summary is one line on a result: its score and counts, in lang.
func (r *Result) Summary(lang i18n.Lang) string {
	score := lang.T("fw.score.none")
	if r.Score != nil {
		score = fmt.Sprintf("%.0f%%", 100**r.Score)
	}
	return lang.T("fw.summary", r.Name, r.Version, score, r.Passed, r.Failed, r.NotAppl, r.Unknown)
}

// Table lays a result out for the table, CSV and Markdown formats, with
// headings and summary in lang (CSV callers pass English: programs read
// its headers).
func (r *Result) Table(lang i18n.Lang) *table.Table {
	cols := []table.Column{{Title: lang.T("fw.col.control")}, {Title: lang.T("col.severity"), Drop: 2}, {Title: lang.T("fw.col.status")}, {Title: lang.T("fw.col.findings"), Number: true},
		{Title: lang.T("fw.col.title"), Shrink: 1, Min: 30, Drop: 3}, {Title: lang.T("fw.col.reason"), Shrink: 2, Min: 20, Below: true}}
	rows := make([][]string, 0, len(r.Controls))
	for _, c := range r.Controls {
		rows = append(rows, []string{c.ID, c.Severity.String(), string(c.Status), fmt.Sprint(c.Findings), c.Title, reasonIn(c.Reason, c.ReasonPhrase, lang)})
	}
	return table.Rows(r.Summary(lang), cols, rows)
}

// MappingTable lists a framework's controls and how steward checks each:
// the policies, or why not; in lang.
func MappingTable(fw *Framework, ms []Mapping, lang i18n.Lang) *table.Table {
	cols := []table.Column{{Title: lang.T("fw.col.control")}, {Title: lang.T("col.severity"), Drop: 2}, {Title: lang.T("fw.col.insteward"), Shrink: 2, Min: 16},
		{Title: lang.T("fw.col.title"), Shrink: 1, Min: 30, Below: true}}
	rows := make([][]string, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, []string{m.Control.ID, m.Control.Severity.String(), inSteward(m, lang), m.Control.Title})
	}
	return table.Rows(fmt.Sprintf("%s %s: %s", fw.Name, fw.Version, CoverageOf(ms).In(lang)), cols, rows)
}

func inSteward(m Mapping, lang i18n.Lang) string {
	if m.Checked() {
		return lang.T("fw.checkedby", strings.Join(m.Policies, ", "))
	}
	return lang.T("fw.notchecked", reasonIn(m.Reason, m.ReasonPhrase, lang))
}

// String is the coverage figure: checked controls out of all, and out of
// those whose data steward collects.
func (c Coverage) String() string { return c.In(i18n.EN) }

// In is String in lang.
func (c Coverage) In(lang i18n.Lang) string {
	return lang.T("fw.coverage", c.Checked, c.Controls, c.Percent(), c.Checked, c.Decidable)
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

// reasonIn is a reason in lang when its phrase is known (a result read
// back from JSON has only the English words).
func reasonIn(reason string, p i18n.Phrase, lang i18n.Lang) string {
	if p.Key == "" {
		return reason
	}
	return p.In(lang)
}

package framework

import (
	"cmp"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// Status is what a scan says about one control.
type Status string

// Statuses of a control in a scan.
const (
	Passed        Status = "passed"
	Failed        Status = "failed"
	NotApplicable Status = "not_applicable"
	NotChecked    Status = "not_checked"
)

// PolicyRef is what the mapping needs to know of a policy.
type PolicyRef struct {
	ID         string
	References []string
	// Builtin marks the embedded packs: only they count as steward
	// checking a control, since a user's file may say anything.
	Builtin bool
	// Enabled is false for a built-in policy the configuration disables.
	Enabled bool
	// Attrs are the resource attrs the policy reads. A control passes only
	// when some resource of its types carries one of them: a source that
	// does not record the data has not shown the control holds.
	Attrs []string
}

// Mapping is how steward decides one control without a scan: the policies
// that check it, or why none does.
type Mapping struct {
	Control  Control  `json:"control"`
	Policies []string `json:"policies,omitempty"`
	// Reason is why the control is not checked; empty when it is.
	Reason string `json:"reason,omitempty"`
	// ReasonPhrase is Reason for saying in the reader's language.
	ReasonPhrase i18n.Phrase `json:"-"`
}

// because sets why a control is not checked or passed, in English for
// JSON and as a phrase for people.
func because(reason *string, phrase *i18n.Phrase, p i18n.Phrase) {
	*reason, *phrase = p.In(i18n.EN), p
}

// Checked reports whether an enabled built-in policy decides the control.
func (m *Mapping) Checked() bool { return len(m.Policies) > 0 }

// Map says, for every control of fw, which enabled built-in policies check
// it, or why it is not checked.
func Map(fw *Framework, ps []PolicyRef) []Mapping {
	out := make([]Mapping, 0, len(fw.Controls))
	for _, c := range fw.Controls {
		m := Mapping{Control: c}
		var disabled []string
		for _, p := range ps {
			if !p.Builtin || !slices.Contains(p.References, c.ID) {
				continue
			}
			if p.Enabled {
				m.Policies = append(m.Policies, p.ID)
			} else {
				disabled = append(disabled, p.ID)
			}
		}
		switch {
		case m.Checked():
		case !c.Decidable():
			because(&m.Reason, &m.ReasonPhrase, i18n.Say("fw.reason.notcollected", c.Missing))
		case len(disabled) > 0:
			because(&m.Reason, &m.ReasonPhrase, i18n.Say("fw.reason.disabled", strings.Join(disabled, ", ")))
		default:
			because(&m.Reason, &m.ReasonPhrase, i18n.Say("fw.reason.nopolicy"))
		}
		out = append(out, m)
	}
	return out
}

// Coverage is how much of a framework steward checks: checked controls out
// of all of them, and out of those whose data steward collects.
type Coverage struct {
	Controls  int `json:"controls"`
	Decidable int `json:"decidable"`
	Checked   int `json:"checked"`
}

// Percent is checked controls as a share of all controls.
func (c Coverage) Percent() float64 {
	if c.Controls == 0 {
		return 0
	}
	return 100 * float64(c.Checked) / float64(c.Controls)
}

// CoverageOf counts a mapping.
func CoverageOf(ms []Mapping) Coverage {
	var c Coverage
	for _, m := range ms {
		c.Controls++
		if m.Control.Decidable() {
			c.Decidable++
		}
		if m.Checked() {
			c.Checked++
		}
	}
	return c
}

// ControlResult is one control's outcome in a scan. Its JSON field names
// are an interface other tools read: add, never rename.
type ControlResult struct {
	ID       string           `json:"id"`
	Title    string           `json:"title"`
	Severity finding.Severity `json:"severity"`
	Status   Status           `json:"status"`
	Reason   string           `json:"reason,omitempty"`
	Findings int              `json:"findings"`
	Policies []string         `json:"policies,omitempty"`
	// ReasonPhrase is Reason for saying in the reader's language.
	ReasonPhrase i18n.Phrase `json:"-"`
}

// Result is a scan judged by a framework.
type Result struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Score is passed / (passed + failed), from 0 to 1; null when no
	// control was decided.
	Score    *float64        `json:"score"`
	Passed   int             `json:"passed"`
	Failed   int             `json:"failed"`
	NotAppl  int             `json:"not_applicable"`
	Unknown  int             `json:"not_checked"`
	Controls []ControlResult `json:"controls"`
}

// Evaluate judges a scan by fw. A control with findings failed; one whose
// service was not read, or read with errors, is not checked (a gap is never
// a pass); one with no resource of its types is not applicable; the rest
// passed.
func Evaluate(fw *Framework, ps []PolicyRef, s *inventory.Scan, rs []inventory.Resource, fs []finding.Finding) *Result {
	types := map[string]bool{}
	for i := range rs {
		types[rs[i].Type] = true
	}
	byPolicy := map[string]int{}
	for _, f := range fs {
		byPolicy[f.Policy]++
	}
	res := &Result{ID: fw.ID, Name: fw.Name, Version: fw.Version, Controls: []ControlResult{}}
	for _, m := range Map(fw, ps) {
		c := m.Control
		cr := ControlResult{ID: c.ID, Title: c.Title, Severity: c.Severity, Policies: m.Policies}
		for _, p := range m.Policies {
			cr.Findings += byPolicy[p]
		}
		switch {
		case !m.Checked():
			cr.Status, cr.Reason, cr.ReasonPhrase = NotChecked, m.Reason, m.ReasonPhrase
		case cr.Findings > 0:
			cr.Status = Failed
		default:
			if why := unread(s, c.NeededServices()); why.Key != "" {
				cr.Status = NotChecked
				because(&cr.Reason, &cr.ReasonPhrase, why)
				break
			}
			cr.Status = NotApplicable
			because(&cr.Reason, &cr.ReasonPhrase, i18n.Say("fw.reason.noresource"))
			for _, t := range c.Types {
				if types[t] {
					cr.Status, cr.Reason, cr.ReasonPhrase = Passed, "", i18n.Phrase{}
				}
			}
			if cr.Status == Passed {
				if attrs := readAttrs(ps, m.Policies); len(attrs) > 0 && !carries(rs, c.Types, attrs) {
					cr.Status = NotChecked
					because(&cr.Reason, &cr.ReasonPhrase, i18n.Say("fw.reason.norecord", strings.Join(attrs, ", ")))
				}
			}
		}
		switch cr.Status {
		case Passed:
			res.Passed++
		case Failed:
			res.Failed++
		case NotApplicable:
			res.NotAppl++
		default:
			res.Unknown++
		}
		res.Controls = append(res.Controls, cr)
	}
	if n := res.Passed + res.Failed; n > 0 {
		score := float64(res.Passed) / float64(n)
		res.Score = &score
	}
	return res
}

// unread says why the scan cannot vouch for services: a failed read, or no
// read at all. Empty when every service was read everywhere it was tried.
func unread(s *inventory.Scan, services []string) i18n.Phrase {
	if s == nil {
		return i18n.Say("fw.reason.nocoverage")
	}
	for _, svc := range services {
		read := false
		for _, c := range s.Coverage {
			if c.Service != svc {
				continue
			}
			if !c.OK {
				return i18n.Say("fw.reason.gap", svc, c.Account, c.Region, cmp.Or(c.ErrorKind, "error"))
			}
			read = true
		}
		if !read {
			return i18n.Say("fw.reason.notread", svc)
		}
	}
	return i18n.Phrase{}
}

// readAttrs lists the attrs the named policies read.
func readAttrs(ps []PolicyRef, ids []string) []string {
	var out []string
	for _, p := range ps {
		if !slices.Contains(ids, p.ID) {
			continue
		}
		for _, a := range p.Attrs {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// carries reports whether a resource of one of the types has one of attrs.
func carries(rs []inventory.Resource, types, attrs []string) bool {
	for i := range rs {
		if !slices.Contains(types, rs[i].Type) {
			continue
		}
		for _, a := range attrs {
			if _, ok := rs[i].Attrs.Get(a); ok {
				return true
			}
		}
	}
	return false
}

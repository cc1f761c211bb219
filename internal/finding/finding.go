// Package finding owns the Finding (a policy that matched a resource), its
// Severity and Category, and the Set a scan holds its findings in until
// they are saved. It is the shared language of policy (which makes
// findings), store (which keeps their first-seen, last-seen and resolved
// times) and report (which prints them). It knows nothing of CEL, SQL or AWS.
package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// Severity orders findings. The zero value is Info.
type Severity int

const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively, or its word in
// any language steward speaks (高 is high), as tables show it.
func ParseSeverity(s string) (Severity, error) {
	s = strings.TrimSpace(s)
	for i, n := range severityNames {
		if strings.EqualFold(s, n) || isLabel(s, "severity."+n) {
			return Severity(i), nil
		}
	}
	return 0, i18n.Say("finding.err.severity", s, strings.Join(severityNames[:], ", ")).Err()
}

// Label is the severity for people, in lang (flags and machine formats
// keep String's name).
func (s Severity) Label(lang i18n.Lang) string {
	if k := "severity." + s.String(); lang.Has(k) {
		return lang.T(k)
	}
	return s.String()
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Category groups policies by the problem they find.
type Category string

const (
	Naming   Category = "naming"
	Tagging  Category = "tagging"
	Waste    Category = "waste"
	Idle     Category = "idle"
	Security Category = "security"
	IaC      Category = "iac"
	Cost     Category = "cost"
)

// Categories lists the valid categories.
var Categories = []Category{Naming, Tagging, Waste, Idle, Security, IaC, Cost}

// Label is the category for people, in lang (flags and machine formats
// keep the name).
func (c Category) Label(lang i18n.Lang) string {
	if k := "category." + string(c); lang.Has(k) {
		return lang.T(k)
	}
	return string(c)
}

// isLabel says whether s is the catalog's word for key in one of the
// languages.
func isLabel(s, key string) bool {
	for _, l := range i18n.Langs {
		if s != "" && l.Has(key) && strings.EqualFold(s, l.T(key)) {
			return true
		}
	}
	return false
}

// ParseCategory reads a category name, or its word in any language
// steward speaks (無駄 is waste).
func ParseCategory(s string) (Category, error) {
	for _, c := range Categories {
		if string(c) == s || isLabel(strings.TrimSpace(s), "category."+string(c)) {
			return c, nil
		}
	}
	names := make([]string, len(Categories))
	for i, c := range Categories {
		names[i] = string(c)
	}
	return "", i18n.Say("finding.err.category", s, strings.Join(names, ", ")).Err()
}

// Finding is one policy that matched one resource.
type Finding struct {
	Policy   string   `json:"policy"`
	Title    string   `json:"title"`
	Category Category `json:"category"`
	Severity Severity `json:"severity"`

	ARN     string `json:"arn"`
	Type    string `json:"type"`
	Account string `json:"account"`
	Region  string `json:"region"`
	Name    string `json:"name"`

	// Owner, System and Env say who answers for the resource; OwnerSource
	// says where that came from: tag, naming, creator, or empty if unknown.
	Owner       string `json:"owner"`
	System      string `json:"system"`
	Env         string `json:"env"`
	OwnerSource string `json:"owner_source,omitempty"`
	// Creator is who made the resource, from CloudTrail (a principal's
	// ARN), when a trail said.
	Creator string `json:"creator,omitempty"`

	// MonthlyWaste is the estimated money recoverable per month, in Currency.
	// Estimates are made in US dollars; Rate is the units of Currency per
	// dollar they were converted at, so a finding stored under one currency
	// can be shown under another. Rate 0 means unknown (a finding saved
	// before steward recorded it): such an amount is shown as it is, in
	// its own currency.
	MonthlyWaste float64 `json:"monthly_waste"`
	Currency     string  `json:"currency"`
	Rate         float64 `json:"rate,omitempty"`

	// Message is the finding's text in English; Messages holds it in the
	// other languages its policy has a text in (see In).
	Message     string   `json:"message"`
	Messages    Messages `json:"messages,omitzero"`
	Remediation string   `json:"remediation,omitempty"`
	References  []string `json:"references,omitempty"`
	Actions     []string `json:"actions,omitempty"`

	// Set by the store.
	FirstSeen  time.Time  `json:"first_seen,omitzero"`
	LastSeen   time.Time  `json:"last_seen,omitzero"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// Key identifies a finding across scans.
func (f *Finding) Key() string { return f.Policy + "\x00" + f.ARN }

// SortWorstFirst orders findings by severity, worst first; policy,
// account, region and ARN make the order total, so every format and
// surface lists findings the same way on every run.
func SortWorstFirst(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Policy, b.Policy),
			cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.ARN, b.ARN),
		)
	})
}

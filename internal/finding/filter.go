package finding

import (
	"fmt"
	"slices"
	"strings"
)

// Filter keeps the findings a person asked for. Each non-empty list keeps
// findings whose field is one of its values; lists are and-ed together.
type Filter struct {
	Severities []Severity
	Categories []Category
	Policies   []string
	Accounts   []string
	Owners     []string
}

// NewFilter builds a filter from command-line values, checking severity and
// category names. Values may be comma-separated.
func NewFilter(severities, categories, policies, accounts, owners []string) (Filter, error) {
	var f Filter
	for _, s := range split(severities) {
		sev, err := ParseSeverity(s)
		if err != nil {
			return Filter{}, fmt.Errorf("--severity: %w", err)
		}
		f.Severities = append(f.Severities, sev)
	}
	for _, s := range split(categories) {
		c, err := ParseCategory(s)
		if err != nil {
			return Filter{}, fmt.Errorf("--category: %w", err)
		}
		f.Categories = append(f.Categories, c)
	}
	f.Policies, f.Accounts, f.Owners = split(policies), split(accounts), split(owners)
	return f, nil
}

func split(vs []string) []string {
	var out []string
	for _, v := range vs {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Empty reports whether the filter keeps everything.
func (f Filter) Empty() bool {
	return len(f.Severities)+len(f.Categories)+len(f.Policies)+len(f.Accounts)+len(f.Owners) == 0
}

// Match reports whether the filter keeps x.
func (f Filter) Match(x *Finding) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return (len(f.Severities) == 0 || slices.Contains(f.Severities, x.Severity)) &&
		(len(f.Categories) == 0 || slices.Contains(f.Categories, x.Category)) &&
		in(f.Policies, x.Policy) && in(f.Accounts, x.Account) && in(f.Owners, x.Owner)
}

// Apply returns the findings the filter keeps, in their order.
func (f Filter) Apply(fs []Finding) []Finding {
	if f.Empty() {
		return fs
	}
	var out []Finding
	for i := range fs {
		if f.Match(&fs[i]) {
			out = append(out, fs[i])
		}
	}
	return out
}

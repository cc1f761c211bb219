package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
)

// Output formats accepted by Render.
const (
	FormatTable    = "table"
	FormatJSON     = "json"
	FormatCSV      = "csv"
	FormatSARIF    = "sarif"
	FormatMarkdown = "markdown"
)

var formats = []string{FormatTable, FormatJSON, FormatCSV, FormatSARIF, FormatMarkdown}

// Formats lists the output formats Render accepts.
func Formats() []string { return slices.Clone(formats) }

// ParseFormat validates a format name, case-insensitively.
func ParseFormat(s string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(formats, f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (valid: %s)", s, strings.Join(formats, ", "))
}

// Ways the table can group findings. The default is GroupCategory.
const (
	GroupCategory = "category"
	GroupSeverity = "severity"
	GroupPolicy   = "policy"
	GroupOwner    = "owner"
	GroupSystem   = "system"
	GroupEnv      = "env"
	GroupAccount  = "account"
)

var groupBys = []string{GroupCategory, GroupSeverity, GroupPolicy, GroupOwner, GroupSystem, GroupEnv, GroupAccount}

// GroupBys lists the valid values of Report.GroupBy.
func GroupBys() []string { return slices.Clone(groupBys) }

// ParseGroupBy validates a group-by key; empty means GroupCategory.
func ParseGroupBy(s string) (string, error) {
	g := strings.ToLower(strings.TrimSpace(s))
	if g == "" {
		return GroupCategory, nil
	}
	if slices.Contains(groupBys, g) {
		return g, nil
	}
	return "", fmt.Errorf("unknown group-by %q (valid: %s)", s, strings.Join(groupBys, ", "))
}

// DefaultCurrency is used when a report names none: inventory cost
// estimates are in US dollars.
const DefaultCurrency = "USD"

// PolicyInfo describes one policy that was evaluated. SARIF output lists
// every evaluated policy as a rule, including those that found nothing, so
// code scanning can close alerts whose problem went away.
type PolicyInfo struct {
	ID          string
	Title       string
	Description string
	Category    finding.Category
	Severity    finding.Severity
	Remediation string
	References  []string
	HelpURI     string
}

// Report is what gets rendered: one scan, its findings and the policies
// that produced them.
type Report struct {
	Scan     *inventory.Scan
	Findings []finding.Finding
	Policies []PolicyInfo
	// Currency is the currency of the waste totals; findings with an empty
	// currency are taken to be in it. Empty means DefaultCurrency.
	Currency string
	// Rate is units of Currency per US dollar (the configured rate; 0 is
	// unknown, 1 is implied for USD). Findings in another currency that
	// carry their own rate are converted into Currency.
	Rate float64
	// GroupBy is how the table groups findings (see GroupBys); empty means
	// by category.
	GroupBy string
	// Generated is when the report was made; the caller's clock decides.
	Generated time.Time
	// ToolVersion is steward's version, written into SARIF output.
	ToolVersion string
	// Lang is the language of the table and Markdown (headings, counts,
	// summaries) and of the findings' messages in every format, whatever
	// language their scan ran in (finding.Finding.In); a finding's title
	// and remediation are its policy's in Policies, which the caller gives
	// in Lang. JSON keys, CSV headers and SARIF's own words stay English.
	// Empty means English.
	Lang i18n.Lang
	// Changes says how the findings differ from the previous complete
	// scan; nil when the caller does not know (a scan not stored).
	Changes *Changes
	// Listing names what Findings hold when it is not every open finding
	// (e.g. "new since scan X", "resolved since scan X", "filtered").
	Listing string
	// Limit is how many findings are listed; the rest are counted. 0 is
	// the format's default (every finding; Markdown, a summary, lists
	// markdownTop); a negative limit lists all in every format.
	Limit int
	// Framework, when set, is the scan judged by a control framework
	// (framework.Result): the json format writes it as "framework" next to
	// the scan and findings. report does not know its shape.
	Framework any
}

// Changes counts what changed since the previous complete scan.
type Changes struct {
	// Previous is that scan's id; empty when there is none (all new).
	Previous string `json:"previous_scan,omitempty"`
	New      int    `json:"new"`
	Resolved int    `json:"resolved"`
}

// Options are how the caller's terminal looks; they change only the table.
type Options struct {
	// TTY says the output is a terminal: the table may use colours and is
	// fitted to Width. Otherwise it is plain aligned text, never truncated.
	TTY bool
	// Width is the terminal width in columns; 0 means 100. Used only with TTY.
	Width int
	// NoColor turns colours off on a terminal (the NO_COLOR convention).
	NoColor bool
	// Wide prints the findings table whole on a terminal too: one line
	// per finding, nothing cut or moved, as when output is piped.
	// Otherwise a message that does not fit goes on its own line under
	// its finding.
	Wide bool
}

// Render writes rep to w in the given format.
func Render(w io.Writer, format string, rep *Report, opts Options) error {
	f, err := ParseFormat(format)
	if err != nil {
		return err
	}
	v, err := prepare(rep)
	if err != nil {
		return fmt.Errorf("render %s: %w", f, err)
	}
	switch f {
	case FormatTable:
		err = renderTable(w, v, opts)
	case FormatJSON:
		err = renderJSON(w, v)
	case FormatCSV:
		err = renderCSV(w, v)
	case FormatSARIF:
		err = renderSARIF(w, v)
	case FormatMarkdown:
		err = renderMarkdown(w, v)
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", f, err)
	}
	return nil
}

// maxWaste bounds a finding's monthly waste. Nothing real comes near it;
// the bound keeps sums finite, since JSON has no Inf.
const maxWaste = 1e12

// view is a report checked and put in the order every format shares.
type view struct {
	rep      *Report
	groupBy  string
	currency string
	findings []finding.Finding // sorted, currency filled in
	summary  Summary
	// more is how many sorted findings the limit left out of findings.
	more int
}

// limited cuts v's findings to the report's limit (or def when it has
// none), counting the rest.
func (v *view) limited(def int) []finding.Finding {
	n := v.rep.Limit
	if n == 0 {
		n = def
	}
	if n <= 0 || n >= len(v.findings) {
		return v.findings
	}
	v.more = len(v.findings) - n
	return v.findings[:n]
}

func prepare(rep *Report) (*view, error) {
	if rep == nil {
		return nil, errors.New("report is nil")
	}
	g, err := ParseGroupBy(rep.GroupBy)
	if err != nil {
		return nil, err
	}
	cur, err := normalizeCurrency(rep.Currency)
	if err != nil {
		return nil, fmt.Errorf("report currency: %w", err)
	}
	lang := cmp.Or(rep.Lang, i18n.EN)
	texts := make(map[string]*PolicyInfo, len(rep.Policies))
	for i := range rep.Policies {
		texts[rep.Policies[i].ID] = &rep.Policies[i]
	}
	fs := slices.Clone(rep.Findings)
	for i := range fs {
		f := &fs[i]
		*f = f.In(lang)
		// A text the finding has is said in the policy's words in Lang.
		if p := texts[f.Policy]; p != nil {
			if f.Title != "" && p.Title != "" {
				f.Title = p.Title
			}
			if f.Remediation != "" && p.Remediation != "" {
				f.Remediation = p.Remediation
			}
		}
		if !(math.Abs(f.MonthlyWaste) <= maxWaste) { // also catches NaN
			return nil, fmt.Errorf("findings[%d] (policy %q, arn %q): monthly_waste is %v, want a number between -%g and %g",
				i, f.Policy, f.ARN, f.MonthlyWaste, maxWaste, maxWaste)
		}
		if f.Currency == "" {
			f.Currency = cur
		} else if f.Currency, err = normalizeCurrency(f.Currency); err != nil {
			return nil, fmt.Errorf("findings[%d] (policy %q, arn %q): currency: %w", i, f.Policy, f.ARN, err)
		}
		toReportCurrency(f, cur, rep.Rate)
	}
	finding.SortWorstFirst(fs)
	v := &view{rep: rep, groupBy: g, currency: cur, findings: fs, summary: summarize(fs, cur)}
	v.summary.Changes = rep.Changes
	return v, nil
}

// Summary counts findings and adds up their waste.
type Summary struct {
	Total int `json:"total"`
	// BySeverity and ByCategory always hold every known severity and
	// category, zero or not, so readers need not test for missing keys.
	BySeverity map[string]int `json:"by_severity"`
	ByCategory map[string]int `json:"by_category"`
	// MonthlyWaste is the total in Currency, rounded to its minor unit.
	MonthlyWaste float64 `json:"monthly_waste"`
	Currency     string  `json:"currency"`
	// OtherCurrencies holds waste in currencies other than Currency, which
	// cannot be added to it without an exchange rate steward does not have.
	OtherCurrencies map[string]float64 `json:"other_currencies,omitempty"`
	// Changes are the new and resolved counts since the previous complete
	// scan, when known.
	Changes *Changes `json:"since_previous,omitempty"`
}

func summarize(fs []finding.Finding, currency string) Summary {
	s := Summary{
		Total:      len(fs),
		BySeverity: make(map[string]int),
		ByCategory: make(map[string]int),
		Currency:   currency,
	}
	for sev := finding.Info; sev <= finding.Critical; sev++ {
		s.BySeverity[sev.String()] = 0
	}
	for _, c := range finding.Categories {
		s.ByCategory[string(c)] = 0
	}
	for _, f := range fs {
		s.BySeverity[f.Severity.String()]++
		s.ByCategory[string(f.Category)]++
		if f.Currency == currency {
			s.MonthlyWaste += f.MonthlyWaste
			continue
		}
		if s.OtherCurrencies == nil {
			s.OtherCurrencies = make(map[string]float64)
		}
		s.OtherCurrencies[f.Currency] += f.MonthlyWaste
	}
	s.MonthlyWaste = money.RoundFloat(s.MonthlyWaste, currency)
	for c, v := range s.OtherCurrencies {
		s.OtherCurrencies[c] = money.RoundFloat(v, c)
	}
	return s
}

// Summarize counts rep's findings by severity and category and totals their
// monthly waste, as the JSON summary does.
func Summarize(rep *Report) (Summary, error) {
	v, err := prepare(rep)
	if err != nil {
		return Summary{}, err
	}
	return v.summary, nil
}

// severitiesDesc lists severities worst first, for totals lines.
var severitiesDesc = []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Info}

// groupKey returns the value a finding is grouped under.
func groupKey(f *finding.Finding, by string, lang i18n.Lang) string {
	var k string
	switch by {
	case GroupSeverity:
		k = f.Severity.String()
	case GroupPolicy:
		k = f.Policy
	case GroupOwner:
		k = f.Owner
	case GroupSystem:
		k = f.System
	case GroupEnv:
		k = f.Env
	case GroupAccount:
		k = f.Account
	default:
		k = string(f.Category)
	}
	if k == "" {
		return lang.T("report.group.missing", lang.T("group."+by))
	}
	return k
}

type group struct {
	key      string
	worst    finding.Severity
	findings []finding.Finding
}

// groupFindings splits sorted findings into groups, worst group first; ties
// go by name so the order is stable.
func groupFindings(fs []finding.Finding, by string, lang i18n.Lang) []group {
	idx := make(map[string]int)
	var gs []group
	for _, f := range fs {
		k := groupKey(&f, by, lang)
		i, ok := idx[k]
		if !ok {
			i = len(gs)
			idx[k] = i
			gs = append(gs, group{key: k, worst: f.Severity})
		}
		gs[i].findings = append(gs[i].findings, f)
		gs[i].worst = max(gs[i].worst, f.Severity)
	}
	slices.SortStableFunc(gs, func(a, b group) int {
		return cmp.Or(cmp.Compare(b.worst, a.worst), cmp.Compare(a.key, b.key))
	})
	return gs
}

// fix is what a person needs to act on one policy's findings: how to fix
// them and the controls the policy implements.
type fix struct {
	policy      string
	remediation string
	references  []string
}

// fixes lists, once per policy and in the order the findings are listed,
// the remediation and references of every policy that found something.
func fixes(v *view, shown []finding.Finding) []fix {
	info := make(map[string]*PolicyInfo, len(v.rep.Policies))
	for i := range v.rep.Policies {
		info[v.rep.Policies[i].ID] = &v.rep.Policies[i]
	}
	seen := make(map[string]bool)
	var out []fix
	for _, f := range shown {
		if seen[f.Policy] {
			continue
		}
		seen[f.Policy] = true
		p := info[f.Policy]
		if p == nil || (p.Remediation == "" && len(p.References) == 0) {
			continue
		}
		out = append(out, fix{policy: f.Policy, remediation: strings.Join(strings.Fields(p.Remediation), " "), references: p.References})
	}
	return out
}

// fixLine is one fix in words: "policy [refs]: remediation".
func (x fix) line(esc func(string) string, lang i18n.Lang) string {
	s := x.policy
	if len(x.references) > 0 {
		s += " [" + esc(strings.Join(x.references, ", ")) + "]"
	}
	r := x.remediation
	if r == "" {
		r = lang.T(wordsNoRemedation)
	}
	return s + ": " + esc(r)
}

// changesLine says what changed since the previous complete scan.
func changesLine(c *Changes, lang i18n.Lang) string {
	if c == nil {
		return ""
	}
	if c.Previous == "" {
		return lang.T(wordsFirstScan, c.New)
	}
	return lang.T(wordsChanges, c.New, c.Resolved, c.Previous)
}

package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"

	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/report/table"
)

// ANSI styles for the terminal table.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiBRed   = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

var severityStyle = map[finding.Severity]string{
	finding.Critical: ansiBRed,
	finding.High:     ansiRed,
	finding.Medium:   ansiYellow,
	finding.Low:      ansiCyan,
	finding.Info:     ansiDim,
}

const defaultWidth = 100

// tableColumns are the finding columns, titled by catalog key; the one the
// table is grouped by is left out, since its group header already says it.
var tableColumns = []struct {
	table.Column
	groupedBy string
	value     func(f *finding.Finding, lang i18n.Lang) string
}{
	{table.Column{Title: "col.severity"}, GroupSeverity, func(f *finding.Finding, lang i18n.Lang) string { return f.Severity.Label(lang) }},
	{table.Column{Title: "col.policy", Shrink: 3, Min: 20}, GroupPolicy, func(f *finding.Finding, _ i18n.Lang) string { return f.Policy }},
	{table.Column{Title: "col.type", Shrink: 4, Min: 10, Drop: 1}, "", nil}, // in the report's language
	{table.Column{Title: "col.resource", Shrink: 2, Min: 18}, "", nil},      // in the report's language
	{table.Column{Title: "col.account"}, GroupAccount, func(f *finding.Finding, _ i18n.Lang) string { return f.Account }},
	{table.Column{Title: "col.region", Drop: 2}, "", nil}, // global in the report's language
	{table.Column{Title: "col.owner", Shrink: 5, Min: 8, Drop: 3}, GroupOwner, func(f *finding.Finding, _ i18n.Lang) string { return dash(f.Owner) }},
	{table.Column{Title: "col.waste", Number: true}, "", nil}, // in the finding's currency
	{table.Column{Title: "col.message", Shrink: 1, Min: 30, Below: true}, "", func(f *finding.Finding, _ i18n.Lang) string { return f.Message }},
}

func renderTable(w io.Writer, v *view, opts Options) error {
	color := opts.TTY && !opts.NoColor
	width := 0
	if opts.TTY {
		width = opts.Width
		if width <= 0 {
			width = defaultWidth
		}
	}
	paint := func(style, s string) string {
		if !color || style == "" {
			return s
		}
		return style + s + ansiReset
	}
	var b strings.Builder
	lang := v.rep.Lang
	b.WriteString(paint(ansiBold, wrap(table.Terminal(headline(v)), width)) + "\n")
	if v.rep.Listing != "" {
		b.WriteString(wrap(table.Terminal(lang.T(wordsListing, v.rep.Listing)), width) + "\n")
	}
	shown := v.limited(0)

	if len(v.findings) == 0 {
		b.WriteString("\n" + lang.T("report.none") + "\n")
	}
	var cols []table.Column
	var pick []int
	for i, tc := range tableColumns {
		if tc.groupedBy != "" && tc.groupedBy == v.groupBy {
			continue
		}
		c := tc.Column
		c.Title = lang.T(c.Title)
		cols = append(cols, c)
		pick = append(pick, i)
	}
	groups := groupFindings(shown, v.groupBy, lang)
	secs := make([]table.Section, len(groups))
	for gi, g := range groups {
		rows := make([][]string, len(g.findings))
		for ri := range g.findings {
			f := &g.findings[ri]
			row := make([]string, len(pick))
			for ci, ti := range pick {
				switch tc := tableColumns[ti]; {
				case tc.value != nil:
					row[ci] = tc.value(f, lang)
				case tc.Title == "col.region":
					row[ci] = regionLabel(f.Region, lang)
				case tc.Title == "col.type":
					row[ci] = typeLabel(f.Type, lang)
				case tc.Title == "col.resource":
					row[ci] = resourceLabel(f, lang)
				default:
					row[ci] = wasteCell(f)
				}
			}
			rows[ri] = row
		}
		secs[gi] = table.Section{Title: groupHeader(v, g), Rows: rows}
	}
	if len(secs) > 0 {
		style := func(si, ri, ci int, s string) string {
			if ri < 0 {
				return paint(ansiDim, s)
			}
			if tableColumns[pick[ci]].Title == "col.severity" {
				return paint(severityStyle[groups[si].findings[ri].Severity], s)
			}
			return s
		}
		b.WriteString("\n")
		title := func(s string) string { return paint(ansiBold, s) }
		t := &table.Table{Columns: cols, Sections: secs}
		fit := width
		if opts.Wide {
			fit = 0
		}
		if err := table.Render(&b, table.FormatTable, t, table.Options{Width: fit, Indent: "  ", Style: style, TitleStyle: title}); err != nil {
			return err
		}
	}

	if v.more > 0 {
		b.WriteString("\n" + lang.T(wordsMore, v.more) + "\n")
	}
	if fx := fixes(v, shown); len(fx) > 0 {
		b.WriteString("\n" + paint(ansiBold, lang.T(wordsFixHeading)) + "\n")
		fit := width
		if opts.Wide {
			fit = 0
		}
		for _, x := range fx {
			for _, l := range strings.Split(table.Wrap(x.line(table.Terminal, lang), fit-2, "  "), "\n") {
				if fit > 0 {
					l = table.Truncate(l, fit-2) // a word wider than the terminal (a URL)
				}
				b.WriteString("  " + l + "\n")
			}
		}
	}

	b.WriteString("\n" + wrap(totalsLine(v), width) + "\n")
	b.WriteString(wrap(wasteLine(v), width) + "\n")
	if c := changesLine(v.summary.Changes, lang); c != "" {
		b.WriteString(wrap(c, width) + "\n")
	}
	b.WriteString(coverageText(v, width, paint))
	_, err := io.WriteString(w, b.String())
	return err
}

func headline(v *view) string {
	lang := v.rep.Lang
	s := v.rep.Scan
	if s == nil {
		return lang.T("report.headline.none")
	}
	parts := []string{lang.T("report.headline", dash(s.ID), dash(s.Source))}
	if !s.Finished.IsZero() {
		parts = append(parts, lang.T("report.finished", humanTime(s.Finished)))
	} else if !s.Started.IsZero() {
		parts = append(parts, lang.T("report.started", humanTime(s.Started)))
	}
	parts = append(parts, lang.N("report.resources", s.Resources))
	return strings.Join(parts, lang.T("sep"))
}

func groupHeader(v *view, g group) string {
	var waste float64
	for _, f := range g.findings {
		if f.Currency == v.currency {
			waste += f.MonthlyWaste
		}
	}
	lang := v.rep.Lang
	key := g.key
	switch v.groupBy {
	case GroupSeverity:
		if sev, err := finding.ParseSeverity(key); err == nil {
			key = sev.Label(lang)
		}
	case GroupCategory:
		key = finding.Category(key).Label(lang)
	}
	h := lang.T("report.group", lang.T("group."+v.groupBy), key, lang.N("report.findings", len(g.findings)), g.worst.Label(lang))
	if waste != 0 {
		h += lang.T("report.group.waste", money.FormatFloat(waste, v.currency))
	}
	return h + lang.T("report.group.end")
}

func totalsLine(v *view) string {
	lang := v.rep.Lang
	var parts []string
	for _, sev := range severitiesDesc {
		if n := v.summary.BySeverity[sev.String()]; n > 0 {
			parts = append(parts, lang.T("report.totals.severity", n, sev.Label(lang)))
		}
	}
	s := lang.T("report.totals", lang.N("report.findings", v.summary.Total))
	if len(parts) > 0 {
		s += lang.T("report.totals.more", strings.Join(parts, lang.T("sep")))
	}
	return s
}

func wasteLine(v *view) string {
	s := v.rep.Lang.T("report.waste", money.FormatFloat(v.summary.MonthlyWaste, v.currency))
	for _, c := range sortedKeys(v.summary.OtherCurrencies) {
		s += " + " + money.FormatFloat(v.summary.OtherCurrencies[c], c)
	}
	return s
}

func coverageText(v *view, width int, paint func(style, s string) string) string {
	s := v.rep.Scan
	if s == nil {
		return ""
	}
	lang := v.rep.Lang
	gaps := s.Gaps()
	if len(gaps) == 0 {
		return wrap(lang.N("report.coverage.ok", len(s.Coverage)), width) + "\n"
	}
	var b strings.Builder
	b.WriteString(paint(ansiYellow, wrap(lang.T("report.coverage.partial", len(gaps), len(s.Coverage)), width)) + "\n")
	cols := []table.Column{{Title: lang.T("col.account")}, {Title: lang.T("col.region")}, {Title: lang.T("col.service")},
		{Title: lang.T("col.error"), Shrink: 1, Min: 20}}
	rows := make([][]string, len(gaps))
	for i, g := range gaps {
		rows[i] = []string{g.Account, regionLabel(g.Region, lang), g.Service, gapError(g)}
	}
	_ = table.Render(&b, table.FormatTable, table.Rows("", cols, rows), table.Options{Width: width, Indent: "  "}) // a strings.Builder does not fail
	return b.String()
}

func gapError(g inventory.Coverage) string {
	switch {
	case g.ErrorKind != "" && g.Error != "":
		return g.ErrorKind + ": " + g.Error
	case g.ErrorKind != "":
		return g.ErrorKind
	case g.Error != "":
		return g.Error
	}
	return "error"
}

func wasteCell(f *finding.Finding) string {
	if f.MonthlyWaste == 0 {
		return "-"
	}
	return money.FormatFloat(f.MonthlyWaste, f.Currency)
}

// resourceLabel names a resource for people: its name, else the last part
// of its ARN (the native id).
func resourceLabel(f *finding.Finding, lang i18n.Lang) string {
	if inventory.RegionWide(f.Type) {
		// Its name is the region, which the REGION column already says.
		return lang.T(wordsWholeRegion)
	}
	if f.Name != "" {
		return f.Name
	}
	arn := f.ARN
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 && i < len(arn)-1 {
		return arn[i+1:]
	}
	return dash(arn)
}

// inventoryDisplayType is the type's name for people (inventory owns it).
func inventoryDisplayType(t string) string { return inventory.DisplayType(t) }

// regionLabel names the region of global resources (IAM, CloudFront).
func regionLabel(r string, lang i18n.Lang) string {
	// IAM, the account and other global resources carry no region or
	// the word "global", depending on where they were read.
	if r == "" || r == "global" {
		return lang.T("global")
	}
	return r
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func humanTime(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// wrap breaks s at spaces to fit width, continuing lines indented by two.
func wrap(s string, width int) string { return table.Wrap(s, width, "  ") }

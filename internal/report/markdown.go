package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/report/table"
)

// markdownTop is how many findings the Markdown summary lists; the rest are
// counted. It is a summary for a chat message or an issue, not a listing.
const markdownTop = 10

func renderMarkdown(w io.Writer, v *view) error {
	var b strings.Builder
	lang := v.rep.Lang
	s := v.summary
	b.WriteString(lang.T("report.md.title", lang.N("report.findings", s.Total), money.FormatFloat(s.MonthlyWaste, v.currency)) + "\n\n")
	var counts []string
	for _, sev := range severitiesDesc {
		if n := s.BySeverity[sev.String()]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", sev.Label(lang), n))
		}
	}
	if len(counts) > 0 {
		b.WriteString(strings.Join(counts, " · ") + "\n\n")
	}
	if sc := v.rep.Scan; sc != nil {
		if gaps := sc.Gaps(); len(gaps) > 0 {
			var where []string
			for i, g := range gaps {
				if i == 3 {
					where = append(where, lang.T("report.md.more", len(gaps)-3))
					break
				}
				where = append(where, mdEscape(fmt.Sprintf("%s/%s/%s: %s", g.Account, regionLabel(g.Region, lang), g.Service, gapError(g))))
			}
			b.WriteString(lang.T("report.md.partial", len(gaps), len(sc.Coverage), strings.Join(where, "; ")) + "\n\n")
		}
	}
	if c := changesLine(s.Changes, lang); c != "" {
		b.WriteString(mdEscape(c) + "\n\n")
	}
	if v.rep.Listing != "" {
		b.WriteString(mdEscape(lang.T(wordsListing, v.rep.Listing)) + "\n\n")
	}
	shown := v.limited(markdownTop)
	for i := range shown {
		f := &shown[i]
		fmt.Fprintf(&b, "- **%s** `%s` %s (%s, %s): %s", f.Severity.Label(lang), mdCode(f.Policy), mdEscape(resourceLabel(f, lang)),
			mdEscape(f.Account), regionLabel(mdEscape(f.Region), lang), mdEscape(f.Message))
		if f.MonthlyWaste != 0 {
			b.WriteString(lang.T("report.md.waste", money.FormatFloat(f.MonthlyWaste, f.Currency)))
		}
		b.WriteByte('\n')
	}
	if v.more > 0 {
		b.WriteString("- " + mdEscape(lang.T(wordsMore, v.more)) + "\n")
	}
	if fx := fixes(v, shown); len(fx) > 0 {
		fmt.Fprintf(&b, "\n**%s**\n\n", lang.T(wordsFixMarkdown))
		for _, x := range fx {
			b.WriteString("- `" + mdCode(x.policy) + "`" + strings.TrimPrefix(x.line(mdEscape, lang), x.policy) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape keeps estate text (names, tags, messages) from turning into
// links, mentions, HTML or formatting, and keeps it on one line.
func mdEscape(s string) string { return table.Markdown(s) }

// mdCode makes s safe inside a backtick code span.
func mdCode(s string) string { return table.MarkdownCode(s) }

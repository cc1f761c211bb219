package costreport

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/report/table"
)

// Options say how a result is written for its reader.
type Options struct {
	// Format is table (default), json, csv or markdown.
	Format string
	// Width fits tables to a terminal this wide; 0 (not a terminal)
	// never cuts or wraps a line.
	Width int
	// Lang is the language of titles, headings and sentences (CSV
	// headers and JSON keys stay English).
	Lang i18n.Lang
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// cells formats amounts for one output: for people ($1,234.50, ¥12,345)
// in tables and Markdown, plain decimals (1234.50) in CSV so spreadsheets
// read numbers.
type cells struct {
	currency string
	csv      bool
	lang     i18n.Lang
}

// t looks up a heading or label in the output's language; CSV headers are
// read by programs and stay English.
// byWord names what a breakdown is by (system, env, tag:KEY ...) for a
// title (prefix group.) or a column heading (prefix col.).
func (c cells) byWord(prefix, by string) string {
	if key, ok := strings.CutPrefix(by, "tag:"); ok {
		return c.t(prefix+"tag", key)
	}
	return c.t(prefix + by)
}

func (c cells) t(key string, args ...any) string {
	if c.csv {
		return i18n.EN.T(key, args...)
	}
	return c.lang.T(key, args...)
}

// key is a group key for people: the unattributed group in the output's
// language, any other key as the bill has it.
func (c cells) key(k string) string {
	if k == cost.Unattributed {
		return c.t("cost.unattributed")
	}
	return k
}

// basis says where an amount comes from, in the output's language; CSV
// keeps the English words programs match.
func (c cells) basis(b string) string {
	switch b {
	case cost.BasisBill:
		return c.t("cost.basis.bill30")
	case cost.BasisPrices:
		return c.t("cost.basis.prices")
	}
	return b
}

func (c cells) money(m cost.Money) string {
	if c.csv {
		return money.Plain(m, c.currency)
	}
	return money.Format(m, c.currency)
}

func num(title string) table.Column { return table.Column{Title: title, Number: true} }

func text(title string) table.Column { return table.Column{Title: title} }

// wide is a long text column that goes under its row on a narrow terminal.
func wide(title string) table.Column {
	return table.Column{Title: title, Shrink: 1, Min: 20, Below: true}
}

// render writes tables in order, a blank line between them in text and
// Markdown. CSV is one table only: the first.
func render(w io.Writer, format string, width int, ts ...*table.Table) error {
	if format == table.FormatCSV {
		ts = ts[:1]
	}
	for i, t := range ts {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := table.Render(w, cmp.Or(format, table.FormatTable), t, table.Options{Width: width}); err != nil {
			return err
		}
	}
	return nil
}

// share is part's share of whole; 0 of nothing.
func share(part, whole cost.Money) float64 {
	if whole.Sign() == 0 {
		return 0
	}
	return part.Float64() / whole.Float64()
}

// maxListed is how many superseded files an ingest lists by name, as many
// as the bad rows it keeps.
const maxListed = 10

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Show writes a breakdown in the given format.
func Show(w io.Writer, r *cost.ShowResult, o Options) error {
	format, width, lang := o.Format, o.Width, o.Lang
	if format == "json" {
		return writeJSON(w, r)
	}
	c := cells{currency: r.Currency, csv: format == table.FormatCSV, lang: lang}
	t := &table.Table{
		Title:   c.t("cost.show.title", c.byWord("group.", r.By), r.From, r.To, c.t("cost.basis."+r.Basis), r.Currency),
		Columns: []table.Column{text(c.byWord("col.", r.By)), num(c.t("col.cost")), num(c.t("col.share"))},
	}
	var rows [][]string
	for _, g := range r.Groups {
		rows = append(rows, []string{c.key(g.Key), c.money(g.Cost), pct(g.Share)})
	}
	if r.MoreGroups > 0 {
		rows = append(rows, []string{c.t("cost.show.more", r.MoreGroups), c.money(r.MoreCost), pct(share(r.MoreCost, r.Usage))})
	}
	rows = append(rows, []string{c.t("cost.usage.total"), c.money(r.Usage), pct(1)})
	for _, g := range r.Other {
		rows = append(rows, []string{c.t("cost.notusage", g.Key), c.money(g.Cost), ""})
	}
	rows = append(rows, []string{c.t("cost.total"), c.money(r.Total), ""})
	t.Sections = []table.Section{{Rows: rows}}
	t.Notes = []string{c.t("cost.untagged.note", money.Format(r.Untagged, r.Currency), pct(r.UntaggedShare))}
	ts := []*table.Table{t}
	if len(r.TopUntagged) > 0 {
		u := &table.Table{
			Title:   c.t("cost.untagged.title"),
			Columns: []table.Column{{Title: c.t("col.resource"), Shrink: 3, Min: 40}, {Title: c.t("col.service"), Shrink: 2, Min: 12}, {Title: c.t("col.account"), Drop: 1}, num(c.t("col.cost")), wide(c.t("col.fix"))},
		}
		var urows [][]string
		for _, x := range r.TopUntagged {
			fix := x.Fix
			if !c.csv {
				fix = c.t("cost.fix.tags", x.FixTags)
				if x.FixVia != "" {
					fix += c.t("cost.fix.via", c.t("owner.via."+x.FixVia))
				}
			}
			urows = append(urows, []string{x.Resource, x.Service, x.Account, c.money(x.Cost), fix})
		}
		u.Sections = []table.Section{{Rows: urows}}
		ts = append(ts, u)
	}
	return render(w, format, width, ts...)
}

// Anomalies writes anomalies in the given format.
func Anomalies(w io.Writer, r *cost.AnomalyResult, o Options) error {
	format, width, lang := o.Format, o.Width, o.Lang
	if format == "json" {
		return writeJSON(w, r)
	}
	if r.NotEnough != "" && format != table.FormatCSV {
		_, err := fmt.Fprintln(w, table.Terminal(lang.T("cost.anomalies.none.check", r.NotEnough)))
		return err
	}
	c := cells{currency: r.Currency, csv: format == table.FormatCSV, lang: lang}
	t := &table.Table{
		Title: c.t("cost.anomalies.title", r.Currency, cost.DetectDays, r.HistoryDays),
		Columns: []table.Column{text(c.t("col.system")), text(c.t("col.service")), {Title: c.t("col.usagetype"), Shrink: 2, Min: 12}, text(c.t("col.since")),
			num(c.t("col.expected")), num(c.t("col.actual")), num(c.t("col.impact")), num(c.t("col.score")), wide(c.t("col.top"))},
	}
	var rows [][]string
	for _, a := range r.Anomalies {
		var top []string
		for _, x := range a.Top {
			top = append(top, x.Resource+" +"+money.Format(x.Increase, r.Currency))
		}
		rows = append(rows, []string{a.System, a.Service, a.UsageType, a.Since, c.money(a.Expected), c.money(a.Actual),
			c.money(a.Impact), fmt.Sprintf("%.1f", a.Score), strings.Join(top, ", ")})
	}
	t.Sections = []table.Section{{Rows: rows}}
	if len(r.Anomalies) == 0 {
		t.Notes = append(t.Notes, c.t("cost.anomalies.none"))
	} else {
		t.Notes = append(t.Notes, c.scoreLegend(r.Threshold))
	}
	return render(w, format, width, t)
}

// recommendKinds are the recommendation kinds the legend under the savings
// table explains, each with its catalog key.
var recommendKinds = map[string]string{
	cost.RecGP3:         "cost.kind.gp3",
	cost.RecGeneration:  "cost.kind.generation",
	cost.RecFargateSpot: "cost.kind.fargatespot",
	cost.RecOfficeHours: "cost.kind.officehours",
	cost.RecIdleNAT:     "cost.kind.idlenat",
	cost.RecIdleDB:      "cost.kind.idledb",
}

// scoreLegend says in words what the anomaly SCORE column means.
func (c cells) scoreLegend(threshold float64) string {
	s := c.t("cost.anomalies.score")
	if threshold > 0 {
		s += c.t("cost.anomalies.threshold", threshold)
	}
	return s
}

// Check writes budgets and anomalies in the given format; CSV holds
// the budgets.
func Check(w io.Writer, r *cost.CheckResult, o Options) error {
	format, width, lang := o.Format, o.Width, o.Lang
	if format == "json" {
		return writeJSON(w, r)
	}
	c := cells{currency: r.Currency, csv: format == table.FormatCSV, lang: lang}
	t := &table.Table{
		Title:   c.t("cost.budgets.title", r.Month, r.Currency),
		Columns: []table.Column{text(c.t("col.system")), text(c.t("col.env")), num(c.t("col.budget")), num(c.t("col.todate")), num(c.t("col.forecast")), text(c.t("col.status"))},
	}
	var rows [][]string
	for _, b := range r.Budgets {
		status := "ok"
		if b.Breached {
			status = c.t("cost.budget.breached")
		} else if b.OnTrackToBreach {
			status = c.t("cost.budget.exceed")
		}
		rows = append(rows, []string{cmp.Or(b.System, "*"), cmp.Or(b.Env, "*"), c.money(b.Monthly), c.money(b.ToDate), c.money(b.Forecast), status})
	}
	t.Sections = []table.Section{{Rows: rows}}
	if len(r.Budgets) == 0 {
		t.Notes = append(t.Notes, c.t("cost.budgets.none"))
	}
	if err := render(w, format, width, t); err != nil || format == table.FormatCSV {
		return err
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	return Anomalies(w, r.Anomalies, o)
}

// Waste writes waste by owner and the priced findings; CSV holds the
// priced findings, one per line.
func Waste(w io.Writer, r *cost.WasteResult, o Options) error {
	format, width, lang := o.Format, o.Width, o.Lang
	if format == "json" {
		return writeJSON(w, r)
	}
	c := cells{currency: r.Currency, csv: format == table.FormatCSV, lang: lang}
	sum := &table.Table{
		Title:   c.t("cost.waste.title", r.Currency),
		Columns: []table.Column{text(c.t("col.owner")), num(c.t("col.permonth")), num(c.t("col.share"))},
	}
	var rows [][]string
	for _, g := range r.ByOwner {
		rows = append(rows, []string{g.Key, c.money(g.Cost), pct(g.Share)})
	}
	rows = append(rows, []string{c.t("cost.total"), c.money(r.Total), ""})
	sum.Sections = []table.Section{{Rows: rows}}
	d := &table.Table{
		Title:   c.t("cost.priced.title"),
		Columns: []table.Column{text(c.t("col.owner")), text(c.t("col.policy")), {Title: c.t("col.resource"), Shrink: 1, Min: 20}, num(c.t("col.permonth")), text(c.t("col.from"))},
	}
	var items [][]string
	for _, it := range r.Items {
		items = append(items, []string{it.Owner, it.Policy, cmp.Or(it.Name, it.ARN), c.money(it.Monthly), c.basis(it.Basis)})
	}
	d.Sections = []table.Section{{Rows: items}}
	if format == table.FormatCSV {
		return render(w, format, width, d)
	}
	return render(w, format, width, sum, d)
}

// Recommend writes recommendations in the given format; CSV is one
// line per recommendation, with every field.
func Recommend(w io.Writer, r *cost.RecommendResult, o Options) error {
	format, width, lang := o.Format, o.Width, o.Lang
	if format == "json" {
		return writeJSON(w, r)
	}
	c := cells{currency: r.Currency, csv: format == table.FormatCSV, lang: lang}
	if c.csv {
		cols := []table.Column{text("kind"), text("arn"), text("name"), text("type"), text("account"), text("region"), text("system"),
			text("env"), text("owner"), num("monthly"), text("currency"), text("basis"), text("action"), text("why")}
		var rows [][]string
		for _, it := range r.Items {
			rows = append(rows, []string{it.Kind, it.ARN, it.Name, it.Type, it.Account, it.Region, it.System, it.Env, it.Owner,
				c.money(it.Monthly), r.Currency, it.Basis, it.Action, it.Why})
		}
		return render(w, format, width, table.Rows("", cols, rows))
	}
	sum := &table.Table{
		Title:   c.t("cost.savings.title", r.Currency),
		Columns: []table.Column{text(c.t("col.kind")), num(c.t("col.permonth")), num(c.t("col.shareall"))},
	}
	var rows [][]string
	var legend []string
	for _, g := range r.ByKind {
		rows = append(rows, []string{g.Key, c.money(g.Cost), pct(g.Share)})
		if key, ok := recommendKinds[g.Key]; ok {
			legend = append(legend, g.Key+": "+c.t(key))
		}
	}
	rows = append(rows, []string{c.t("cost.total"), c.money(r.Total), ""})
	sum.Sections = []table.Section{{Rows: rows}}
	oh := r.OfficeHours
	if r.OfficeHoursPhrase.Key != "" && !c.csv {
		oh = r.OfficeHoursPhrase.In(c.lang)
	}
	sum.Notes = []string{c.t("cost.savings.note", oh)}
	if len(r.NotePhrases) == len(r.Notes) {
		for _, n := range r.NotePhrases {
			sum.Notes = append(sum.Notes, n.In(c.lang))
		}
	} else {
		sum.Notes = append(sum.Notes, r.Notes...)
	}
	if len(legend) > 0 {
		sum.Notes = append(sum.Notes, c.t("cost.kind.legend", strings.Join(legend, c.t("cost.kind.sep"))))
	}
	items := &table.Table{
		Title: c.t("cost.recs.title"),
		Columns: []table.Column{text(c.t("col.kind")), {Title: c.t("col.resource"), Shrink: 2, Min: 20}, {Title: c.t("col.system"), Drop: 3}, {Title: c.t("col.env"), Drop: 4},
			{Title: c.t("col.owner"), Drop: 1}, num(c.t("col.permonth")), {Title: c.t("col.from"), Drop: 2}, text(c.t("col.action")), text(c.t("col.why"))},
	}
	if format == table.FormatTable || format == "" {
		// On a terminal the action and its reason read as one sentence,
		// under the row when the row is too wide for them.
		items.Columns = append(items.Columns[:7], wide(c.t("col.actionwhy")))
	}
	var irows [][]string
	for _, it := range r.Items {
		action, why := it.Action, it.Why
		if it.ActionPhrase.Key != "" {
			action, why = it.ActionPhrase.In(c.lang), it.WhyPhrase.In(c.lang)
		}
		row := []string{it.Kind, cmp.Or(it.Name, it.ARN), cmp.Or(it.System, "-"), cmp.Or(it.Env, "-"),
			cmp.Or(it.Owner, "-"), c.money(it.Monthly), c.basis(it.Basis), action, why}
		if len(items.Columns) == 8 {
			row = append(row[:7], c.t("cost.recs.actionwhy", action, why))
		}
		irows = append(irows, row)
	}
	items.Sections = []table.Section{{Rows: irows}}
	if len(r.Items) == 0 {
		items.Notes = append(items.Notes, c.t("cost.recs.none"))
	}
	return render(w, format, width, sum, items)
}

// Ingest says what was read and stored. Billed amounts are in each
// bill's own currency, which the summary lines do not carry, so they are
// printed as plain decimals; file names come from the user and are made
// safe for the terminal.
func Ingest(w io.Writer, res *cost.IngestResult, o Options) error {
	format, lang := o.Format, o.Lang
	if format == "json" {
		return writeJSON(w, res)
	}
	var b strings.Builder
	line := func(key string, a ...any) { b.WriteString(table.Terminal(lang.T(key, a...)) + "\n") }
	for _, f := range res.Stats.Files {
		line("cost.ingest.file", f.Name, f.Format, f.Lines, f.Skipped, f.Billed)
	}
	for _, p := range res.Periods {
		line("cost.ingest.stored", p.Source, p.Period, p.Rollups, p.Billed)
	}
	if n := len(res.Superseded); n > 0 {
		line("cost.ingest.superseded", n)
		for _, f := range res.Superseded[:min(n, maxListed)] {
			b.WriteString(table.Terminal("  "+f) + "\n")
		}
	}
	s := res.Stats
	if s.Skipped > 0 {
		line("cost.ingest.skipped", s.Skipped, s.Lines, s.SkippedBilled)
		for _, r := range s.BadRows {
			b.WriteString(table.Terminal(fmt.Sprintf("  %s", r)) + "\n")
		}
	}
	if s.BadTags > 0 {
		line("cost.ingest.badtags", s.BadTags)
		for _, r := range s.BadTagRows {
			b.WriteString(table.Terminal(fmt.Sprintf("  %s", r)) + "\n")
		}
	}
	if s.EffectiveFromBilled > 0 {
		line("cost.ingest.effective", s.EffectiveFromBilled)
	}
	if res.Requests > 0 {
		line("cost.ingest.ce", res.Requests, money.Format(res.RequestCost, money.USD))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CheckFailed is the error a failed check ends with, in the reader's
// language: how many failures and the first. It wraps
// cost.ErrCheckFailed; nil when nothing failed.
func CheckFailed(r *cost.CheckResult, lang i18n.Lang) error {
	if len(r.Failures) == 0 {
		return nil
	}
	first := r.Failures[0]
	if len(r.FailurePhrases) == len(r.Failures) {
		first = r.FailurePhrases[0].In(lang)
	}
	return checkFailed(lang.T("cost.check.failed", len(r.Failures), first))
}

// checkFailed is cost.ErrCheckFailed told in the reader's language.
type checkFailed string

func (e checkFailed) Error() string { return string(e) }
func (e checkFailed) Unwrap() error { return cost.ErrCheckFailed }

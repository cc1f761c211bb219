package cost

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/report/table"
)

// This file is the only one in package cost that prints: every command
// computes a result, and these functions turn it into JSON or into tables
// rendered by package table, with amounts formatted by package money. No
// other file here formats an amount or lays out a column.

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
func (c cells) t(key string, args ...any) string {
	if c.csv {
		return i18n.EN.T(key, args...)
	}
	return c.lang.T(key, args...)
}

func (c cells) money(m Money) string {
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// RenderShow writes a breakdown in the given format.
func RenderShow(w io.Writer, r *ShowResult, format string, width int, lang i18n.Lang) error {
	if format == "json" {
		return writeJSON(w, r)
	}
	c := cells{currency: r.Currency, csv: format == table.FormatCSV, lang: lang}
	t := &table.Table{
		Title:   c.t("cost.show.title", c.t("group."+r.By), r.From, r.To, r.Basis, r.Currency),
		Columns: []table.Column{text(c.t("col." + r.By)), num(c.t("col.cost")), num(c.t("col.share"))},
	}
	var rows [][]string
	for _, g := range r.Groups {
		rows = append(rows, []string{g.Key, c.money(g.Cost), pct(g.Share)})
	}
	if r.MoreGroups > 0 {
		rows = append(rows, []string{c.t("cost.show.more", r.MoreGroups), c.money(r.MoreCost), pct(share(r.MoreCost, r.Usage))})
	}
	rows = append(rows, []string{c.t("cost.usage.total"), c.money(r.Usage), pct(1)})
	for _, g := range r.Other {
		rows = append(rows, []string{g.Key + " (not usage)", c.money(g.Cost), ""})
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
			urows = append(urows, []string{x.Resource, x.Service, x.Account, c.money(x.Cost), x.Fix})
		}
		u.Sections = []table.Section{{Rows: urows}}
		ts = append(ts, u)
	}
	return render(w, format, width, ts...)
}

// RunShow is `steward cost show`.
func RunShow(ctx context.Context, o ShowOptions, w io.Writer) error {
	r, err := Show(ctx, o)
	if err != nil {
		return err
	}
	return RenderShow(w, r, o.Format, o.Width, o.Lang)
}

// RenderAnomalies writes anomalies in the given format.
func RenderAnomalies(w io.Writer, r *AnomalyResult, format string, width int, lang i18n.Lang) error {
	if format == "json" {
		return writeJSON(w, r)
	}
	if r.NotEnough != "" && format != table.FormatCSV {
		_, err := fmt.Fprintln(w, table.Terminal(lang.T("cost.anomalies.none.check", r.NotEnough)))
		return err
	}
	c := cells{currency: r.Currency, csv: format == table.FormatCSV, lang: lang}
	t := &table.Table{
		Title: c.t("cost.anomalies.title", r.Currency, detectDays, r.HistoryDays),
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
	RecGP3:         "cost.kind.gp3",
	RecGeneration:  "cost.kind.generation",
	RecFargateSpot: "cost.kind.fargatespot",
	RecOfficeHours: "cost.kind.officehours",
	RecIdleNAT:     "cost.kind.idlenat",
	RecIdleDB:      "cost.kind.idledb",
}

// scoreLegend says in words what the anomaly SCORE column means.
func (c cells) scoreLegend(threshold float64) string {
	s := c.t("cost.anomalies.score")
	if threshold > 0 {
		s += c.t("cost.anomalies.threshold", threshold)
	}
	return s
}

// RenderCheck writes budgets and anomalies in the given format; CSV holds
// the budgets.
func RenderCheck(w io.Writer, r *CheckResult, format string, width int, lang i18n.Lang) error {
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
	return RenderAnomalies(w, r.Anomalies, format, width, lang)
}

// RenderWaste writes waste by owner and the priced findings; CSV holds the
// priced findings, one per line.
func RenderWaste(w io.Writer, r *WasteResult, format string, width int, lang i18n.Lang) error {
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
		items = append(items, []string{it.Owner, it.Policy, cmp.Or(it.Name, it.ARN), c.money(it.Monthly), it.Basis})
	}
	d.Sections = []table.Section{{Rows: items}}
	if format == table.FormatCSV {
		return render(w, format, width, d)
	}
	return render(w, format, width, sum, d)
}

// RenderRecommend writes recommendations in the given format; CSV is one
// line per recommendation, with every field.
func RenderRecommend(w io.Writer, r *RecommendResult, format string, width int, lang i18n.Lang) error {
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
	sum.Notes = append([]string{c.t("cost.savings.note", r.OfficeHours)}, r.Notes...)
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
		row := []string{it.Kind, cmp.Or(it.Name, it.ARN), cmp.Or(it.System, "-"), cmp.Or(it.Env, "-"),
			cmp.Or(it.Owner, "-"), c.money(it.Monthly), it.Basis, it.Action, it.Why}
		if len(items.Columns) == 8 {
			row = append(row[:7], c.t("cost.recs.actionwhy", it.Action, it.Why))
		}
		irows = append(irows, row)
	}
	items.Sections = []table.Section{{Rows: irows}}
	if len(r.Items) == 0 {
		items.Notes = append(items.Notes, c.t("cost.recs.none"))
	}
	return render(w, format, width, sum, items)
}

// RunIngest is `steward cost ingest PATH...`.
func RunIngest(ctx context.Context, st RollupStore, o IngestOptions, format string, w io.Writer) error {
	res, err := Ingest(ctx, st, o)
	if err != nil {
		return err
	}
	return renderIngest(w, res, format)
}

// RunCostExplorer is `steward cost ingest --cost-explorer`.
func RunCostExplorer(ctx context.Context, st RollupStore, o CostExplorerOptions, format string, w io.Writer) error {
	res, err := IngestCostExplorer(ctx, st, o)
	if err != nil {
		return err
	}
	return renderIngest(w, res, format)
}

// renderIngest says what was read and stored. Billed amounts are in each
// bill's own currency, which the summary lines do not carry, so they are
// printed as plain decimals; file names come from the user and are made
// safe for the terminal.
func renderIngest(w io.Writer, res *IngestResult, format string) error {
	if format == "json" {
		return writeJSON(w, res)
	}
	var b strings.Builder
	line := func(format string, a ...any) { b.WriteString(table.Terminal(fmt.Sprintf(format, a...)) + "\n") }
	for _, f := range res.Stats.Files {
		line("%s: %s, %d lines, %d skipped, billed %s", f.Name, f.Format, f.Lines, f.Skipped, f.Billed)
	}
	for _, p := range res.Periods {
		line("stored %s %s: %d daily rollups, billed %s (replacing any earlier ingest of that period)", p.Source, p.Period, p.Rollups, p.Billed)
	}
	if n := len(res.Superseded); n > 0 {
		line("not read: %d file(s) of superseded versions, as the manifests name the current ones; first ones:", n)
		for _, f := range res.Superseded[:min(n, maxBadRows)] {
			line("  %s", f)
		}
	}
	s := res.Stats
	if s.Skipped > 0 {
		line("skipped %d of %d lines (billed cost of skipped lines that could be read: %s); first ones:", s.Skipped, s.Lines, s.SkippedBilled)
		for _, r := range s.BadRows {
			line("  %s", r)
		}
	}
	if s.BadTags > 0 {
		fmt.Fprintf(w, "%d lines had tags that could not be read: their cost is kept as untagged; first ones:\n", s.BadTags)
		for _, b := range s.BadTagRows {
			fmt.Fprintf(w, "  %s\n", b)
		}
	}
	if s.EffectiveFromBilled > 0 {
		line("%d usage lines had no effective cost and no commitment discount: their billed cost stands in for amortised cost", s.EffectiveFromBilled)
	}
	if res.Requests > 0 {
		line("Cost Explorer: %d paid request(s), %s; its data is daily by one tag and service only (no account, usage type or resource): use a FOCUS or CUR export for anything finer",
			res.Requests, money.Format(res.RequestCost, money.USD))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

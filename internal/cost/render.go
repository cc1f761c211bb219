package cost

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// places is how many decimals money is shown with: none for yen.
func places(currency string) int {
	if currency == "JPY" {
		return 0
	}
	return 2
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// table is rows of cells rendered as an aligned table, CSV or Markdown.
type table struct {
	title  string
	header []string
	rows   [][]string
	notes  []string
}

func (t *table) render(w io.Writer, format string) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(t.header)
		cw.WriteAll(t.rows)
		return cw.Error()
	case "markdown":
		fmt.Fprintf(w, "**%s**\n\n", t.title)
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(t.header, " | "), strings.Repeat("---|", len(t.header)))
		for _, r := range t.rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		}
		for _, n := range t.notes {
			fmt.Fprintf(w, "\n%s\n", n)
		}
		return nil
	}
	fmt.Fprintln(w, t.title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range t.notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// RenderShow writes a breakdown in the given format.
func RenderShow(w io.Writer, r *ShowResult, format string) error {
	if format == "json" {
		return writeJSON(w, r)
	}
	p := places(r.Currency)
	t := &table{
		title:  fmt.Sprintf("Cost by %s, %s to %s (%s, %s)", r.By, r.From, r.To, r.Basis, r.Currency),
		header: []string{strings.ToUpper(r.By), "COST", "SHARE"},
	}
	for _, g := range r.Groups {
		t.rows = append(t.rows, []string{g.Key, g.Cost.Round(p), pct(g.Share)})
	}
	t.rows = append(t.rows, []string{"usage total", r.Usage.Round(p), pct(1)})
	for _, g := range r.Other {
		t.rows = append(t.rows, []string{g.Key + " (not usage)", g.Cost.Round(p), ""})
	}
	t.rows = append(t.rows, []string{"total", r.Total.Round(p), ""})
	if format == "csv" {
		return t.render(w, format)
	}
	t.notes = append(t.notes, fmt.Sprintf("Untagged usage: %s %s (%s of usage).", r.Untagged.Round(p), r.Currency, pct(r.UntaggedShare)))
	if err := t.render(w, format); err != nil {
		return err
	}
	if len(r.TopUntagged) == 0 {
		return nil
	}
	u := &table{title: "\nLargest untagged spend", header: []string{"RESOURCE", "SERVICE", "ACCOUNT", "COST", "FIX"}}
	if format == "markdown" {
		u.title = "Largest untagged spend"
		fmt.Fprintln(w)
	}
	for _, x := range r.TopUntagged {
		u.rows = append(u.rows, []string{x.Resource, x.Service, x.Account, x.Cost.Round(p), x.Fix})
	}
	return u.render(w, format)
}

// RunShow is `steward cost show`.
func RunShow(ctx context.Context, o ShowOptions, w io.Writer) error {
	r, err := Show(ctx, o)
	if err != nil {
		return err
	}
	return RenderShow(w, r, o.Format)
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

func renderIngest(w io.Writer, res *IngestResult, format string) error {
	if format == "json" {
		return writeJSON(w, res)
	}
	for _, f := range res.Stats.Files {
		fmt.Fprintf(w, "%s: %s, %d lines, %d skipped, billed %s\n", f.Name, f.Format, f.Lines, f.Skipped, f.Billed)
	}
	for _, p := range res.Periods {
		fmt.Fprintf(w, "stored %s %s: %d daily rollups, billed %s (replacing any earlier ingest of that period)\n", p.Source, p.Period, p.Rollups, p.Billed)
	}
	if n := len(res.Superseded); n > 0 {
		fmt.Fprintf(w, "not read: %d file(s) of superseded versions, as the manifests name the current ones; first ones:\n", n)
		for _, f := range res.Superseded[:min(n, maxBadRows)] {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	s := res.Stats
	if s.Skipped > 0 {
		fmt.Fprintf(w, "skipped %d of %d lines (billed cost of skipped lines that could be read: %s); first ones:\n", s.Skipped, s.Lines, s.SkippedBilled)
		for _, b := range s.BadRows {
			fmt.Fprintf(w, "  %s\n", b)
		}
	}
	if s.BadTags > 0 {
		fmt.Fprintf(w, "%d lines had tags that could not be read: their cost is kept as untagged; first ones:\n", s.BadTags)
		for _, b := range s.BadTagRows {
			fmt.Fprintf(w, "  %s\n", b)
		}
	}
	if s.EffectiveFromBilled > 0 {
		fmt.Fprintf(w, "%d usage lines had no effective cost and no commitment discount: their billed cost stands in for amortised cost\n", s.EffectiveFromBilled)
	}
	if res.Requests > 0 {
		fmt.Fprintf(w, "Cost Explorer: %d paid request(s), $%s; its data is daily by one tag and service only (no account, usage type or resource): use a FOCUS or CUR export for anything finer\n",
			res.Requests, res.RequestCost)
	}
	return nil
}

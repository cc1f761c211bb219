package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/store"
)

// FindingsCmd prints the findings of the latest stored scan.
type FindingsCmd struct {
	OutputFlags
	ScanID   string   `name:"scan" help:"Show this scan instead of the latest." placeholder:"ID"`
	New      bool     `help:"Only findings new since the previous complete scan." xor:"listing"`
	Resolved bool     `help:"Only findings resolved since the previous complete scan." xor:"listing"`
	Severity []string `help:"Only these severities (info, low, medium, high, critical); comma-separated or repeated." placeholder:"LEVEL" group:"Filters"`
	Policy   []string `help:"Only these policy ids." placeholder:"ID" group:"Filters"`
	Account  []string `help:"Only these account ids." placeholder:"ID" group:"Filters"`
	Owner    []string `help:"Only findings these owners answer for." placeholder:"NAME" group:"Filters"`
	Category []string `help:"Only these categories (naming, tagging, waste, idle, security, iac, cost)." placeholder:"NAME" group:"Filters"`
}

// Run prints findings from the store.
func (c *FindingsCmd) Run(r *runner) error {
	cfg, err := r.config()
	if err != nil {
		return err
	}
	failOn, err := parseFailOn(c.FailOn)
	if err != nil {
		return err
	}
	filter, err := finding.NewFilter(c.Severity, c.Category, c.Policy, c.Account, c.Owner)
	if err != nil {
		return usageError{err}
	}
	st, err := r.openStoreForReading(cfg)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("the store has no scan yet: run `steward scan` or `steward demo` first")
	}
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.LatestScan(r.ctx)
	if c.ScanID != "" {
		s, err = st.Scan(r.ctx, c.ScanID)
	}
	if errors.Is(err, store.ErrNotFound) {
		if c.ScanID != "" {
			return usagef("no scan %q in the store", c.ScanID)
		}
		return usagef("the store has no scan yet: run `steward scan` or `steward demo` first")
	}
	if err != nil {
		return fmt.Errorf("read scan: %w", err)
	}
	fs, err := st.Findings(r.ctx, s.ID)
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	since, err := store.FindingsSince(r.ctx, st, s.ID)
	if err != nil {
		return fmt.Errorf("compare with the previous scan: %w", err)
	}
	eng, err := r.engine(cfg)
	if err != nil {
		return err
	}
	// The gate is on every open finding of the scan, whatever is listed:
	// a filter narrows what a person reads, not what CI fails on.
	all := fs
	var listing []string
	switch {
	case c.New:
		fs = since.New
		listing = append(listing, findingsWords.New)
	case c.Resolved:
		fs = since.Resolved
		listing = append(listing, findingsWords.Resolved)
	}
	if (c.New || c.Resolved) && since.Previous != nil {
		listing[0] += " " + since.Previous.ID
	}
	if !filter.Empty() {
		fs = filter.Apply(fs)
		listing = append(listing, findingsWords.Filtered)
	}
	if err := r.render(c.OutputFlags, cfg, s, fs, eng.Policies(), reportChanges(since), strings.Join(listing, ", ")); err != nil {
		return err
	}
	return gate(s, all, failOn, c.FailOn)
}

// findingsWords describe what `findings` lists when it is not every open
// finding, in one place so they can be translated together.
var findingsWords = struct{ New, Resolved, Filtered string }{
	New:      "only findings new since the previous complete scan",
	Resolved: "only findings resolved since the previous complete scan",
	Filtered: "filtered by --severity, --category, --policy, --account or --owner",
}

// HistoryCmd shows a resource's history.
type HistoryCmd struct {
	ARN    string `arg:"" help:"The resource's ARN."`
	Format string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

// Run prints the history.
func (c *HistoryCmd) Run(r *runner) error {
	cfg, err := r.config()
	if err != nil {
		return err
	}
	st, err := r.openStoreForReading(cfg)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("the store has no scan yet: run `steward scan` or `steward demo` first")
	}
	if err != nil {
		return err
	}
	defer st.Close()
	vs, err := st.ResourceHistory(r.ctx, c.ARN)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("no scan in the store has seen %s", c.ARN)
	}
	if err != nil {
		return fmt.Errorf("read history: %w", err)
	}
	if c.Format == "json" {
		return r.writeJSON(vs)
	}
	cols := []table.Column{{Title: "WHEN"}, {Title: "EVENT"}, {Title: "SCAN"}, {Title: "VERSION", Shrink: 1, Min: 12}}
	rows := make([][]string, len(vs))
	for i, v := range vs {
		rows[i] = []string{v.At.Format("2006-01-02 15:04 MST"), string(v.Event), v.ScanID, v.Hash}
	}
	return table.Render(r.env.Stdout, c.Format, table.Rows("", cols, rows), table.Options{Width: r.tableWidth()})
}

// writeJSON prints v as indented JSON, the JSON of every command that is
// not a report.
func (r *runner) writeJSON(v any) error {
	enc := json.NewEncoder(r.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

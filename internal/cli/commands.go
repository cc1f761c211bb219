package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/store"
)

// FindingsCmd prints the findings of the latest stored scan.
type FindingsCmd struct {
	OutputFlags
	ScanID string `name:"scan" help:"Show this scan instead of the latest." placeholder:"ID"`
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
	st, err := r.openStoreForReading(cfg)
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("cli.noscan")
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
			return r.usage("cli.noscanid", c.ScanID)
		}
		return r.usage("cli.noscan")
	}
	if err != nil {
		return fmt.Errorf("read scan: %w", err)
	}
	fs, err := st.Findings(r.ctx, s.ID)
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	eng, err := r.engine(cfg)
	if err != nil {
		return err
	}
	if err := r.render(c.OutputFlags, cfg, s, fs, eng.Policies()); err != nil {
		return err
	}
	return gate(s, fs, failOn, c.FailOn, r.lang)
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
		return r.usage("cli.noscan")
	}
	if err != nil {
		return err
	}
	defer st.Close()
	vs, err := st.ResourceHistory(r.ctx, c.ARN)
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("cli.nohistory", c.ARN)
	}
	if err != nil {
		return fmt.Errorf("read history: %w", err)
	}
	if c.Format == "json" {
		return r.writeJSON(vs)
	}
	lang := r.lang
	if c.Format == table.FormatCSV {
		lang = i18n.EN // CSV headers are read by programs
	}
	cols := []table.Column{{Title: lang.T("col.when")}, {Title: lang.T("col.event")}, {Title: lang.T("col.scan")},
		{Title: lang.T("col.version"), Shrink: 1, Min: 12}}
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

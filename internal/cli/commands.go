package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
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
func (c *FindingsCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
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
	st, err := r.openStoreForReading(ctx, cfg)
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("cli.noscan")
	}
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.LatestScan(ctx)
	if c.ScanID != "" {
		s, err = st.Scan(ctx, c.ScanID)
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
	fs, err := st.Findings(ctx, s.ID)
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	since, err := store.FindingsSince(ctx, st, s.ID)
	if err != nil {
		return fmt.Errorf("compare with the previous scan: %w", err)
	}
	policies, err := r.policies(ctx, cfg)
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
		listing = append(listing, r.lang.T(findingsWords.New))
	case c.Resolved:
		fs = since.Resolved
		listing = append(listing, r.lang.T(findingsWords.Resolved))
	}
	if (c.New || c.Resolved) && since.Previous != nil {
		listing[0] = r.lang.T("findings.since", listing[0], since.Previous.ID)
	}
	if !filter.Empty() {
		fs = filter.Apply(fs)
		listing = append(listing, r.lang.T(findingsWords.Filtered))
	}
	if err := r.render(c.OutputFlags, cfg, s, fs, policies, reportChanges(since), strings.Join(listing, r.lang.T("sep"))); err != nil {
		return err
	}
	return gate(s, all, failOn, c.FailOn, r.lang)
}

// findingsWords describe what `findings` lists when it is not every open
// finding: catalog keys.
var findingsWords = struct{ New, Resolved, Filtered string }{
	New:      "findings.new",
	Resolved: "findings.resolved",
	Filtered: "findings.filtered",
}

// HistoryCmd shows a resource's history.
type HistoryCmd struct {
	Resource string `arg:"" help:"The resource: its ARN, native id (vol-0abc...) or name."`
	Format   string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

// historyVersion is one event with what changed since the version before.
type historyVersion struct {
	store.Version
	Changes []inventory.FieldChange `json:"changes,omitempty"`
}

// Run prints the history.
func (c *HistoryCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	st, err := r.openStoreForReading(ctx, cfg)
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("cli.noscan")
	}
	if err != nil {
		return err
	}
	defer st.Close()
	arn, err := resolveResource(ctx, st, c.Resource, r.lang)
	if err != nil {
		return err
	}
	vs, err := st.ResourceHistory(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return r.usage("cli.nohistory", arn)
	}
	if err != nil {
		return fmt.Errorf("read history: %w", err)
	}
	hv, err := versionChanges(ctx, st, arn, vs)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		return r.writeJSON(hv)
	}
	lang := r.lang
	if c.Format == table.FormatCSV {
		lang = i18n.EN // CSV headers are read by programs
	}
	cols := []table.Column{{Title: lang.T("col.when")}, {Title: lang.T("col.event")}, {Title: lang.T("col.scan"), Drop: 1}, {Title: lang.T("col.whatchanged"), Shrink: 1, Min: 30, Below: true}}
	var rows [][]string
	for _, v := range hv {
		what := v.Hash
		if len(what) > 12 {
			what = lang.T(historyWords.Version, what[:12])
		}
		if v.Event == store.Changed && len(v.Changes) > 0 {
			parts := make([]string, len(v.Changes))
			for i, ch := range v.Changes {
				parts[i] = fmt.Sprintf("%s: %s -> %s", ch.Path, orNone(ch.From, lang), orNone(ch.To, lang))
			}
			what = strings.Join(parts, "; ")
		}
		event := string(v.Event)
		if k := "history.event." + event; c.Format != table.FormatCSV && lang.Has(k) {
			event = lang.T(k)
		}
		rows = append(rows, []string{v.At.Format("2006-01-02 15:04 MST"), event, v.ScanID, what})
	}
	title := arn
	return table.Render(r.env.Stdout, c.Format, table.Rows(title, cols, rows), table.Options{Width: r.tableWidth()})
}

// historyWords are history's fixed words: catalog keys.
var historyWords = struct{ Version, None, Ambiguous, NotFound string }{
	Version:   "history.version",
	None:      "history.none",
	Ambiguous: "history.ambiguous",
	NotFound:  "history.notfound",
}

func orNone(s string, lang i18n.Lang) string {
	if s == "" {
		return lang.T(historyWords.None)
	}
	return s
}

// resolveResource turns an ARN, native id or name into an ARN: an ARN is
// taken as it is; otherwise the latest scan that has a resource with that
// id or name decides, and more than one match is an error listing them.
func resolveResource(ctx context.Context, st store.Store, ref string, lang i18n.Lang) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	scans, err := st.Scans(ctx, 0)
	if err != nil {
		return "", fmt.Errorf("list scans: %w", err)
	}
	for _, sc := range scans {
		rs, err := st.Resources(ctx, sc.ID)
		if err != nil {
			return "", fmt.Errorf("resources of %s: %w", sc.ID, err)
		}
		var hits []inventory.Resource
		for _, res := range rs {
			if res.ID == ref || res.Name == ref {
				hits = append(hits, res)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return hits[0].ARN, nil
		}
		var b strings.Builder
		for _, h := range hits {
			fmt.Fprintf(&b, "  %s  (%s, %s, %s)\n", h.ARN, h.Type, h.Account, h.Region)
		}
		return "", usageError{errors.New(lang.T(historyWords.Ambiguous, ref, len(hits), strings.TrimRight(b.String(), "\n")))}
	}
	return "", usageError{errors.New(lang.T(historyWords.NotFound, ref))}
}

// versionChanges adds to each changed version the fields that differ
// from the version before it.
func versionChanges(ctx context.Context, st store.Store, arn string, vs []store.Version) ([]historyVersion, error) {
	out := make([]historyVersion, len(vs))
	var prev *inventory.Resource
	for i, v := range vs {
		out[i].Version = v
		if v.Event == store.Disappeared {
			prev = nil
			continue
		}
		// By content hash: one row, not the scan's whole estate, and
		// still there once the scan itself has been pruned.
		cur, err := st.ResourceVersion(ctx, v.Hash)
		if err != nil {
			return nil, fmt.Errorf("version %s of %s: %w", v.Hash, arn, err)
		}
		if v.Event == store.Changed && prev != nil {
			if out[i].Changes, err = inventory.Changes(prev, cur); err != nil {
				return nil, err
			}
		}
		prev = cur
	}
	return out, nil
}

// writeJSON prints v as indented JSON, the JSON of every command that is
// not a report.
func (r *runner) writeJSON(v any) error {
	enc := json.NewEncoder(r.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

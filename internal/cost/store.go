package cost

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/cost/bill"
)

// Filter selects rollups: days in [From, To) (zero means unbounded).
type Filter struct {
	From, To time.Time
}

func (f Filter) match(day time.Time) bool {
	return (f.From.IsZero() || !day.Before(f.From)) && (f.To.IsZero() || day.Before(f.To))
}

// PeriodInfo describes one stored billing period of one source.
type PeriodInfo struct {
	Source   string    `json:"source"`
	Period   string    `json:"period"`
	Rollups  int64     `json:"rollups"`
	Billed   Money     `json:"billed"`
	Ingested time.Time `json:"ingested"`
	// Last is the last day of the period's rollups; zero where a store
	// does not know it.
	Last time.Time `json:"-"`
}

// RollupStore keeps rollups. ReplacePeriods swaps everything stored for
// each batch's source and billing period for the batch's rollups, all
// batches at once or none (an ingest of several months never leaves some
// replaced and some not), so re-ingesting a month replaces it and never
// doubles it. Scan streams rollups to fn in the order of SortRollups
// within a day; fn's error stops the scan and is returned.
//
// ReplaceSorted does what ReplacePeriods does for rollups too many to
// hold at once: rollups calls its yield with every rollup in
// bill.ComparePeriodRollups order (the rollup is valid only during the call),
// and each source x period among them replaces what was stored for it,
// all in one transaction. It refuses rollups out of that order, and
// returns what it stored, by source and period.
type RollupStore interface {
	ReplacePeriods(ctx context.Context, ingested time.Time, batches []Batch) error
	ReplaceSorted(ctx context.Context, ingested time.Time, rollups func(yield func(*Rollup) error) error) ([]PeriodInfo, error)
	Scan(ctx context.Context, f Filter, fn func(Rollup) error) error
	Periods(ctx context.Context) ([]PeriodInfo, error)
}

// MemStore is a RollupStore in memory, for tests and one-shot runs.
type MemStore struct {
	mu      sync.Mutex
	periods map[[2]string][]Rollup
	at      map[[2]string]time.Time
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{periods: map[[2]string][]Rollup{}, at: map[[2]string]time.Time{}}
}

func (m *MemStore) ReplacePeriods(ctx context.Context, ingested time.Time, batches []Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, b := range batches {
		if err := b.Check(); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range batches {
		k := [2]string{b.Source, b.Period}
		m.periods[k] = slices.Clone(b.Rollups)
		m.at[k] = ingested
	}
	return nil
}

func (m *MemStore) ReplaceSorted(ctx context.Context, ingested time.Time, rollups func(yield func(*Rollup) error) error) ([]PeriodInfo, error) {
	var batches []Batch
	var prev Rollup
	err := rollups(func(r *Rollup) error {
		if len(batches) > 0 && bill.ComparePeriodRollups(&prev, r) > 0 {
			return fmt.Errorf("replace: rollups out of order at %s %s %s", r.Source, r.Period, r.Day.Format(time.DateOnly))
		}
		if n := len(batches); n == 0 || batches[n-1].Source != r.Source || batches[n-1].Period != r.Period {
			batches = append(batches, Batch{Source: r.Source, Period: r.Period})
		}
		b := &batches[len(batches)-1]
		b.Rollups = append(b.Rollups, *r)
		prev = *r
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := m.ReplacePeriods(ctx, ingested, batches); err != nil {
		return nil, err
	}
	return BatchPeriods(ingested, batches), nil
}

// BatchPeriods describes batches as stored at ingested.
func BatchPeriods(ingested time.Time, batches []Batch) []PeriodInfo {
	var out []PeriodInfo
	for _, b := range batches {
		p := PeriodInfo{Source: b.Source, Period: b.Period, Rollups: int64(len(b.Rollups)), Ingested: ingested}
		for _, r := range b.Rollups {
			p.Billed = p.Billed.Add(r.Billed)
			if r.Day.After(p.Last) {
				p.Last = r.Day
			}
		}
		out = append(out, p)
	}
	return out
}

func (m *MemStore) Scan(ctx context.Context, f Filter, fn func(Rollup) error) error {
	m.mu.Lock()
	var all []Rollup
	for _, rs := range m.periods {
		for _, r := range rs {
			if f.match(r.Day) {
				all = append(all, r)
			}
		}
	}
	m.mu.Unlock()
	bill.SortRollups(all)
	for i, r := range all {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (m *MemStore) Periods(ctx context.Context) ([]PeriodInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []PeriodInfo
	for k, rs := range m.periods {
		p := PeriodInfo{Source: k[0], Period: k[1], Rollups: int64(len(rs)), Ingested: m.at[k]}
		for _, r := range rs {
			p.Billed = p.Billed.Add(r.Billed)
			if r.Day.After(p.Last) {
				p.Last = r.Day
			}
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b PeriodInfo) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Period, b.Period))
	})
	return out, nil
}

// IngestOptions are the inputs of `steward cost ingest`.
type IngestOptions struct {
	// Paths are files, folders or s3://bucket/prefix. Give every part of
	// a billing period in one run: each source x period found replaces
	// what the store held for it.
	Paths []string
	// Source names the bill; empty means the payer account of each line.
	Source string
	// Now stamps the ingest.
	Now time.Time
	// S3 is the client for s3:// paths, built by the caller with the
	// scan's credentials (aws.BaseConfig); required when one is given.
	S3     S3API
	Logger *slog.Logger
	// MaxSkipped is the share of a file's lines that may be skipped (bad
	// cost, bad date, not CSV) before nothing is stored; zero allows none.
	// AcceptSkipped stores what was read however many were skipped.
	MaxSkipped    Percent
	AcceptSkipped bool
}

// Validate names the missing field.
func (o *IngestOptions) Validate() error {
	if len(o.Paths) == 0 {
		return bill.ErrNoFiles
	}
	if o.Now.IsZero() {
		return fmt.Errorf("ingest options: Now is required")
	}
	return nil
}

// IngestResult is what an ingest read and stored.
type IngestResult struct {
	Stats   Stats        `json:"stats"`
	Periods []PeriodInfo `json:"periods"`
	// Requests and RequestCost (USD) count the paid Cost Explorer
	// requests an ingest made; zero for exports.
	Requests    int   `json:"cost_explorer_requests,omitempty"`
	RequestCost Money `json:"cost_explorer_request_cost_usd,omitzero"`
	// Superseded are files found but not read: older versions of a
	// month that a manifest says the files read replace.
	Superseded []string `json:"superseded,omitempty"`
}

// Ingest reads every file, then replaces each source x billing period it
// found in the store, all in one transaction. Nothing is stored when a
// file cannot be read at all (a header that is not FOCUS or CUR, an
// unreadable object, a truncated file) or when a file has more skipped
// lines than o.MaxSkipped allows: a partial month would read as a fall in
// spend.
func Ingest(ctx context.Context, st RollupStore, o IngestOptions) (*IngestResult, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client := func(context.Context) (S3API, error) {
		if o.S3 == nil {
			return nil, fmt.Errorf("no S3 client: s3:// paths are read with the credentials of steward.yaml's accounts, which the caller provides")
		}
		return o.S3, nil
	}
	agg := bill.NewAggregator(o.Source)
	agg.Spill()
	defer agg.Close()
	superseded, err := agg.ReadPaths(ctx, o.Paths, client, log)
	if err != nil {
		return nil, err
	}
	stats := agg.Stats()
	if !o.AcceptSkipped {
		if err := checkSkipped(stats, o.MaxSkipped); err != nil {
			return nil, err
		}
	}
	res := &IngestResult{Stats: stats, Superseded: superseded}
	if err := storeRollups(ctx, st, o.Now, agg, res); err != nil {
		return nil, err
	}
	for _, p := range res.Periods {
		log.Info("stored billing period", "source", p.Source, "period", p.Period, "rollups", p.Rollups)
	}
	return res, nil
}

// storeRollups replaces the periods of the aggregator's rollups in one
// transaction, streaming them in order, and lists them in res.
func storeRollups(ctx context.Context, st RollupStore, now time.Time, agg *bill.Aggregator, res *IngestResult) error {
	if agg.Empty() {
		return nil
	}
	periods, err := st.ReplaceSorted(ctx, now, func(yield func(*Rollup) error) error { return agg.Sorted(ctx, yield) })
	if err != nil {
		var ie *IOError
		if ctx.Err() != nil {
			return fmt.Errorf("store: interrupted, no period was replaced: %w", err)
		}
		if errors.As(err, &ie) {
			return fmt.Errorf("no period was replaced: %w", err)
		}
		return &StoreError{Err: fmt.Errorf("no period was replaced: %w", err)}
	}
	res.Periods = append(res.Periods, periods...)
	return nil
}

// StoreError is a failure of the store rather than of the bill: the CLI
// exits with its failure code, not its bad-input one.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return "store: " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// SkippedError is an ingest refused because files had more skipped lines
// than allowed: storing them would replace good months with a fraction
// of their spend.
type SkippedError struct {
	Files []FileStats
	Max   Percent
}

func (e *SkippedError) Error() string {
	var b strings.Builder
	for i, f := range e.Files {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %d of %d lines skipped", f.Name, f.Skipped, f.Lines)
		for j, r := range f.BadRows {
			if j == 0 {
				b.WriteString(" (")
			} else {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "line %d: %s", r.Line, r.Reason)
		}
		if len(f.BadRows) > 0 {
			if int64(len(f.BadRows)) < f.Skipped {
				b.WriteString(", ...")
			}
			b.WriteString(")")
		}
	}
	fmt.Fprintf(&b, ": more than the %s that cost.max_skipped allows, so nothing was stored and the periods keep what they had; fix the bill, or pass --accept-skipped to store the lines that were read", e.Max)
	return b.String()
}

// checkSkipped refuses an ingest where a file skipped more than max of
// its lines.
func checkSkipped(s Stats, max Percent) error {
	var over []FileStats
	for _, f := range s.Files {
		if f.Skipped > 0 && float64(f.Skipped) > float64(max)*float64(f.Lines) {
			over = append(over, f)
		}
	}
	if len(over) == 0 {
		return nil
	}
	return &SkippedError{Files: over, Max: max}
}

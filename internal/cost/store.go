package cost

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
}

// RollupStore keeps rollups. ReplacePeriod swaps everything stored for one
// source and billing period for rows, atomically, so re-ingesting a month
// replaces it and never doubles it. Scan streams rollups to fn in the
// order of SortRollups within a day; fn's error stops the scan and is
// returned.
type RollupStore interface {
	ReplacePeriod(ctx context.Context, source, period string, ingested time.Time, rows []Rollup) error
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

func (m *MemStore) ReplacePeriod(ctx context.Context, source, period string, ingested time.Time, rows []Rollup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range rows {
		if rows[i].Source != source || rows[i].Period != period {
			return fmt.Errorf("replace %s %s: row %d belongs to %s %s", source, period, i, rows[i].Source, rows[i].Period)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{source, period}
	m.periods[k] = slices.Clone(rows)
	m.at[k] = ingested
	return nil
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
	SortRollups(all)
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
	// S3 is the client for s3:// paths; nil builds one from the default
	// AWS credential chain when an s3:// path is given.
	S3     S3API
	Logger *slog.Logger
}

// Validate names the missing field.
func (o *IngestOptions) Validate() error {
	if len(o.Paths) == 0 {
		return errNoFiles
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
// found in the store. Nothing is stored when a file cannot be read at all
// (a header that is not FOCUS or CUR, an unreadable object): a partial
// month would read as a fall in spend.
func Ingest(ctx context.Context, st RollupStore, o IngestOptions) (*IngestResult, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client := func(ctx context.Context) (S3API, error) {
		if o.S3 != nil {
			return o.S3, nil
		}
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("aws config: %w", err)
		}
		o.S3 = s3.NewFromConfig(cfg)
		return o.S3, nil
	}
	files, superseded, err := listFiles(ctx, o.Paths, client)
	if err != nil {
		return nil, err
	}
	agg := NewAggregator(o.Source)
	for _, f := range files {
		log.Debug("reading billing file", "file", f.name)
		if err := agg.readFile(ctx, f); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	res := &IngestResult{Stats: agg.Stats(), Superseded: superseded}
	for _, b := range agg.Batches() {
		if err := st.ReplacePeriod(ctx, b.Source, b.Period, o.Now, b.Rollups); err != nil {
			return nil, fmt.Errorf("store %s %s: %w", b.Source, b.Period, err)
		}
		p := PeriodInfo{Source: b.Source, Period: b.Period, Rollups: int64(len(b.Rollups)), Ingested: o.Now}
		for _, r := range b.Rollups {
			p.Billed = p.Billed.Add(r.Billed)
		}
		res.Periods = append(res.Periods, p)
		log.Info("stored billing period", "source", b.Source, "period", b.Period, "rollups", len(b.Rollups))
	}
	return res, nil
}

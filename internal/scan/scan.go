// Package scan owns one scan run: collect from a source, check what came
// back, evaluate the policies, and keep the result in the store. The CLI and
// the server both run scans through it. It knows the stages' interfaces,
// not how any of them works inside (no SDK, CEL or SQL here).
package scan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// Evaluator turns resources into findings (the policy engine), held as a
// set that does not keep the resources.
type Evaluator interface {
	EvaluateSet(ctx context.Context, rs []inventory.Resource) (*finding.Set, error)
}

// Saver keeps a finished scan (the store). SaveScan returns the findings
// with their first-seen and last-seen times. LatestScan is the scan that
// started last, which is not this one when a newer scan was saved while
// this one ran.
type Saver interface {
	SaveScan(ctx context.Context, s *inventory.Scan, rs []inventory.Resource, fs []finding.Finding) ([]finding.Finding, error)
	LatestScan(ctx context.Context) (*inventory.Scan, error)
}

// Enricher adds to collected resources before policies see them (which
// IaC manages each, who created it) and may return findings of its own
// and coverage rows for inputs it could not read.
type Enricher interface {
	Enrich(ctx context.Context, c *inventory.Collection) ([]finding.Finding, error)
}

// Options are the parts of a run.
type Options struct {
	Source    inventory.Source
	Enrichers []Enricher
	// Currency and Rate are what the evaluator converts amounts into from
	// US dollars (code, units per dollar); the scan records them.
	Currency  string
	Rate      float64
	Evaluator Evaluator
	// Saver may be nil: the scan is then evaluated and returned, not kept.
	Saver Saver
	// KeepResources keeps the collected resources in the Result, for a
	// caller that reads them after the scan (to write them to a file, to
	// judge them by a framework). Without it they are let go once saved
	// and evaluated: at a million resources they are most of the memory.
	KeepResources bool
	Progress      inventory.Progress
	Now           func() time.Time
	// NewID makes scan ids; nil means time-ordered random ids.
	NewID  func(t time.Time) string
	Logger *slog.Logger
}

// Result is a finished scan with its findings, and its resources when
// Options.KeepResources asked for them.
type Result struct {
	Scan      *inventory.Scan
	Resources []inventory.Resource
	// Newer is set when another scan that started after this one was saved
	// while this one ran: this scan is kept in history, and the newer one
	// is what the store shows as latest.
	Newer *inventory.Scan

	// The findings are held as a set (a tenth of their size as
	// finding.Finding at a million) until someone asks for them: a
	// scan run as a job only counts them.
	set      *finding.Set
	findings []finding.Finding
}

// Findings are the scan's findings as saved (first and last seen set),
// built on the first call.
func (r *Result) Findings() []finding.Finding {
	switch {
	case r.set != nil:
		r.findings, r.set = r.set.All(), nil
	case r.findings == nil:
		r.findings = []finding.Finding{}
	}
	return r.findings
}

// FindingCount is how many findings the scan has, without building them.
func (r *Result) FindingCount() int {
	if r.set != nil {
		return r.set.Len()
	}
	return len(r.findings)
}

// InputError is a problem with what the source returned (an unknown type,
// a duplicate ARN): bad input, not a failure of steward.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// PendingSaver is a Saver that writes a scan's resources while its
// findings are being evaluated, in the same transaction as the findings
// (store.Store.SaveScanPending). The findings are handed over: it sets
// their times in place and returns them. It takes the resources from *rs
// and sets it to nil once they are written, so that they are not held
// while the findings are saved.
type PendingSaver interface {
	SaveScanPending(ctx context.Context, s *inventory.Scan, rs *[]inventory.Resource, findings func() (*finding.Set, error)) (*finding.Set, error)
}

// Run collects, validates, evaluates and saves. Nothing is saved unless every
// stage succeeded, so an interrupted or failed run leaves the store as it was.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Source == nil || o.Evaluator == nil {
		return nil, fmt.Errorf("scan: Source and Evaluator are required")
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	newID := o.NewID
	if newID == nil {
		newID = NewID
	}
	progress := o.Progress
	if progress == nil {
		progress = inventory.NoProgress{}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	started := now().UTC()
	s := &inventory.Scan{ID: newID(started), Source: o.Source.Name(), Started: started, Currency: o.Currency, Rate: o.Rate}
	log = log.With("component", "scan", "scan", s.ID, "source", s.Source)

	coll, err := o.Source.Collect(ctx, progress)
	if err != nil {
		return nil, fmt.Errorf("collect from %s: %w", s.Source, err)
	}
	return o.finish(ctx, s, coll, now, log)
}

// finish validates, enriches, evaluates and saves a collected scan: the
// stages after collection, shared by Run and a scan assembled from units.
func (o *Options) finish(ctx context.Context, s *inventory.Scan, coll *inventory.Collection, now func() time.Time, log *slog.Logger) (*Result, error) {
	for i := range coll.Resources {
		if err := coll.Resources[i].Validate(); err != nil {
			return nil, &InputError{fmt.Errorf("%s: resource %d: %w", s.Source, i, err)}
		}
	}
	if err := inventory.CheckUnique(coll.Resources); err != nil {
		return nil, &InputError{fmt.Errorf("%s: %w", s.Source, err)}
	}
	var extra []finding.Finding
	for _, e := range o.Enrichers {
		fs, err := e.Enrich(ctx, coll)
		if err != nil {
			return nil, fmt.Errorf("enrich: %w", err)
		}
		extra = append(extra, fs...)
	}
	s.Coverage = coll.Coverage
	s.APICalls = coll.APICalls
	s.Resources = len(coll.Resources)
	log.Info("collected", "resources", s.Resources, "gaps", len(s.Gaps()))

	res := &Result{Scan: s}
	if o.KeepResources {
		res.Resources = coll.Resources
	}
	var (
		set *finding.Set
		fs  []finding.Finding
		err error
	)
	if ps, ok := o.Saver.(PendingSaver); ok {
		// The saver takes the resources from coll and lets them go once
		// written; the evaluation, once done. The findings are built
		// after that, when the estate is no longer held.
		set, err = o.evaluateWhileSaving(ctx, ps, s, &coll.Resources, extra, now)
	} else {
		rs := coll.Resources
		var finished time.Time
		if set, finished, err = o.evaluate(ctx, rs, extra, now); err == nil {
			s.Finished = finished
			fs, set = set.All(), nil
		}
		if err == nil && o.Saver != nil {
			if fs, err = o.Saver.SaveScan(ctx, s, rs, fs); err != nil {
				err = fmt.Errorf("save scan: %w", err)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if o.Saver != nil {
		// The scan is saved: failing to read the latest only loses the note.
		switch latest, err := o.Saver.LatestScan(ctx); {
		case err != nil:
			log.Warn("saved, but could not read which scan is the latest", "err", err)
		case latest.ID != s.ID:
			res.Newer = latest
			log.Info("a newer scan was saved while this one ran: this one is kept in history", "newer", latest.ID)
		}
	}
	res.set, res.findings = set, fs
	log.Info("scanned", "findings", res.FindingCount(), "complete", s.Complete())
	return res, nil
}

// evaluate runs the policies and adds the enrichers' findings; finished
// is when it was done, the scan's finish.
func (o *Options) evaluate(ctx context.Context, rs []inventory.Resource, extra []finding.Finding, now func() time.Time) (set *finding.Set, finished time.Time, err error) {
	if set, err = o.Evaluator.EvaluateSet(ctx, rs); err != nil {
		return nil, time.Time{}, fmt.Errorf("evaluate policies: %w", err)
	}
	if set == nil {
		set = &finding.Set{}
	}
	set.Add(extra...)
	return set, now().UTC(), nil
}

// evaluateWhileSaving evaluates the policies while the saver writes the
// resources: the two are independent until the findings are written, and
// each alone leaves a CPU idle (the store writes on one). The evaluation
// is stopped if the save fails first, and waited for either way. The
// resources are passed by *rs, never as a slice argument of a call that
// lasts the whole save, which would hold them until it returned.
func (o *Options) evaluateWhileSaving(ctx context.Context, ps PendingSaver, s *inventory.Scan, rs *[]inventory.Resource, extra []finding.Finding, now func() time.Time) (*finding.Set, error) {
	evalCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		fs       *finding.Set
		finished time.Time
		evalErr  error
		done     = make(chan struct{})
	)
	go func(rs []inventory.Resource) {
		defer close(done)
		fs, finished, evalErr = o.evaluate(evalCtx, rs, extra, now)
	}(*rs)
	// The scan is the saver's while it saves: its finish is set here,
	// in the saver's goroutine, once the findings are in.
	asked := false
	saved, err := ps.SaveScanPending(ctx, s, rs, func() (*finding.Set, error) {
		asked = true
		<-done
		if evalErr == nil {
			s.Finished = finished
		}
		return fs, evalErr
	})
	cancel()
	<-done
	switch {
	case asked && evalErr != nil:
		// The save gave up on it: the evaluation's error is the one.
		return nil, evalErr
	case err != nil:
		return nil, fmt.Errorf("save scan: %w", err)
	case !asked:
		return nil, fmt.Errorf("save scan %s: the store saved it without its findings", s.ID)
	}
	return saved, nil
}

// NewID returns a scan id that sorts by time: 20261122T013000Z-1a2b3c.
func NewID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

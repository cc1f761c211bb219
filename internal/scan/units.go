package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// A scan of units is read by several replicas: Start plans it (its units
// and deadline, in the store), each unit is read by whichever replica
// takes its job (Unit) and kept as it finishes, and the scan is put
// together and evaluated once (Assemble) when the last unit is done or
// the deadline passed, whichever comes first. The jobs themselves are
// internal/jobs' business; this file knows only the steps.

// UnitSource is a source whose scan splits into units (account x region x
// service) read apart and put together afterwards.
type UnitSource interface {
	inventory.Source
	// Units names the scan's units.
	Units() []string
	// CollectUnit reads one unit: its record (opaque, for Assemble) and
	// its coverage row. A unit that failed is a row with an error, not an
	// error.
	CollectUnit(ctx context.Context, unit string) ([]byte, inventory.Coverage, error)
	// Assemble puts the scan together from the records; a unit without
	// one is a gap, of the words gaps gives for it. It may drop records
	// from the map as it reads them, so that they are let go early.
	Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error)
}

// Plan states.
const (
	PlanCollecting = "collecting"
	PlanAssembling = "assembling"
	PlanSaved      = "saved"
)

// Plan is a scan of units in the store.
type Plan struct {
	ScanID    string
	Source    string
	Started   time.Time
	Deadline  time.Time
	Units     int
	Remaining int
	State     string
	// Assembler holds the scan's assembly claim until AssemblerUntil
	// (zero while nobody has claimed it); a claim not renewed by then
	// is free to take.
	Assembler      string
	AssemblerUntil time.Time
}

// UnitRecord is a unit of a planned scan: its record once done, or why
// it was given up.
type UnitRecord struct {
	Unit   string
	Done   bool
	Record []byte
	Gap    string
}

// Staging keeps scans of units between replicas (the store).
type Staging interface {
	// PlanScan records a scan and its units, all pending.
	PlanScan(ctx context.Context, p Plan, units []string) error
	// FinishUnit keeps a pending unit's record. It reports true to the one
	// caller whose unit was the scan's last pending one: that caller has
	// moved the scan to assembling. A unit no longer pending (read
	// already, or given up) changes nothing.
	FinishUnit(ctx context.Context, scanID, unit string, record []byte, at time.Time) (last bool, err error)
	// CloseScan moves a collecting scan to assembling and gives up its
	// pending units for reason; false when it was not collecting.
	CloseScan(ctx context.Context, scanID, reason string, at time.Time) (bool, error)
	ScanPlan(ctx context.Context, scanID string) (Plan, error)
	UnitRecords(ctx context.Context, scanID string) ([]UnitRecord, error)
	// ScanSaved marks the scan saved and drops its records.
	ScanSaved(ctx context.Context, scanID string) error
	// ClaimAssembly makes holder the scan's one assembler until until, or
	// extends its claim; false while another holder's claim runs.
	ClaimAssembly(ctx context.Context, scanID, holder string, now, until time.Time) (bool, error)
	// Scan is a saved scan; an error when there is none.
	Scan(ctx context.Context, id string) (*inventory.Scan, error)
}

// Units runs the steps of scans of units. The zero Options fields mean
// what they mean for Run; Saver is required.
type Units struct {
	Options
	Source  UnitSource
	Staging Staging
	// Deadline is how long after its start a scan is put together with
	// the units still unread as gaps; 0 means an hour.
	Deadline time.Duration
	// Lease is how long an assembler's claim lasts unless renewed (it
	// is renewed every quarter of it while the assembly runs); another
	// replica takes a scan over only once its claim has run out. 0
	// means 2 minutes.
	Lease time.Duration
}

func (u *Units) lease() time.Duration {
	if u.Lease <= 0 {
		return 2 * time.Minute
	}
	return u.Lease
}

func (u *Units) now() time.Time {
	if u.Now == nil {
		return time.Now().UTC()
	}
	return u.Now().UTC()
}

func (u *Units) log() *slog.Logger {
	if u.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return u.Logger.With("component", "scan")
}

// Start plans a scan: its id, deadline and units, all pending.
func (u *Units) Start(ctx context.Context) (Plan, []string, error) {
	if u.Source == nil || u.Staging == nil || u.Evaluator == nil || u.Saver == nil {
		return Plan{}, nil, errors.New("scan: Source, Staging, Evaluator and Saver are required")
	}
	newID := u.NewID
	if newID == nil {
		newID = NewID
	}
	started := u.now()
	deadline := u.Deadline
	if deadline <= 0 {
		deadline = time.Hour
	}
	units := u.Source.Units()
	p := Plan{ScanID: newID(started), Source: u.Source.Name(), Started: started, Deadline: started.Add(deadline), Units: len(units), Remaining: len(units), State: PlanCollecting}
	if len(units) == 0 {
		return Plan{}, nil, fmt.Errorf("scan: %s has nothing to read (no account, region or service)", p.Source)
	}
	if err := u.Staging.PlanScan(ctx, p, units); err != nil {
		return Plan{}, nil, err
	}
	u.log().Info("scan planned", "scan", p.ScanID, "units", len(units), "deadline", p.Deadline)
	return p, units, nil
}

// ErrThrottled is a unit's read that AWS throttled: worth another try
// after a wait, unless it was the last.
var ErrThrottled = errors.New("throttled")

// Unit reads one unit and keeps its record. A throttled or timed-out read
// returns an error (ErrThrottled, or the context's) and keeps nothing
// unless final is set (the last attempt: its row is then kept as the
// unit's gap). It reports whether
// this unit was the scan's last, whose finisher has the scan put together.
func (u *Units) Unit(ctx context.Context, scanID, unit string, final bool) (last bool, err error) {
	rec, row, err := u.Source.CollectUnit(ctx, unit)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		if !final || !errors.Is(err, context.DeadlineExceeded) {
			// Cut short (shutdown, or a timeout to try again): a partial
			// read is not a record.
			return false, fmt.Errorf("unit %s: %w", unit, err)
		}
		// The last try timed out too: its row (a timeout gap) is the
		// unit's record, rather than leaving it pending until the
		// scan's deadline.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		ctx = wctx
	}
	// A read AWS throttled, or that ran out of time (a throttled account
	// is slow), is worth another try after a wait.
	if !row.OK && (row.ErrorKind == "throttled" || row.ErrorKind == "timeout") && !final {
		return false, fmt.Errorf("unit %s: %w: %s", unit, ErrThrottled, row.Error)
	}
	return u.Staging.FinishUnit(ctx, scanID, unit, rec, u.now())
}

// PendingError is an assembly asked for before the scan's units are all
// read and before its deadline.
type PendingError struct {
	ScanID    string
	Remaining int
	Deadline  time.Time
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("scan %s: %d units still pending before its deadline %s", e.ScanID, e.Remaining, e.Deadline.Format(time.RFC3339))
}

// BusyError is an assembly another replica is doing now: its claim runs
// until Until unless renewed.
type BusyError struct {
	ScanID string
	Until  time.Time
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("scan %s is being put together by another replica (its claim runs until %s)", e.ScanID, e.Until.Format(time.RFC3339))
}

// Assemble puts the scan together and saves it, once: it closes the scan
// (units still pending become gaps), evaluates the policies on the whole
// inventory and saves scan, resources and findings in one transaction.
// A scan saved already is left as it is (nil result).
//
// One assembler at a time: it claims the scan for a lease and renews the
// claim while it works; another gets a BusyError until the claim runs
// out. claimed, when set, is told when this caller holds the claim and
// until when (before renewals): a job runner arranges there for the
// scan to be taken over should this process die. The claim is given up
// when Assemble returns, so a retry after a failure need not wait for it.
func (u *Units) Assemble(ctx context.Context, scanID string, claimed func(until time.Time)) (_ *Result, err error) {
	log := u.log().With("scan", scanID)
	p, err := u.Staging.ScanPlan(ctx, scanID)
	if err != nil {
		return nil, err
	}
	if p.State == PlanSaved {
		return nil, nil
	}
	if p.State == PlanCollecting {
		if u.now().Before(p.Deadline) {
			return nil, &PendingError{ScanID: scanID, Remaining: p.Remaining, Deadline: p.Deadline}
		}
		if _, err := u.Staging.CloseScan(ctx, scanID, "not read by the scan's deadline", u.now()); err != nil {
			return nil, err
		}
	}
	holder := NewID(u.now())
	lease := u.lease()
	until := u.now().Add(lease)
	if ok, err := u.Staging.ClaimAssembly(ctx, scanID, holder, u.now(), until); err != nil {
		return nil, err
	} else if !ok {
		busy := &BusyError{ScanID: scanID}
		if p, err := u.Staging.ScanPlan(ctx, scanID); err == nil {
			busy.Until = p.AssemblerUntil
		}
		return nil, busy
	}
	log.Debug("assembly claimed", "holder", holder, "until", until)
	if claimed != nil {
		claimed(until)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	var renewing sync.WaitGroup
	defer func() {
		if err != nil && ctx.Err() != nil && context.Cause(ctx) != ctx.Err() {
			err = context.Cause(ctx) // the claim was lost: say so, not "context canceled"
		}
		cancel(nil)
		// No renewal may land after the release below.
		renewing.Wait()
		rctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer stop()
		if _, err := u.Staging.ClaimAssembly(rctx, scanID, holder, u.now(), u.now()); err != nil {
			log.Warn("assembly claim not given up; it runs out by itself", "err", err)
		}
	}()
	renewing.Add(1)
	go func() {
		defer renewing.Done()
		t := time.NewTicker(lease / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			next := u.now().Add(lease)
			ok, err := u.Staging.ClaimAssembly(ctx, scanID, holder, u.now(), next)
			switch {
			case err == nil && ok:
				until = next
			case err == nil:
				cancel(fmt.Errorf("scan %s: another replica took over its assembly", scanID))
				return
			case ctx.Err() != nil:
				return
			case !u.now().Before(until.Add(-lease / 4)):
				// Not renewed for most of a lease: stop before another
				// replica may take the scan over, rather than save it
				// alongside.
				cancel(fmt.Errorf("scan %s: assembly claim not renewed before it ran out: %w", scanID, err))
				return
			default:
				log.Warn("assembly claim not renewed", "err", err)
			}
		}
	}()
	// Saved by an assembly that died before marking it: done.
	if _, err := u.Staging.Scan(ctx, scanID); err == nil {
		return nil, u.Staging.ScanSaved(ctx, scanID)
	}
	recs, err := u.Staging.UnitRecords(ctx, scanID)
	if err != nil {
		return nil, err
	}
	records, gaps := map[string][]byte{}, map[string]string{}
	for _, r := range recs {
		if r.Done {
			records[r.Unit] = r.Record
		} else {
			gaps[r.Unit] = r.Gap
		}
	}
	read, givenUp := len(records), len(gaps)
	coll, err := u.Source.Assemble(records, gaps)
	if err != nil {
		return nil, fmt.Errorf("assemble scan %s: %w", scanID, err)
	}
	if err := ctx.Err(); err != nil {
		// The claim was lost while the records were put together (which
		// does not watch ctx): evaluate nothing.
		return nil, err
	}
	s := &inventory.Scan{ID: scanID, Source: p.Source, Started: p.Started, Currency: u.Currency, Rate: u.Rate}
	if u.Saver == nil {
		return nil, fmt.Errorf("assemble scan %s: no store to save it in", scanID)
	}
	res, err := u.Options.finish(ctx, s, coll, u.now, log)
	if err != nil {
		return nil, err
	}
	if err := u.Staging.ScanSaved(ctx, scanID); err != nil {
		log.Warn("scan saved, but its plan is not marked so", "err", err)
	}
	log.Info("scan assembled", "units", read, "given up", givenUp, "resources", res.Scan.Resources, "findings", res.FindingCount())
	return res, nil
}

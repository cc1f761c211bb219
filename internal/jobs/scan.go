package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/steward-sre/steward/internal/scan"
)

// A scan read by replicas is a river job per unit (account x region x
// service) and one job that puts it together. Unit jobs are unique by
// scan and unit, so a unit is read by one replica at a time; a throttled
// read is retried with backoff; a unit whose replica died is rescued by
// river and read again (the store keeps the first record it gets, so
// nothing counts twice). The assemble job is added with the units,
// scheduled at the scan's deadline, and made due at once by the replica
// that finishes the last unit, so the scan is put together once, either
// when it is whole or at its deadline with the stragglers as gaps.
//
// Putting a big scan together takes minutes (a million resources: one
// to eight), longer than river's rescue waits for a unit, so river must
// not take a live assembly for a dead replica's: the assemble job has its
// own timeout (AssembleTimeout), and river's rescuer leaves a job alone
// until its timeout has passed. Whether the assembler is alive is told
// by its claim in the store (scan.Units.Assemble), renewed while it
// works. The replica that claims a scan adds a watch job due when the
// claim runs out: the watch finds the claim renewed and waits for its
// new end, or the scan saved and ends, or the claim run out (its replica
// died, or cannot reach the store) and adds the next generation of the
// assemble job, which any replica takes at once. So a dead assembler
// costs the scan the rest of its claim and one assembly, not the
// assemble timeout; the claim keeps two assemblies from ever running at
// once.

// Slots is a concurrency limit shared by replicas (the store): at most
// limit holders of one scope at a time, each until its time is up.
type Slots interface {
	AcquireSlot(ctx context.Context, scope string, limit int, holder string, now, until time.Time) (slot int, ok bool, err error)
	ReleaseSlot(ctx context.Context, scope string, slot int, holder string) error
}

// ScanWork is what a Runner needs to read scans by units. Give it in
// Config.Scans; Start adds a scan's jobs once the Runner exists.
type ScanWork struct {
	// Units are the scan's steps. Or NewUnits makes them afresh (resolving
	// accounts and regions): for every scan that starts here, and in each
	// replica for the first job of a scan planned after it last did.
	Units    *scan.Units
	NewUnits func(ctx context.Context) (*scan.Units, error)
	Slots    Slots
	// Scope names what AWS throttles a unit by (account/service); units of
	// one scope read at once are at most PerScope across every replica.
	Scope    func(unit string) string
	PerScope int // 0 means 2
	// Workers is how many units this process reads at once; 0 means 16.
	Workers int
	// MaxAttempts is how often a throttled unit is read before its
	// throttled row is kept as a gap; 0 means 5.
	MaxAttempts int
	// RetryBase is the wait before a throttled unit's first retry, doubled
	// each time (with jitter); 0 means 5 seconds.
	RetryBase time.Duration
	// UnitTimeout bounds one unit's read; 0 means 10 minutes.
	UnitTimeout time.Duration
	// AssembleTimeout bounds putting a scan together (evaluating and saving
	// every resource); 0 means 2 hours.
	AssembleTimeout time.Duration

	runner *Runner
	cache  unitsCache
}

// units are the steps for a job added at since.
func (w *ScanWork) units(ctx context.Context, since time.Time) (*scan.Units, error) {
	if w.NewUnits == nil {
		return w.Units, nil
	}
	return w.cache.get(ctx, w.NewUnits, since)
}

const (
	queueUnits    = "scan_units"
	queueAssemble = "scan_assemble"
)

type unitArgs struct {
	ScanID string `json:"scan_id"`
	Unit   string `json:"unit"`
	// Assemble is the scan's assemble job, made due by the last unit.
	Assemble int64 `json:"assemble"`
}

func (unitArgs) Kind() string { return "steward_scan.unit" }

type assembleArgs struct {
	ScanID string `json:"scan_id"`
	// Gen counts takeovers: 0 is the job added with the units, n+1 the
	// one a watch adds when generation n's assembler stopped renewing.
	Gen int `json:"gen,omitempty"`
}

func (assembleArgs) Kind() string { return "steward_scan.assemble" }

// watchArgs watch the assembly of generation Gen of a scan.
type watchArgs struct {
	ScanID string `json:"scan_id"`
	Gen    int    `json:"gen"`
}

func (watchArgs) Kind() string { return "steward_scan.assemble_watch" }

// claimMargin is how long after a claim's end a watch looks at it again,
// so that it finds it run out rather than a moment short.
const claimMargin = time.Second

// scanUniqueStates: a unit or assemble job is added once per scan while
// it is anywhere short of finished.
var scanUniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStateCompleted,
}

func (w *ScanWork) check() error {
	if (w.Units == nil) == (w.NewUnits == nil) || w.Slots == nil || w.Scope == nil {
		return errors.New("jobs: scan work needs Units or NewUnits (one), Slots and Scope")
	}
	if w.PerScope < 0 || w.Workers < 0 || w.MaxAttempts < 0 {
		return errors.New("jobs: scan work: PerScope, Workers and MaxAttempts must be 0 (default) or more")
	}
	return nil
}

func (w *ScanWork) unitTimeout() time.Duration     { return cmp.Or(w.UnitTimeout, 10*time.Minute) }
func (w *ScanWork) assembleTimeout() time.Duration { return cmp.Or(w.AssembleTimeout, 2*time.Hour) }

// register adds the scan workers and queues to a river configuration.
func (w *ScanWork) register(cfg *river.Config) {
	river.AddWorker(cfg.Workers, &unitWorker{w: w})
	river.AddWorker(cfg.Workers, &assembleWorker{w: w})
	river.AddWorker(cfg.Workers, &watchWorker{w: w})
	cfg.Queues[queueUnits] = river.QueueConfig{MaxWorkers: cmp.Or(w.Workers, 16)}
	cfg.Queues[queueAssemble] = river.QueueConfig{MaxWorkers: 1}
}

// Start plans a scan and adds its jobs: one per unit, and the assemble
// job at its deadline.
func (w *ScanWork) Start(ctx context.Context) (scan.Plan, error) {
	if w.runner == nil {
		return scan.Plan{}, errors.New("jobs: scan work is not part of a running Runner")
	}
	su, err := w.units(ctx, time.Now())
	if err != nil {
		return scan.Plan{}, err
	}
	p, units, err := su.Start(ctx)
	if err != nil {
		return scan.Plan{}, err
	}
	c := w.runner.client
	res, err := c.Insert(ctx, assembleArgs{ScanID: p.ScanID}, &river.InsertOpts{
		Queue: queueAssemble, ScheduledAt: p.Deadline, MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: scanUniqueStates},
	})
	if err != nil {
		return scan.Plan{}, fmt.Errorf("jobs: add scan %s's assembly: %w", p.ScanID, err)
	}
	opts := &river.InsertOpts{Queue: queueUnits, MaxAttempts: cmp.Or(w.MaxAttempts, 5),
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: scanUniqueStates}}
	const batch = 500
	for i := 0; i < len(units); i += batch {
		var ps []river.InsertManyParams
		for _, u := range units[i:min(i+batch, len(units))] {
			ps = append(ps, river.InsertManyParams{Args: unitArgs{ScanID: p.ScanID, Unit: u, Assemble: res.Job.ID}, InsertOpts: opts})
		}
		if _, err := c.InsertMany(ctx, ps); err != nil {
			return scan.Plan{}, fmt.Errorf("jobs: add scan %s's units: %w", p.ScanID, err)
		}
	}
	return p, nil
}

type unitWorker struct {
	river.WorkerDefaults[unitArgs]
	w *ScanWork
}

func (uw *unitWorker) Work(ctx context.Context, rj *river.Job[unitArgs]) error {
	w, r := uw.w, uw.w.runner
	scope := w.Scope(rj.Args.Unit)
	holder := fmt.Sprintf("%s/%d", r.id, rj.ID)
	now := time.Now()
	slot, ok, err := w.Slots.AcquireSlot(ctx, scope, cmp.Or(w.PerScope, 2), holder, now, now.Add(w.unitTimeout()+10*time.Second))
	if err != nil {
		return err
	}
	if !ok {
		// Every slot of this account and service is taken, by this replica
		// or another: wait without spending an attempt.
		return river.JobSnooze(200*time.Millisecond + time.Duration(rand.Int64N(int64(800*time.Millisecond))))
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := w.Slots.ReleaseSlot(rctx, scope, slot, holder); err != nil {
			r.log.Warn("scan: slot not released; it frees itself when its time is up", "scope", scope, "err", err)
		}
	}()
	su, err := w.units(ctx, rj.CreatedAt)
	if err != nil {
		return err
	}
	final := rj.Attempt >= rj.MaxAttempts
	last, err := su.Unit(ctx, rj.Args.ScanID, rj.Args.Unit, final)
	if err != nil {
		if errors.Is(err, scan.ErrThrottled) && r.cfg.Throttled != nil {
			r.cfg.Throttled(rj.Args.Unit)
		}
		return err
	}
	if last {
		if _, err := r.client.JobRetry(ctx, rj.Args.Assemble); err != nil {
			// The assemble job still runs at the deadline.
			r.log.Warn("scan: all units read, but its assembly is not made due", "scan", rj.Args.ScanID, "err", err)
		}
	}
	return nil
}

func (uw *unitWorker) Timeout(*river.Job[unitArgs]) time.Duration { return uw.w.unitTimeout() }

func (uw *unitWorker) NextRetry(rj *river.Job[unitArgs]) time.Time {
	base := cmp.Or(uw.w.RetryBase, 5*time.Second)
	d := base << min(max(rj.Attempt-1, 0), 10)
	d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	return time.Now().Add(d)
}

type assembleWorker struct {
	river.WorkerDefaults[assembleArgs]
	w *ScanWork
}

func (aw *assembleWorker) Work(ctx context.Context, rj *river.Job[assembleArgs]) error {
	su, err := aw.w.units(ctx, rj.CreatedAt)
	if err != nil {
		return err
	}
	r := aw.w.runner
	log := r.log.With("scan", rj.Args.ScanID, "gen", rj.Args.Gen, "attempt", rj.Attempt)
	start := time.Now()
	var watch int64
	res, err := su.Assemble(ctx, rj.Args.ScanID, func(until time.Time) {
		log.Info("scan assembly started", "claim_until", until)
		var werr error
		if watch, werr = aw.w.watch(ctx, rj.Args.ScanID, rj.Args.Gen, until); werr != nil {
			log.Warn("scan assembly is not watched: if this process dies, river rescues it only after the assemble timeout", "err", werr)
		}
	})
	if watch != 0 {
		// Done here, one way or another: a failed assembly is retried
		// by river, not taken over.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if _, derr := r.client.JobDelete(dctx, watch); derr != nil {
			// Running at this moment: it finds the scan saved, or adds
			// a generation that finds it so.
			log.Debug("scan assembly: its watch not deleted", "err", derr)
		}
		cancel()
	}
	var early *scan.PendingError
	if errors.As(err, &early) {
		log.Info("scan assembly: units still pending; put off to the deadline", "remaining", early.Remaining, "deadline", early.Deadline)
		return river.JobSnooze(max(time.Until(early.Deadline), time.Second))
	}
	var busy *scan.BusyError
	if errors.As(err, &busy) {
		// Another assembler holds the claim; it is looked at again when
		// the claim runs out (renewed, it is waited for again).
		log.Info("scan assembly: claimed by another replica; waiting for its claim to run out", "until", busy.Until)
		return river.JobSnooze(max(time.Until(busy.Until)+claimMargin, time.Second))
	}
	if err == nil && res == nil {
		// Saved already (by the generation this one took over from, or
		// before a rescue): nothing was done here.
		log.Info("scan assembly: already saved")
		return nil
	}
	took := time.Since(start)
	result := ResultOK
	if err != nil {
		result = ResultFailed
		log.Warn("scan assembly failed", "took", took, "err", err)
	} else {
		log.Info("scan assembly saved", "took", took)
	}
	if f := r.cfg.Finished; f != nil {
		f(AssembleJob, result, took, time.Now())
	}
	return err
}

func (aw *assembleWorker) Timeout(*river.Job[assembleArgs]) time.Duration {
	return aw.w.assembleTimeout()
}

// watch adds the watch of generation gen's assembly of a scan, due when
// its claim runs out (until).
func (w *ScanWork) watch(ctx context.Context, scanID string, gen int, until time.Time) (int64, error) {
	res, err := w.runner.client.Insert(ctx, watchArgs{ScanID: scanID, Gen: gen}, &river.InsertOpts{
		Queue: queueAssemble, ScheduledAt: until.Add(claimMargin), MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: watch scan %s's assembly: %w", scanID, err)
	}
	return res.Job.ID, nil
}

type watchWorker struct {
	river.WorkerDefaults[watchArgs]
	w *ScanWork
}

func (ww *watchWorker) Work(ctx context.Context, rj *river.Job[watchArgs]) error {
	su, err := ww.w.units(ctx, rj.CreatedAt)
	if err != nil {
		return err
	}
	p, err := su.Staging.ScanPlan(ctx, rj.Args.ScanID)
	if err != nil {
		return err
	}
	if p.State != scan.PlanAssembling {
		return nil // saved
	}
	if wait := time.Until(p.AssemblerUntil); wait > 0 {
		return river.JobSnooze(wait + claimMargin)
	}
	// The assembler stopped renewing its claim: its replica died, or
	// cannot reach the store (and stops before its claim runs out).
	r := ww.w.runner
	r.log.Warn("scan assembly: its assembler stopped renewing its claim; another replica takes it over",
		"scan", rj.Args.ScanID, "gen", rj.Args.Gen, "assembler", p.Assembler, "claim_until", p.AssemblerUntil)
	_, err = r.client.Insert(ctx, assembleArgs{ScanID: rj.Args.ScanID, Gen: rj.Args.Gen + 1}, &river.InsertOpts{
		Queue: queueAssemble, MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: scanUniqueStates},
	})
	if err != nil {
		return fmt.Errorf("jobs: take over scan %s's assembly: %w", rj.Args.ScanID, err)
	}
	return nil
}

func (ww *watchWorker) Timeout(*river.Job[watchArgs]) time.Duration { return time.Minute }

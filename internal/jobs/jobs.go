// Package jobs runs the server's recurring work on river
// (github.com/riverqueue/river): each job is a river periodic job, unique
// so that one run of it is in flight at a time across every process on
// the store, retried with backoff when it fails, rescued when the process
// running it dies, and recorded in river's table, which is where the
// server reads its runs back from. With the SQLite store river uses its
// SQLite driver on the store's database; with PostgreSQL, its pgx driver,
// so replicas share the work. River's tables come with the store's
// migrations (internal/store). A scan read by units (scan.go) is a job
// per account x region x service and one that puts it together; the
// units EventBridge events name (events.go, from an SQS queue every
// process polls) are read again as jobs too.
package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Job is recurring work: a scan, a cost ingest, a schedule run. Run must
// stop when its context ends.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
	// Plans says a run only plans work that other jobs finish (a scan
	// read by units, saved when it is assembled): its successful runs are
	// recorded as planned, not ok, and the outcome is the finishing job's
	// (AssembleJob for a scan).
	Plans bool
}

// Results of a run, as Run.Result says them.
const (
	ResultOK        = "ok"
	ResultFailed    = "failed"
	ResultCancelled = "cancelled"
	// ResultPlanned is a run of a job that Plans: its work was planned
	// and is finished by other jobs.
	ResultPlanned = "planned"
)

// Config tunes a Runner; the zero value is what a server wants.
type Config struct {
	Logger *slog.Logger
	// Finished is told of every run this process made (for metrics).
	Finished func(job, result string, took time.Duration, at time.Time)
	// MaxAttempts is how often a failing run is tried; 0 means 4.
	MaxAttempts int
	// RetryBase is the wait before the first retry, doubled for each
	// next one (with jitter) and never more than half the job's
	// interval; 0 means 30 seconds.
	RetryBase time.Duration
	// MinTimeout is the least time a run may take before it is cut:
	// a run may take its interval (up to an hour) or this, whichever is
	// longer; 0 means 30 minutes (a scan of many accounts takes minutes).
	MinTimeout time.Duration
	// RescueAfter is how long a run may stay running before river takes
	// it for the work of a dead process and runs it again; 0 means the
	// longest timeout plus 10 minutes. Must exceed every timeout.
	RescueAfter time.Duration
	// PollInterval is how often a process looks for work to take; 0
	// means 1 second.
	PollInterval time.Duration
	// ID names this process in river's records; empty lets river choose.
	ID string
	// Scans, when set, reads scans unit by unit on this Runner (see
	// ScanWork); its Start adds a scan.
	Scans *ScanWork
	// Throttled is told of every unit read that AWS throttled (for
	// metrics and benchmarks).
	Throttled func(unit string)
	// Events, when set, reads EventBridge events from SQS and reads
	// again the units they name (see EventWork).
	Events *EventWork
	// EventReceived is told what became of each message (EventQueued
	// ...), EventPollFailed of each failed receive (for metrics).
	EventReceived   func(result string)
	EventPollFailed func()
}

const kindPrefix = "steward_job."

// runArgs are a run's arguments in river: the job's name, which is also
// its river kind, so runs of one job are found by kind.
type runArgs struct {
	Name string `json:"name"`
}

func (a runArgs) Kind() string { return kindPrefix + a.Name }

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// Check refuses jobs a Runner cannot run.
func Check(jobs []Job) error {
	seen := map[string]bool{}
	for _, j := range jobs {
		switch {
		case j.Name == "":
			return errors.New("jobs: a job has no name")
		case !validName.MatchString(j.Name):
			return fmt.Errorf("jobs: job name %q: use lowercase letters, digits, '-', '_' or '.'", j.Name)
		case seen[j.Name]:
			return fmt.Errorf("jobs: job %q is given twice", j.Name)
		case j.Every <= 0:
			return fmt.Errorf("jobs: job %q: interval must be positive, got %s", j.Name, j.Every)
		case j.Run == nil:
			return fmt.Errorf("jobs: job %q has nothing to run", j.Name)
		}
		seen[j.Name] = true
	}
	return nil
}

// client is what a Runner needs of a river client, whatever its driver.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobDelete(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Runner runs jobs on river.
type Runner struct {
	jobs   []Job
	cfg    Config
	log    *slog.Logger
	client client
	// id names this process in slot holders.
	id string
}

// riverConfig is the river configuration for jobs, with their workers and
// periodic jobs; r.client is set by the caller once the client exists
// (the periodic constructors read runs through it).
func (r *Runner) riverConfig() *river.Config {
	workers := river.NewWorkers()
	var periodic []*river.PeriodicJob
	longest, every := time.Duration(0), time.Duration(0)
	for _, j := range r.jobs {
		every = max(every, j.Every)
		river.AddWorkerArgs(workers, runArgs{Name: j.Name}, &worker{job: j, r: r})
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(tick(j.Every)), r.construct(j),
			&river.PeriodicJobOpts{ID: j.Name, RunOnStart: true}))
		longest = max(longest, r.timeout(j))
	}
	cfg := &river.Config{
		ID:                   r.cfg.ID,
		Logger:               slog.New(atLeast{slog.LevelWarn, r.log.Handler()}),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(len(r.jobs), 1)}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		MaxAttempts:          cmp.Or(r.cfg.MaxAttempts, 4),
		JobTimeout:           longest,
		RescueStuckJobsAfter: cmp.Or(r.cfg.RescueAfter, longest+10*time.Minute),
		FetchPollInterval:    cmp.Or(r.cfg.PollInterval, time.Second),
		// A job is due when its latest run is an interval old, so runs
		// are kept (river deletes finished ones after a while) for two
		// intervals of the slowest job, and at least a week.
		CompletedJobRetentionPeriod: max(2*every, 7*24*time.Hour),
		CancelledJobRetentionPeriod: max(2*every, 7*24*time.Hour),
		DiscardedJobRetentionPeriod: max(2*every, 7*24*time.Hour),
		FetchCooldown:               min(cmp.Or(r.cfg.PollInterval, time.Second), river.FetchCooldownDefault),
	}
	if r.cfg.Scans != nil {
		r.cfg.Scans.register(cfg)
		if len(r.jobs) == 0 {
			// Every scan worker says its own timeout; this is river's
			// default for the others, which must not exceed the rescue.
			cfg.JobTimeout = r.cfg.Scans.unitTimeout()
		}
		// A unit job of a replica that died is read again once it has
		// been running for longer than a unit may take; an assembly cut
		// by a rescue finds its scan saved or saves it once (the scan id
		// is unique in the store).
		cfg.RescueStuckJobsAfter = cmp.Or(r.cfg.RescueAfter, max(cfg.JobTimeout, r.cfg.Scans.unitTimeout())+10*time.Minute)
	}
	if ev := r.cfg.Events; ev != nil {
		ev.register(cfg)
		if len(r.jobs) == 0 && r.cfg.Scans == nil {
			cfg.JobTimeout = ev.timeout()
		}
		cfg.RescueStuckJobsAfter = cmp.Or(r.cfg.RescueAfter, max(cfg.RescueStuckJobsAfter, ev.timeout()+10*time.Minute))
	}
	return cfg
}

func newRunner(jobs []Job, cfg Config) (*Runner, error) {
	if err := Check(jobs); err != nil {
		return nil, err
	}
	r := &Runner{jobs: slices.Clone(jobs), cfg: cfg, log: cfg.Logger, id: cfg.ID}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.id == "" {
		r.id = fmt.Sprintf("steward-%x", rand.Uint64())
	}
	if cfg.Scans != nil {
		if err := cfg.Scans.check(); err != nil {
			return nil, err
		}
		if cfg.RescueAfter > 0 && cfg.RescueAfter <= cfg.Scans.unitTimeout() {
			return nil, fmt.Errorf("jobs: rescue-after %s must exceed the scan unit timeout %s", cfg.RescueAfter, cfg.Scans.unitTimeout())
		}
		if cfg.Scans.runner != nil {
			return nil, errors.New("jobs: scan work is given to two Runners")
		}
		cfg.Scans.runner = r
	}
	if ev := cfg.Events; ev != nil {
		if err := ev.check(); err != nil {
			return nil, err
		}
		if cfg.RescueAfter > 0 && cfg.RescueAfter <= ev.timeout() {
			return nil, fmt.Errorf("jobs: rescue-after %s must exceed the event refresh timeout %s", cfg.RescueAfter, ev.timeout())
		}
		if ev.runner != nil {
			return nil, errors.New("jobs: event work is given to two Runners")
		}
		ev.runner = r
	}
	if cfg.RescueAfter > 0 {
		for _, j := range jobs {
			// A run cut at its timeout must not also be rescued while it
			// is still running.
			if t := r.timeout(j); t >= cfg.RescueAfter {
				return nil, fmt.Errorf("jobs: job %q: rescue-after %s must exceed its timeout %s", j.Name, cfg.RescueAfter, t)
			}
		}
	}
	return r, nil
}

// tick is how often the leader asks whether a job is due: often enough
// that a run starts within a tenth of its interval (at most a minute) of
// being due.
func tick(every time.Duration) time.Duration {
	return min(every, max(every/10, time.Second), time.Minute)
}

// timeout is how long a run may take: its interval, at most an hour, but
// never less than MinTimeout. A run of a job killed with its process is
// rescued (run again) once this and a margin have passed.
func (r *Runner) timeout(j Job) time.Duration {
	return max(min(j.Every, time.Hour), cmp.Or(r.cfg.MinTimeout, 30*time.Minute))
}

// uniqueStates: while a run of a job is waiting, running or waiting to be
// retried, no other run of it is added, by any process.
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// construct is a job's periodic constructor: it adds a run only when the
// job is due, that is when its latest run was added at least an interval
// ago (a run cancelled by a shutdown does not count), so a restart
// within the interval runs nothing again and one after it catches up
// once.
func (r *Runner) construct(j Job) river.PeriodicJobConstructor {
	return func() (river.JobArgs, *river.InsertOpts) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		last, err := r.latest(ctx, kindPrefix+j.Name)
		if err != nil {
			r.log.Warn("job: cannot read its latest run; adding one", "job", j.Name, "err", err)
		} else if last != nil && last.State != rivertype.JobStateCancelled &&
			time.Since(last.CreatedAt) < j.Every-tick(j.Every)/2 {
			return nil, nil
		}
		return runArgs{Name: j.Name}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
	}
}

// latest is the newest job of a river kind, nil when there is none.
func (r *Runner) latest(ctx context.Context, kind string) (*rivertype.JobRow, error) {
	res, err := r.client.JobList(ctx, river.NewJobListParams().Kinds(kind).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(1))
	if err != nil {
		return nil, err
	}
	if len(res.Jobs) == 0 {
		return nil, nil
	}
	return res.Jobs[0], nil
}

// Start starts taking work; the periodic jobs are added by whichever
// process river elects leader.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	if r.cfg.Events != nil {
		r.cfg.Events.start(ctx)
	}
	return nil
}

// Stop stops polling for events, takes no more work and waits for the runs in flight; when ctx ends
// first they are cancelled (recorded as cancelled, not retried) and
// waited for, up to another wait bounded by grace.
func (r *Runner) Stop(ctx context.Context, grace time.Duration) error {
	if r.cfg.Events != nil {
		r.cfg.Events.stop()
	}
	err := r.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	r.log.Warn("jobs: runs still going at shutdown are cancelled")
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := r.client.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// atLeast passes on records of level min and above: river's own info
// lines (job counts every few seconds) would drown the server's.
type atLeast struct {
	min slog.Level
	slog.Handler
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{h.min, h.Handler.WithAttrs(as)}
}
func (h atLeast) WithGroup(g string) slog.Handler { return atLeast{h.min, h.Handler.WithGroup(g)} }

// cancelled records a run cut by a shutdown as cancelled, not to be tried
// again. Its error must not wrap context.Canceled: a run whose error does,
// cut by river's own stop, is put back to waiting with its attempt undone,
// so a shutdown would record it cancelled or leave it to run again
// depending on which of the two cancellations reached it first.
func cancelled(err error) error {
	return river.JobCancel(errors.New("stopped by a shutdown: " + err.Error()))
}

// worker runs one job's runs.
type worker struct {
	river.WorkerDefaults[runArgs]
	job Job
	r   *Runner
}

func (w *worker) Work(ctx context.Context, rj *river.Job[runArgs]) error {
	w.r.log.Info("job started", "job", w.job.Name, "attempt", rj.Attempt)
	start := time.Now()
	err := safeRun(ctx, w.job)
	took := time.Since(start)
	result := ResultOK
	switch {
	case err == nil:
		if w.job.Plans {
			result = ResultPlanned
		}
	case errors.Is(ctx.Err(), context.Canceled) && errors.Is(err, context.Canceled):
		result = ResultCancelled
		err = cancelled(err)
	default:
		result = ResultFailed
	}
	if err != nil {
		w.r.log.Warn("job finished", "job", w.job.Name, "result", result, "duration", took, "attempt", rj.Attempt, "err", err)
	} else {
		w.r.log.Info("job finished", "job", w.job.Name, "result", result, "duration", took)
	}
	if w.r.cfg.Finished != nil {
		w.r.cfg.Finished(w.job.Name, result, took, time.Now())
	}
	return err
}

func (w *worker) Timeout(*river.Job[runArgs]) time.Duration { return w.r.timeout(w.job) }

// NextRetry backs off exponentially with jitter, never waiting more than
// half the interval, so a retried run ends before the next is due.
func (w *worker) NextRetry(rj *river.Job[runArgs]) time.Time {
	base := cmp.Or(w.r.cfg.RetryBase, 30*time.Second)
	d := base << min(max(rj.Attempt-1, 0), 20)
	d = min(d, max(w.job.Every/2, base))
	d += time.Duration(rand.Int64N(int64(d)/4 + 1))
	return time.Now().Add(d)
}

// safeRun turns a panic in a job into its error: one broken job must not
// take the server and every other job down.
func safeRun(ctx context.Context, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", j.Name, p)
		}
	}()
	return j.Run(ctx)
}

package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/steward-sre/steward/internal/jobs"
)

// Job is recurring work the server runs: a scan, a cost ingest, a
// schedule run. Run must stop when its context ends. Name identifies the
// job in logs, metrics and /api/jobs; Every is the interval between the
// starts of two runs.
type Job = jobs.Job

const (
	resultOK        = jobs.ResultOK
	resultFailed    = jobs.ResultFailed
	resultCancelled = jobs.ResultCancelled
)

// JobRun is one run of a job, as /api/jobs reports it.
type JobRun = jobs.Run

// JobStatus is a job, its interval, its last run and when it runs next.
type JobStatus = jobs.Status

// scheduler runs the jobs on river (see internal/jobs) in the store's
// database: one run of a job at a time across every process on the
// store, a missed run caught up once at start, a failed one retried, the
// runs recorded in the store.
type scheduler struct {
	jobs   []Job
	runner *jobs.Runner // nil when there are no jobs
	log    *slog.Logger
}

const keepRuns = 200

// minRecordGrace is the least time given to recording the runs a
// shutdown cancelled.
const minRecordGrace = 5 * time.Second

func newScheduler(js []Job, db any, log *slog.Logger, m *metrics, scans *jobs.ScanWork, events *jobs.EventWork) (*scheduler, error) {
	if err := jobs.Check(js); err != nil {
		return nil, err
	}
	sc := &scheduler{jobs: js, log: log}
	if len(js) == 0 && scans == nil && events == nil {
		return sc, nil
	}
	r, err := jobs.New(db, js, jobs.Config{Logger: log, Finished: m.jobFinished, Scans: scans,
		Events: events, EventReceived: m.eventReceived, EventPollFailed: m.eventPollFailed})
	if err != nil {
		return nil, err
	}
	sc.runner = r
	return sc, nil
}

// run takes work until stop is closed, then waits for the runs in flight,
// which are cancelled (and recorded so) only if ctx is cancelled.
func (sc *scheduler) run(ctx context.Context, stop <-chan struct{}, grace time.Duration) {
	if sc.runner == nil {
		<-stop
		return
	}
	if err := sc.runner.Start(ctx); err != nil {
		sc.log.Error("jobs are not running", "err", err)
		<-stop
		return
	}
	<-stop
	// Runs cancelled at the end of the wait need a moment more to be
	// recorded as cancelled (not left running, to be rescued and run
	// again); on a busy host a short shutdown timeout is not that moment.
	if err := sc.runner.Stop(ctx, max(grace, minRecordGrace)); err != nil {
		sc.log.Warn("jobs: stop", "err", err)
	}
}

// status lists the jobs with their last run, as recorded in the store.
func (sc *scheduler) status() []JobStatus {
	if sc.runner == nil {
		return []JobStatus{}
	}
	st, err := sc.runner.Status(context.Background())
	if err != nil {
		sc.log.Warn("jobs: status", "err", err)
		return []JobStatus{}
	}
	return st
}

// runs is the latest runs, newest first.
func (sc *scheduler) runs() []JobRun {
	if sc.runner == nil {
		return []JobRun{}
	}
	rs, err := sc.runner.Runs(context.Background(), keepRuns)
	if err != nil {
		sc.log.Warn("jobs: runs", "err", err)
		return []JobRun{}
	}
	return rs
}

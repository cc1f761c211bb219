package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Job is recurring work the server runs: a scan, a cost ingest, a
// schedule run. Run must stop when its context ends.
type Job struct {
	// Name identifies the job in logs, metrics and /api/jobs.
	Name string
	// Every is the interval between the starts of two runs.
	Every time.Duration
	Run   func(ctx context.Context) error
}

const (
	resultOK        = "ok"
	resultFailed    = "failed"
	resultCancelled = "cancelled"
)

// JobRun is one run of a job, as /api/jobs reports it.
type JobRun struct {
	Job      string    `json:"job"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// Result is ok, failed or cancelled; empty while running.
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// JobStatus is a job, its interval, its last run and when it runs next.
type JobStatus struct {
	Name    string    `json:"name"`
	Every   string    `json:"every"`
	Running bool      `json:"running"`
	Last    *JobRun   `json:"last,omitempty"`
	Next    time.Time `json:"next,omitzero"`
}

// scheduler runs each job on its interval, one run of a job at a time: a
// run still going when the next is due makes that one wait, and a run
// that was missed (the process was down, or a run took longer than the
// interval) happens as soon as possible, once, not once per missed slot.
// The first run of every job is at start, so a restarted server catches up.
type scheduler struct {
	jobs    []Job
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics

	mu      sync.Mutex
	running map[string]bool
	last    map[string]JobRun
	next    map[string]time.Time
	history []JobRun // the latest runs, newest last, at most keepRuns
	wake    chan struct{}
}

const keepRuns = 200

func newScheduler(jobs []Job, log *slog.Logger, now func() time.Time, m *metrics) (*scheduler, error) {
	seen := map[string]bool{}
	for _, j := range jobs {
		switch {
		case j.Name == "":
			return nil, errors.New("server: a job has no name")
		case seen[j.Name]:
			return nil, fmt.Errorf("server: job %q is given twice", j.Name)
		case j.Every <= 0:
			return nil, fmt.Errorf("server: job %q: interval must be positive, got %s", j.Name, j.Every)
		case j.Run == nil:
			return nil, fmt.Errorf("server: job %q has nothing to run", j.Name)
		}
		seen[j.Name] = true
	}
	return &scheduler{
		jobs: jobs, log: log, now: now, metrics: m,
		running: map[string]bool{}, last: map[string]JobRun{}, next: map[string]time.Time{},
		wake: make(chan struct{}, 1),
	}, nil
}

// run starts due jobs until stop is closed, then waits for the runs in
// flight, which end early only if ctx is cancelled.
func (sc *scheduler) run(ctx context.Context, stop <-chan struct{}) {
	var wg sync.WaitGroup
	defer wg.Wait()
	start := sc.now()
	sc.mu.Lock()
	for _, j := range sc.jobs {
		sc.next[j.Name] = start
	}
	sc.mu.Unlock()
	for {
		now := sc.now()
		wait := time.Hour
		sc.mu.Lock()
		for _, j := range sc.jobs {
			due := sc.next[j.Name]
			if sc.running[j.Name] {
				continue
			}
			if !due.After(now) {
				sc.running[j.Name] = true
				sc.next[j.Name] = now.Add(j.Every)
				wg.Add(1)
				go func(j Job) {
					defer wg.Done()
					sc.runOnce(ctx, j)
				}(j)
				due = sc.next[j.Name]
			}
			if d := due.Sub(now); d < wait {
				wait = d
			}
		}
		sc.mu.Unlock()
		t := time.NewTimer(max(wait, 10*time.Millisecond))
		select {
		case <-stop:
			t.Stop()
			return
		case <-sc.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

func (sc *scheduler) runOnce(ctx context.Context, j Job) {
	r := JobRun{Job: j.Name, Started: sc.now()}
	sc.mu.Lock()
	sc.last[j.Name] = r
	sc.mu.Unlock()
	sc.log.Info("job started", "job", j.Name)
	err := safeRun(ctx, j)
	r.Finished = sc.now()
	switch {
	case err == nil:
		r.Result = resultOK
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		r.Result, r.Error = resultCancelled, err.Error()
	default:
		r.Result, r.Error = resultFailed, err.Error()
	}
	took := r.Finished.Sub(r.Started)
	if err != nil {
		sc.log.Warn("job finished", "job", j.Name, "result", r.Result, "duration", took, "err", err)
	} else {
		sc.log.Info("job finished", "job", j.Name, "result", r.Result, "duration", took)
	}
	sc.metrics.jobFinished(j.Name, r.Result, took, r.Finished)
	sc.mu.Lock()
	sc.running[j.Name] = false
	sc.last[j.Name] = r
	sc.history = append(sc.history, r)
	if len(sc.history) > keepRuns {
		sc.history = sc.history[len(sc.history)-keepRuns:]
	}
	sc.mu.Unlock()
	select {
	case sc.wake <- struct{}{}:
	default:
	}
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

// status lists the jobs by name with their last run.
func (sc *scheduler) status() []JobStatus {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	out := make([]JobStatus, 0, len(sc.jobs))
	for _, j := range sc.jobs {
		st := JobStatus{Name: j.Name, Every: j.Every.String(), Running: sc.running[j.Name], Next: sc.next[j.Name]}
		if r, ok := sc.last[j.Name]; ok {
			st.Last = &r
		}
		out = append(out, st)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// runs is the latest runs, newest first.
func (sc *scheduler) runs() []JobRun {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	out := make([]JobRun, len(sc.history))
	for i, r := range sc.history {
		out[len(out)-1-i] = r
	}
	return out
}

package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Run is one run of a job as river recorded it.
type Run struct {
	Job      string    `json:"job"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// Result is ok, failed, cancelled or planned (see Job.Plans); empty
	// while running or waiting to go on (an assembly waiting for its
	// scan's units).
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
	// Attempt counts the tries of this run (a failed run is retried).
	Attempt int `json:"attempt,omitempty"`
	// State is river's: running, retryable (failed, to be tried again),
	// completed, discarded (failed every try), cancelled.
	State string `json:"state,omitempty"`
	// By is the process that ran it last.
	By string `json:"by,omitempty"`
}

// Status is a job, its interval, its last run and when it is due next.
type Status struct {
	Name    string    `json:"name"`
	Every   string    `json:"every"`
	Running bool      `json:"running"`
	Last    *Run      `json:"last,omitempty"`
	Next    time.Time `json:"next,omitzero"`
}

// AssembleJob names, in Status and Runs, the assembly of scans read by
// units (Config.Scans): its runs say whether a planned scan was saved.
const AssembleJob = "scan.assemble"

// jobName is the name Status and Runs give a river job kind.
func jobName(kind string) string {
	switch kind {
	case (assembleArgs{}).Kind():
		return AssembleJob
	case (refreshArgs{}).Kind():
		return RefreshJob
	}
	return strings.TrimPrefix(kind, kindPrefix)
}

// triggered is the jobs this runner runs when something makes them due
// (a scan's last unit, an event), not on an interval, as name -> river
// kind.
func (r *Runner) triggered() [][2]string {
	var out [][2]string
	if r.cfg.Scans != nil {
		out = append(out, [2]string{AssembleJob, (assembleArgs{}).Kind()})
	}
	if r.cfg.Events != nil {
		out = append(out, [2]string{RefreshJob, (refreshArgs{}).Kind()})
	}
	return out
}

// toRun reads a river job row as a run; ok is false for a run not yet
// started. plans says the job Plans (its completed runs are planned).
func toRun(row *rivertype.JobRow, plans bool) (Run, bool) {
	if row.AttemptedAt == nil {
		return Run{}, false
	}
	r := Run{Job: jobName(row.Kind), Started: *row.AttemptedAt, Attempt: row.Attempt, State: string(row.State)}
	if n := len(row.AttemptedBy); n > 0 {
		r.By = row.AttemptedBy[n-1]
	}
	var lastErr *rivertype.AttemptError
	if n := len(row.Errors); n > 0 {
		lastErr = &row.Errors[n-1]
	}
	switch row.State {
	case rivertype.JobStateCompleted:
		r.Result = ResultOK
		if plans {
			r.Result = ResultPlanned
		}
	case rivertype.JobStateCancelled:
		r.Result = ResultCancelled
	case rivertype.JobStateDiscarded, rivertype.JobStateRetryable:
		r.Result = ResultFailed
	case rivertype.JobStateAvailable, rivertype.JobStateScheduled:
		// Attempted and back to waiting: its last try failed, or it was
		// put off without failing (an assembly whose units are still
		// being read).
		if lastErr != nil && lastErr.Attempt == row.Attempt {
			r.Result = ResultFailed
		}
	}
	if row.FinalizedAt != nil {
		r.Finished = *row.FinalizedAt
	} else if lastErr != nil && r.Result != "" {
		r.Finished = lastErr.At
	}
	if lastErr != nil && r.Result != ResultOK {
		// river prefixes the error of a run it was told to cancel.
		r.Error = strings.TrimPrefix(lastErr.Error, "JobCancelError: ")
	}
	return r, true
}

// Status lists the jobs by name, with their latest runs.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	out := make([]Status, 0, len(r.jobs)+1)
	for _, j := range r.jobs {
		st := Status{Name: j.Name, Every: j.Every.String()}
		row, err := r.latest(ctx, kindPrefix+j.Name)
		if err != nil {
			return nil, fmt.Errorf("jobs: latest run of %s: %w", j.Name, err)
		}
		if row != nil {
			st.Running = row.State == rivertype.JobStateRunning
			st.Next = row.CreatedAt.Add(j.Every)
			if run, ok := toRun(row, j.Plans); ok {
				st.Last = &run
			}
		}
		out = append(out, st)
	}
	for _, t := range r.triggered() {
		// Run when made due (an assembly at the latest at its scan's
		// deadline, Next), not on an interval.
		st := Status{Name: t[0]}
		row, err := r.latest(ctx, t[1])
		if err != nil {
			return nil, fmt.Errorf("jobs: latest run of %s: %w", t[0], err)
		}
		if row != nil {
			st.Running = row.State == rivertype.JobStateRunning
			if row.State == rivertype.JobStateScheduled || row.State == rivertype.JobStateAvailable {
				st.Next = row.ScheduledAt
			}
			if run, ok := toRun(row, false); ok {
				st.Last = &run
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Runs is the latest runs of every job, newest first, at most limit.
func (r *Runner) Runs(ctx context.Context, limit int) ([]Run, error) {
	kinds := make([]string, 0, len(r.jobs)+1)
	plans := map[string]bool{}
	for _, j := range r.jobs {
		kinds = append(kinds, kindPrefix+j.Name)
		plans[j.Name] = j.Plans
	}
	for _, t := range r.triggered() {
		kinds = append(kinds, t[1])
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	res, err := r.client.JobList(ctx, river.NewJobListParams().Kinds(kinds...).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, fmt.Errorf("jobs: list runs: %w", err)
	}
	out := make([]Run, 0, len(res.Jobs))
	for _, row := range res.Jobs {
		if run, ok := toRun(row, plans[jobName(row.Kind)]); ok {
			out = append(out, run)
		}
	}
	return out, nil
}

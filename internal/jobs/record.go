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
	// Result is ok, failed or cancelled; empty while running.
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

// toRun reads a river job row as a run; ok is false for a run not yet
// started.
func toRun(row *rivertype.JobRow) (Run, bool) {
	if row.AttemptedAt == nil {
		return Run{}, false
	}
	r := Run{Job: row.Kind[len(kindPrefix):], Started: *row.AttemptedAt, Attempt: row.Attempt, State: string(row.State)}
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
	case rivertype.JobStateCancelled:
		r.Result = ResultCancelled
	case rivertype.JobStateDiscarded, rivertype.JobStateRetryable, rivertype.JobStateAvailable, rivertype.JobStateScheduled:
		// Attempted and back to waiting: its last try failed.
		r.Result = ResultFailed
	}
	if row.FinalizedAt != nil {
		r.Finished = *row.FinalizedAt
	} else if lastErr != nil && r.Result != "" {
		r.Finished = lastErr.At
	}
	if lastErr != nil && r.Result != ResultOK {
		r.Error = lastErr.Error
	}
	return r, true
}

// Status lists the jobs by name, with their latest runs.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	out := make([]Status, 0, len(r.jobs))
	for _, j := range r.jobs {
		st := Status{Name: j.Name, Every: j.Every.String()}
		row, err := r.latest(ctx, j.Name)
		if err != nil {
			return nil, fmt.Errorf("jobs: latest run of %s: %w", j.Name, err)
		}
		if row != nil {
			st.Running = row.State == rivertype.JobStateRunning
			st.Next = row.CreatedAt.Add(j.Every)
			if run, ok := toRun(row); ok {
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
	kinds := make([]string, len(r.jobs))
	for i, j := range r.jobs {
		kinds[i] = kindPrefix + j.Name
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
		if run, ok := toRun(row); ok {
			out = append(out, run)
		}
	}
	return out, nil
}

package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// openDB opens the store at path, as a steward process does, and returns
// its database. The tests give it a copy of an empty store
// (storetest.EmptySQLite): migrating one takes about a second of CPU under
// -race, and migration has tests of its own in internal/store.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	st, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.(store.SQLDatabase).SQLDB().Raw()
}

// fast is a configuration that notices work quickly.
//
// The tests that start runners spend their time waiting (for a job's
// interval, a restart, river's rescuer), each on a store of its own, so
// they run in parallel.
func fast(id string) Config {
	return Config{ID: id, PollInterval: 50 * time.Millisecond, RetryBase: 50 * time.Millisecond}
}

func start(t *testing.T, db *sql.DB, cfg Config, js ...Job) *Runner {
	t.Helper()
	r, err := NewSQLite(db, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(t, r) })
	return r
}

func stop(t *testing.T, r *Runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Stop(ctx, 5*time.Second); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rows(t *testing.T, db *sql.DB, job string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = ?`, kindPrefix+job).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCheck(t *testing.T) {
	run := func(context.Context) error { return nil }
	for _, tc := range []struct {
		name string
		jobs []Job
	}{
		{"no name", []Job{{Every: time.Minute, Run: run}}},
		{"bad name", []Job{{Name: "Scan Now", Every: time.Minute, Run: run}}},
		{"twice", []Job{{Name: "scan", Every: time.Minute, Run: run}, {Name: "scan", Every: time.Hour, Run: run}}},
		{"no interval", []Job{{Name: "scan", Run: run}}},
		{"nothing to run", []Job{{Name: "scan", Every: time.Minute}}},
	} {
		if err := Check(tc.jobs); err == nil {
			t.Errorf("%s: Check accepted %+v", tc.name, tc.jobs)
		}
	}
	if err := Check([]Job{{Name: "cost-ingest", Every: time.Minute, Run: run}}); err != nil {
		t.Errorf("Check refused a good job: %v", err)
	}
	if _, err := newRunner([]Job{{Name: "scan", Every: time.Minute, Run: run}}, Config{RescueAfter: time.Minute}); err == nil {
		t.Error("a rescue-after no longer than the run's timeout was accepted")
	}
}

// Two processes on one SQLite file (two river clients, each with its own
// connection pool): a job runs on its interval, never twice at once, and
// every run the job made is recorded once.
func TestTwoProcessesShareAJob(t *testing.T) {
	t.Parallel()
	path := storetest.EmptySQLite(t, t.TempDir(), "steward.db")
	var running, maxRunning, calls atomic.Int32
	job := Job{Name: "scan", Every: 300 * time.Millisecond, Run: func(ctx context.Context) error {
		n := running.Add(1)
		defer running.Add(-1)
		for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
		}
		calls.Add(1)
		time.Sleep(200 * time.Millisecond)
		return nil
	}}
	dbA, dbB := openDB(t, path), openDB(t, path)
	a := start(t, dbA, fast("a"), job)
	start(t, dbB, fast("b"), job)
	waitFor(t, 20*time.Second, "five runs", func() bool { return calls.Load() >= 5 })
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("%d runs of one job at once across two processes, want 1", m)
	}
	runs, err := a.Runs(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	// Runs still going count on both sides; wait for the record to catch up.
	waitFor(t, 5*time.Second, "record", func() bool {
		runs, err = a.Runs(context.Background(), 100)
		return err == nil && running.Load() == 0 && len(runs) >= int(calls.Load())
	})
	if len(runs) != int(calls.Load()) {
		t.Errorf("%d runs recorded, the job ran %d times", len(runs), calls.Load())
	}
	for _, r := range runs {
		if r.Result != ResultOK && r.State != "running" {
			t.Errorf("run %+v, want ok", r)
		}
	}
}

// A job due every hour runs once when two processes start together, and
// a restart within the hour does not run it again.
func TestRunOnceAndNotAgainOnRestart(t *testing.T) {
	t.Parallel()
	path := storetest.EmptySQLite(t, t.TempDir(), "steward.db")
	var calls atomic.Int32
	job := Job{Name: "scan", Every: time.Hour, Run: func(context.Context) error {
		calls.Add(1)
		time.Sleep(100 * time.Millisecond)
		return nil
	}}
	dbA, dbB := openDB(t, path), openDB(t, path)
	a := start(t, dbA, fast("a"), job)
	b := start(t, dbB, fast("b"), job)
	waitFor(t, 20*time.Second, "the first run", func() bool { return calls.Load() == 1 })
	time.Sleep(2 * time.Second)
	if n := calls.Load(); n != 1 {
		t.Fatalf("two processes ran an hourly job %d times, want once", n)
	}
	stop(t, a)
	stop(t, b)
	// The restart: a new process on the same store, within the hour.
	c := start(t, openDB(t, path), fast("c"), job)
	time.Sleep(3 * time.Second)
	if n := calls.Load(); n != 1 {
		t.Errorf("a restart within the interval ran the job again (%d runs)", n)
	}
	if got := rows(t, dbA, "scan"); got != 1 {
		t.Errorf("river holds %d runs of scan, want 1", got)
	}
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].Last == nil || st[0].Last.Result != ResultOK || st[0].Last.By != "a" && st[0].Last.By != "b" {
		t.Errorf("status after restart = %+v, want the first run, ok", st)
	}
	if want := st[0].Last.Started.Add(time.Hour); st[0].Next.Sub(want).Abs() > 5*time.Second {
		t.Errorf("next = %s, want about %s", st[0].Next, want)
	}
}

// A restart after the interval catches the missed run up, once, at start.
func TestRestartAfterTheIntervalRunsOnce(t *testing.T) {
	t.Parallel()
	path := storetest.EmptySQLite(t, t.TempDir(), "steward.db")
	var calls atomic.Int32
	every := 8 * time.Second
	job := Job{Name: "scan", Every: every, Run: func(context.Context) error { calls.Add(1); return nil }}
	db := openDB(t, path)
	a := start(t, db, fast("a"), job)
	waitFor(t, 20*time.Second, "the first run", func() bool { return calls.Load() == 1 })
	stop(t, a)
	time.Sleep(every + 500*time.Millisecond)
	began := time.Now()
	start(t, openDB(t, path), fast("b"), job)
	waitFor(t, 20*time.Second, "the catch-up run", func() bool { return calls.Load() == 2 })
	if took := time.Since(began); took > every {
		t.Errorf("the missed run came %s after the restart, want at start (< %s)", took, every)
	}
}

// A failing run is retried with backoff, each failure recorded, and a run
// failing every try ends discarded with its error.
func TestFailingJobIsRetriedAndRecorded(t *testing.T) {
	t.Parallel()
	db := openDB(t, storetest.EmptySQLite(t, t.TempDir(), "steward.db"))
	var flaky, broken atomic.Int32
	var mu sync.Mutex
	finished := map[string]int{}
	cfg := fast("a")
	cfg.MaxAttempts = 3
	cfg.Finished = func(job, result string, _ time.Duration, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		finished[job+":"+result]++
	}
	r := start(t, db, cfg,
		Job{Name: "flaky", Every: time.Hour, Run: func(context.Context) error {
			if flaky.Add(1) < 3 {
				return errors.New("throttled")
			}
			return nil
		}},
		Job{Name: "broken", Every: time.Hour, Run: func(context.Context) error {
			broken.Add(1)
			panic("bucket gone")
		}})
	var st []Status
	waitFor(t, time.Minute, "both jobs final", func() bool {
		var err error
		st, err = r.Status(context.Background())
		return err == nil && st[0].Last != nil && st[0].Last.State == "discarded" && st[1].Last != nil && st[1].Last.State == "completed"
	})
	bro, fla := st[0], st[1]
	if fla.Last.Result != ResultOK || fla.Last.Attempt != 3 || flaky.Load() != 3 {
		t.Errorf("flaky: %+v after %d calls, want ok on the third try", fla.Last, flaky.Load())
	}
	if bro.Last.Result != ResultFailed || bro.Last.Attempt != 3 || broken.Load() != 3 || bro.Last.Error != "job broken panicked: bucket gone" {
		t.Errorf("broken: %+v after %d calls, want failed after 3 tries with the panic", bro.Last, broken.Load())
	}
	mu.Lock()
	if want := map[string]int{"flaky:failed": 2, "flaky:ok": 1, "broken:failed": 3}; !maps.Equal(finished, want) {
		t.Errorf("runs told = %v, want %v", finished, want)
	}
	mu.Unlock()
	var errs int
	if err := db.QueryRow(`SELECT json_array_length(errors) FROM river_job WHERE kind = ?`, kindPrefix+"flaky").Scan(&errs); err != nil {
		t.Fatal(err)
	}
	if errs != 2 {
		t.Errorf("flaky's record holds %d errors, want 2", errs)
	}
}

// A run whose process is killed is rescued by another process once
// rescue-after has passed, and finished there: the same run, not a new one.
func TestRunOfADeadProcessIsRescued(t *testing.T) {
	if os.Getenv("STEWARD_JOBS_CHILD") != "" {
		t.Skip("in the child")
	}
	t.Parallel()
	dir := t.TempDir()
	path := storetest.EmptySQLite(t, dir, "steward.db") // migrated before the child starts
	openDB(t, path)
	marker := filepath.Join(dir, "started")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), "STEWARD_JOBS_CHILD="+path, "STEWARD_JOBS_MARKER="+marker)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the child's run", func() bool { _, err := os.Stat(marker); return err == nil })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()

	db := openDB(t, path)
	var done atomic.Int32
	cfg := fast("survivor")
	cfg.RescueAfter, cfg.MinTimeout = 2*time.Second, time.Second
	r := start(t, db, cfg, Job{Name: "scan", Every: time.Second, Run: func(context.Context) error { done.Add(1); return nil }})
	waitFor(t, 60*time.Second, "the rescued run", func() bool { return done.Load() >= 1 })
	t.Logf("rescued and finished %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	var id int64
	var attempt int
	if err := db.QueryRow(`SELECT id, attempt FROM river_job WHERE kind = ? ORDER BY id LIMIT 1`, kindPrefix+"scan").Scan(&id, &attempt); err != nil {
		t.Fatal(err)
	}
	if attempt != 2 {
		t.Errorf("the first run's attempt = %d, want 2 (the child's try, then the rescue)", attempt)
	}
	var runs []Run
	waitFor(t, 5*time.Second, "the record", func() bool {
		var err error
		runs, err = r.Runs(context.Background(), 100)
		return err == nil && len(runs) > 0 && runs[len(runs)-1].Result == ResultOK
	})
	if first := runs[len(runs)-1]; first.By != "survivor" || first.Attempt != 2 {
		t.Errorf("first run = %+v, want finished by the survivor on its second try", first)
	}
}

// TestChildProcess is the process TestRunOfADeadProcessIsRescued kills:
// it takes the run and hangs in it.
func TestChildProcess(t *testing.T) {
	path := os.Getenv("STEWARD_JOBS_CHILD")
	if path == "" {
		t.Skip("run by TestRunOfADeadProcessIsRescued")
	}
	cfg := fast("child")
	cfg.RescueAfter, cfg.MinTimeout = 2*time.Second, time.Second
	start(t, openDB(t, path), cfg, Job{Name: "scan", Every: time.Second, Run: func(ctx context.Context) error {
		if err := os.WriteFile(os.Getenv("STEWARD_JOBS_MARKER"), nil, 0o600); err != nil {
			return fmt.Errorf("marker: %w", err)
		}
		select {} // killed here
	}})
	time.Sleep(time.Minute)
}

// River keeps a job's latest run at least as long as the job's interval:
// a monthly job whose run was deleted after a day would run again daily.
func TestRunsAreKeptLongerThanTheInterval(t *testing.T) {
	run := func(context.Context) error { return nil }
	r, err := newRunner([]Job{{Name: "digest", Every: 30 * 24 * time.Hour, Run: run}, {Name: "scan", Every: time.Hour, Run: run}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := r.riverConfig()
	for what, d := range map[string]time.Duration{"completed": c.CompletedJobRetentionPeriod, "cancelled": c.CancelledJobRetentionPeriod, "discarded": c.DiscardedJobRetentionPeriod} {
		if d <= 30*24*time.Hour {
			t.Errorf("%s runs kept %s, want longer than the monthly job's interval", what, d)
		}
	}
	if c.RescueStuckJobsAfter <= c.JobTimeout || c.JobTimeout < 30*time.Minute {
		t.Errorf("timeout %s, rescue after %s: want a timeout of at least 30 minutes and rescue after it", c.JobTimeout, c.RescueStuckJobsAfter)
	}
}

// A run still going when a shutdown's wait ends is recorded cancelled, not
// put back to run again, when river's own stop is what cuts it (the
// context given to Start is never cancelled here). A shutdown that also
// cancels Start's context raced the two, and the run was sometimes left
// waiting with its attempt undone.
func TestRunCutByStopIsCancelled(t *testing.T) {
	t.Parallel()
	db := openDB(t, storetest.EmptySQLite(t, t.TempDir(), "steward.db"))
	running := make(chan struct{})
	r, err := NewSQLite(db, []Job{{Name: "stuck", Every: time.Hour, Run: func(ctx context.Context) error {
		close(running)
		<-ctx.Done()
		return ctx.Err()
	}}}, fast("a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-running
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Stop(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l := st[0].Last; l == nil || l.State != "cancelled" || l.Result != ResultCancelled || l.Attempt != 1 || l.Error != "stopped by a shutdown: context canceled" {
		t.Errorf("last run = %+v, want cancelled on its first attempt", l)
	}
}

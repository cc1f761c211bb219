package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// unitSource has one log group per unit; a unit read before release is
// closed waits for it, so a test sees a scan planned and not yet saved.
type unitSource struct {
	units   []string
	release chan struct{}
}

func (unitSource) Name() string { return "fake" }
func (unitSource) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	return nil, errors.New("read by units only")
}
func (s unitSource) Units() []string { return s.units }

func (s unitSource) CollectUnit(ctx context.Context, unit string) ([]byte, inventory.Coverage, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, inventory.Coverage{}, ctx.Err()
	}
	row := inventory.Coverage{Account: "111111111111", Region: "us-east-1", Service: unit, OK: true, Resources: 1}
	b, err := json.Marshal(row)
	return b, row, err
}

func (s unitSource) Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error) {
	c := &inventory.Collection{}
	for _, u := range s.units {
		var row inventory.Coverage
		if err := json.Unmarshal(records[u], &row); err != nil {
			return nil, err
		}
		c.Coverage = append(c.Coverage, row)
		c.Resources = append(c.Resources, inventory.Resource{ARN: "arn:aws:logs:us-east-1:111111111111:log-group:" + u,
			Account: "111111111111", Region: "us-east-1", Type: "AWS::Logs::LogGroup", ID: u})
	}
	return c, nil
}

type noFindings struct{}

func (noFindings) EvaluateSet(context.Context, []inventory.Resource) (*finding.Set, error) {
	return nil, nil
}

// TestScanJobIsPlannedUntilAssembled: the server's scan job only plans a
// scan read by units; its record says planned, not ok, and the assembly
// (scan.assemble) says whether the scan was saved, in Status, Runs and to
// the metrics.
func TestScanJobIsPlannedUntilAssembled(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db := st.(store.SQLDatabase).SQLDB().Raw()

	src := unitSource{units: []string{"logs-a", "logs-b"}, release: make(chan struct{})}
	sw := &ScanWork{
		Units: &scan.Units{Options: scan.Options{Evaluator: noFindings{}, Saver: st},
			Source: src, Staging: st.(scan.Staging), Deadline: time.Hour},
		Slots: st.(Slots), Scope: func(u string) string { return u },
	}
	var mu sync.Mutex
	var finished []string
	cfg := fast("a")
	cfg.Scans = sw
	cfg.Finished = func(job, result string, _ time.Duration, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		finished = append(finished, job+":"+result)
	}
	scanJob := Job{Name: "scan", Every: time.Hour, Plans: true, Run: func(ctx context.Context) error {
		_, err := sw.Start(ctx)
		return err
	}}
	r := start(t, db, cfg, scanJob)

	status := func() map[string]Status {
		t.Helper()
		sts, err := r.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]Status{}
		for _, s := range sts {
			out[s.Name] = s
		}
		return out
	}
	waitFor(t, 20*time.Second, "the scan planned", func() bool {
		s := status()["scan"]
		return s.Last != nil && s.Last.Result != ""
	})
	sts := status()
	if got := sts["scan"].Last.Result; got != ResultPlanned {
		t.Errorf("scan job's run: result %q, want %q (its units are still being read)", got, ResultPlanned)
	}
	as, ok := sts[AssembleJob]
	if !ok {
		t.Fatalf("status lists %v, want %s too", slices.Collect(maps.Keys(sts)), AssembleJob)
	}
	if as.Last != nil || as.Next.IsZero() {
		t.Errorf("assembly before the units are read: %+v, want no run and its deadline as next", as)
	}
	if scans, err := st.Scans(ctx, 10); err != nil || len(scans) != 0 {
		t.Fatalf("scans saved before the units were read: %v, %v", scans, err)
	}

	close(src.release)
	waitFor(t, 20*time.Second, "the scan assembled", func() bool {
		s := status()[AssembleJob]
		return s.Last != nil && s.Last.Result != ""
	})
	if got := status()[AssembleJob].Last; got.Result != ResultOK || got.Error != "" {
		t.Errorf("assembly: %+v, want ok", got)
	}
	scans, err := st.Scans(ctx, 10)
	if err != nil || len(scans) != 1 || scans[0].Resources != 2 {
		t.Fatalf("saved scans %+v, %v; want one of 2 resources", scans, err)
	}
	runs, err := r.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, run := range runs {
		got = append(got, run.Job+":"+run.Result)
	}
	slices.Sort(got)
	if want := []string{AssembleJob + ":ok", "scan:planned"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(finished)
	if want := []string{AssembleJob + ":ok", "scan:planned"}; !slices.Equal(finished, want) {
		t.Errorf("told the metrics %v, want %v", finished, want)
	}
}

// gatedAssembly reads units at once; its Assemble says it has begun
// (entered) and waits for release: an assembly as long as a test wants.
type gatedAssembly struct {
	unitSource
	entered chan struct{}
	release chan struct{}
	once    *sync.Once
}

func newGated(units ...string) gatedAssembly {
	src := unitSource{units: units, release: make(chan struct{})}
	close(src.release)
	return gatedAssembly{src, make(chan struct{}), make(chan struct{}), &sync.Once{}}
}

// let the assembly go on (once; again does nothing).
func (s gatedAssembly) let() { s.once.Do(func() { close(s.release) }) }

func (s gatedAssembly) Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error) {
	close(s.entered)
	<-s.release
	return s.unitSource.Assemble(records, gaps)
}

// cutOff is a store whose assembly claims can be taken once, then not
// renewed: the replica died, or lost the store, as far as the others
// can tell.
type cutOff struct {
	scan.Staging
	claims atomic.Int32
}

func (c *cutOff) ClaimAssembly(ctx context.Context, scanID, holder string, now, until time.Time) (bool, error) {
	if c.claims.Add(1) > 1 {
		return false, errors.New("connection reset by peer")
	}
	return c.Staging.ClaimAssembly(ctx, scanID, holder, now, until)
}

// looks counts a store's reads of scan plans (a watch's looks).
type looks struct {
	scan.Staging
	n atomic.Int32
}

func (l *looks) ScanPlan(ctx context.Context, scanID string) (scan.Plan, error) {
	l.n.Add(1)
	return l.Staging.ScanPlan(ctx, scanID)
}

type countFindings struct{ n atomic.Int32 }

func (c *countFindings) EvaluateSet(context.Context, []inventory.Resource) (*finding.Set, error) {
	c.n.Add(1)
	return nil, nil
}

// assemblyRig is one store and what each replica of a test records.
type assemblyRig struct {
	st       store.Store
	db       *sql.DB
	mu       sync.Mutex
	finished []string
}

func newAssemblyRig(t *testing.T) *assemblyRig {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &assemblyRig{st: st, db: st.(store.SQLDatabase).SQLDB().Raw()}
}

// replica starts a runner that reads scans of src through stg, with
// claims of lease.
func (rig *assemblyRig) replica(t *testing.T, id string, src scan.UnitSource, stg scan.Staging, eval scan.Evaluator, lease time.Duration) *ScanWork {
	t.Helper()
	sw := &ScanWork{
		Units: &scan.Units{Options: scan.Options{Evaluator: eval, Saver: rig.st},
			Source: src, Staging: stg, Deadline: time.Hour, Lease: lease},
		Slots: rig.st.(Slots), Scope: func(u string) string { return u },
	}
	cfg := fast(id)
	cfg.Scans = sw
	cfg.Finished = func(job, result string, _ time.Duration, _ time.Time) {
		rig.mu.Lock()
		defer rig.mu.Unlock()
		rig.finished = append(rig.finished, id+":"+job+":"+result)
	}
	start(t, rig.db, cfg)
	return sw
}

func (rig *assemblyRig) saved(t *testing.T) int {
	t.Helper()
	scans, err := rig.st.Scans(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	return len(scans)
}

// assembleJobs lists the scan's assemble jobs as "gen:state:by".
func (rig *assemblyRig) assembleJobs(t *testing.T) []string {
	t.Helper()
	rs, err := rig.db.Query(`SELECT json_extract(args, '$.gen'), state, json_extract(attempted_by, '$[#-1]') FROM river_job WHERE kind = ? ORDER BY id`, (assembleArgs{}).Kind())
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var gen sql.NullInt64
		var state string
		var by sql.NullString
		if err := rs.Scan(&gen, &state, &by); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%s:%s", gen.Int64, state, by.String))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func waitClosed(t *testing.T, c chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: not within 20s", what)
	}
}

// TestAssemblyTakenOverFromDeadReplica: the replica putting a scan
// together stops renewing its claim (it died, as far as the store can
// tell); another replica takes the scan over once the claim has run out,
// not after river's rescue (the assemble timeout, hours), and saves it
// once. The first, if it comes back, finds its claim gone and saves
// nothing.
func TestAssemblyTakenOverFromDeadReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rig := newAssemblyRig(t)
	const lease = time.Second
	srcA := newGated("logs-a", "logs-b")
	evalA, evalB := &countFindings{}, &countFindings{}
	swA := rig.replica(t, "a", srcA, &cutOff{Staging: rig.st.(scan.Staging)}, evalA, lease)
	p, err := swA.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, srcA.entered, "replica a assembling")
	t.Cleanup(srcA.let) // before the runners stop, should the test end early
	claimed := time.Now()
	rig.replica(t, "b", srcA.unitSource, rig.st.(scan.Staging), evalB, lease)

	// Within the claim's lease, the watch's margin and river's scheduler
	// (5 s) and fetch: seconds, where river's rescue waits two hours.
	waitFor(t, 20*time.Second, "the scan taken over and saved", func() bool { return rig.saved(t) == 1 })
	if took := time.Since(claimed); took < lease {
		t.Errorf("taken over %s after the claim, before its lease (%s) ran out", took, lease)
	}
	want := []string{"0:running:a", "1:completed:b"}
	waitFor(t, 10*time.Second, fmt.Sprintf("assemble jobs %v (a's still running, b's takeover done)", want), func() bool {
		return slices.Equal(rig.assembleJobs(t), want)
	})
	srcA.let()
	waitFor(t, 20*time.Second, "replica a's assembly ended", func() bool {
		jobs := rig.assembleJobs(t)
		return len(jobs) > 0 && !strings.HasPrefix(jobs[0], "0:running")
	})
	if n := rig.saved(t); n != 1 {
		t.Errorf("scans saved: %d, want 1", n)
	}
	if a, b := evalA.n.Load(), evalB.n.Load(); a != 0 || b != 1 {
		t.Errorf("evaluations: replica a %d, b %d; want 0 and 1", a, b)
	}
	rig.mu.Lock()
	defer rig.mu.Unlock()
	slices.Sort(rig.finished)
	if want := []string{"a:" + AssembleJob + ":failed", "b:" + AssembleJob + ":ok"}; !slices.Equal(rig.finished, want) {
		t.Errorf("told the metrics %v, want %v", rig.finished, want)
	}
	if s, err := rig.st.(scan.Staging).ScanPlan(ctx, p.ScanID); err != nil || s.State != scan.PlanSaved {
		t.Errorf("plan %+v, %v; want saved", s, err)
	}
}

// TestLongAssemblyNotTakenOver: an assembly that takes many leases keeps
// renewing its claim; another replica's watch looks at it as each claim
// runs out and leaves it be. One assembly, one save, no takeover, and no
// watch left once it is saved.
func TestLongAssemblyNotTakenOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rig := newAssemblyRig(t)
	// Long enough that a renewal held up by the race detector and the
	// package's other tests on two cores does not let the claim lapse.
	const lease = 3 * time.Second
	srcA := newGated("logs-a", "logs-b")
	evalA, evalB := &countFindings{}, &countFindings{}
	swA := rig.replica(t, "a", srcA, rig.st.(scan.Staging), evalA, lease)
	if _, err := swA.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, srcA.entered, "replica a assembling")
	t.Cleanup(srcA.let) // before the runners stop, should the test end early
	stgB := &looks{Staging: rig.st.(scan.Staging)}
	rig.replica(t, "b", srcA.unitSource, stgB, evalB, lease)
	// Twice past the end of a claim a, alive, renewed.
	waitFor(t, 60*time.Second, "replica b's watch looking twice", func() bool { return stgB.n.Load() >= 2 })
	if n := rig.saved(t); n != 0 {
		t.Fatalf("scans saved while a still assembles: %d", n)
	}
	srcA.let()
	waitFor(t, 20*time.Second, "the scan saved", func() bool { return rig.saved(t) == 1 })
	want := []string{"0:completed:a"}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got := rig.assembleJobs(t)
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("assemble jobs %v, want %v (no takeover) within 10s", got, want)
		}
	}
	if a, b := evalA.n.Load(), evalB.n.Load(); a != 1 || b != 0 {
		t.Errorf("evaluations: replica a %d, b %d; want 1 and 0", a, b)
	}
	waitFor(t, 20*time.Second, "no watch left", func() bool {
		var n int
		if err := rig.db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = ? AND state NOT IN ('completed')`, (watchArgs{}).Kind()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	rig.mu.Lock()
	defer rig.mu.Unlock()
	if want := []string{"a:" + AssembleJob + ":ok"}; !slices.Equal(rig.finished, want) {
		t.Errorf("told the metrics %v, want %v", rig.finished, want)
	}
}

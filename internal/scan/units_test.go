package scan_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// unitSource has one resource per unit; a unit named in throttled answers
// with a throttled row.
type unitSource struct {
	units     []string
	throttled map[string]bool
}

func (unitSource) Name() string { return "fake" }
func (unitSource) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	return nil, errors.New("read by units only")
}
func (s unitSource) Units() []string { return s.units }

func (s unitSource) CollectUnit(_ context.Context, unit string) ([]byte, inventory.Coverage, error) {
	acct, _, _ := strings.Cut(unit, "/")
	row := inventory.Coverage{Account: acct, Region: "us-east-1", Service: unit, OK: !s.throttled[unit], Resources: 1}
	if s.throttled[unit] {
		row.ErrorKind, row.Error = "throttled", "Rate exceeded"
	}
	b, err := json.Marshal(row)
	return b, row, err
}

func (s unitSource) Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error) {
	c := &inventory.Collection{}
	for _, u := range s.units {
		acct, _, _ := strings.Cut(u, "/")
		b, ok := records[u]
		if !ok {
			c.Coverage = append(c.Coverage, inventory.Coverage{Account: acct, Region: "us-east-1", Service: u, ErrorKind: "timeout", Error: gaps[u]})
			continue
		}
		var row inventory.Coverage
		if err := json.Unmarshal(b, &row); err != nil {
			return nil, err
		}
		c.Coverage = append(c.Coverage, row)
		c.Resources = append(c.Resources, inventory.Resource{ARN: "arn:aws:logs:us-east-1:" + acct + ":log-group:" + strings.ReplaceAll(u, "/", "-"),
			Account: acct, Region: "us-east-1", Type: "AWS::Logs::LogGroup", ID: u})
	}
	return c, nil
}

type countEval struct{ calls int }

func (e *countEval) EvaluateSet(_ context.Context, rs []inventory.Resource) (*finding.Set, error) {
	e.calls++
	return nil, nil
}

// TestUnits: a throttled unit is kept only on its last try; the scan is
// put together once, not before its units are done or its deadline has
// passed, and then with the unread units as gaps.
func TestUnits(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	src := unitSource{units: []string{"111111111111/a", "111111111111/b", "222222222222/a"}, throttled: map[string]bool{"111111111111/b": true}}
	eval := &countEval{}
	u := &scan.Units{Options: scan.Options{Evaluator: eval, Saver: st, Now: func() time.Time { return now }},
		Source: src, Staging: st.(scan.Staging), Deadline: time.Minute}
	p, units, err := u.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 3 || p.Remaining != 3 {
		t.Fatalf("planned %v, %+v", units, p)
	}
	if last, err := u.Unit(ctx, p.ScanID, "111111111111/a", false); err != nil || last {
		t.Fatalf("first unit: last=%v err=%v", last, err)
	}
	if _, err := u.Unit(ctx, p.ScanID, "111111111111/b", false); !errors.Is(err, scan.ErrThrottled) {
		t.Fatalf("throttled unit, not the last try: err = %v, want ErrThrottled", err)
	}
	var pending *scan.PendingError
	if _, err := u.Assemble(ctx, p.ScanID, nil); !errors.As(err, &pending) || pending.Remaining != 2 {
		t.Fatalf("assembled early: err = %v", err)
	}
	// The last try keeps the throttled row as the unit's gap.
	if last, err := u.Unit(ctx, p.ScanID, "111111111111/b", true); err != nil || last {
		t.Fatalf("throttled unit, last try: last=%v err=%v", last, err)
	}
	// Past the deadline with one unit unread, while another replica's
	// assembly claim runs: this one waits.
	now = now.Add(2 * time.Minute)
	if ok, err := st.(scan.Staging).ClaimAssembly(ctx, p.ScanID, "other", now, now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	var busy *scan.BusyError
	if _, err := u.Assemble(ctx, p.ScanID, nil); !errors.As(err, &busy) || !busy.Until.Equal(now.Add(time.Minute)) {
		t.Fatalf("assembly while another runs: err = %v, want BusyError until the other's claim ends (%s)", err, now.Add(time.Minute))
	}
	now = now.Add(time.Minute + time.Nanosecond) // the other replica's claim ran out
	var claimedUntil time.Time
	res, err := u.Assemble(ctx, p.ScanID, func(until time.Time) { claimedUntil = until })
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(2 * time.Minute); !claimedUntil.Equal(want) {
		t.Errorf("told of its claim until %s, want %s (now and the default lease)", claimedUntil, want)
	}
	if res.Scan.Resources != 2 || len(res.Scan.Gaps()) != 2 {
		t.Errorf("saved %d resources with gaps %+v; want 2 and 2 (one throttled, one past the deadline)", res.Scan.Resources, res.Scan.Gaps())
	}
	if _, err := u.Unit(ctx, p.ScanID, "222222222222/a", false); err != nil {
		t.Fatalf("a unit read after its scan closed: %v", err)
	}
	if res, err := u.Assemble(ctx, p.ScanID, nil); err != nil || res != nil {
		t.Fatalf("second assembly: res=%v err=%v; want nothing done", res, err)
	}
	if eval.calls != 1 {
		t.Errorf("policies evaluated %d times, want once", eval.calls)
	}
	saved, err := st.Scan(ctx, p.ScanID)
	if err != nil || saved.Resources != 2 {
		t.Fatalf("stored scan: %+v, %v", saved, err)
	}
}

// gatedSource is unitSource whose Assemble says it has begun (entered)
// and waits for release: an assembly that takes as long as a test wants.
type gatedSource struct {
	unitSource
	entered chan struct{}
	release chan struct{}
}

func (s gatedSource) Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error) {
	close(s.entered)
	<-s.release
	return s.unitSource.Assemble(records, gaps)
}

// flakyClaims is a store whose assembly claims can be taken once and
// then not renewed (a replica cut off from the store).
type flakyClaims struct {
	scan.Staging
	mu     sync.Mutex
	claims int
}

func (f *flakyClaims) ClaimAssembly(ctx context.Context, scanID, holder string, now, until time.Time) (bool, error) {
	f.mu.Lock()
	f.claims++
	n := f.claims
	f.mu.Unlock()
	if n > 1 {
		return false, errors.New("connection refused")
	}
	return f.Staging.ClaimAssembly(ctx, scanID, holder, now, until)
}

// readScan plans a scan of two units and reads them, so that it is ready
// to be put together.
func readScan(t *testing.T, u *scan.Units) scan.Plan {
	t.Helper()
	ctx := context.Background()
	p, units, err := u.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, unit := range units {
		if _, err := u.Unit(ctx, p.ScanID, unit, false); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestLiveAssemblyKeepsItsClaim: an assembly that takes many leases
// renews its claim, so another replica asking all along is told it is
// busy and never takes it over; the scan is evaluated and saved once.
func TestLiveAssemblyKeepsItsClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	const lease = 200 * time.Millisecond
	src := gatedSource{unitSource{units: []string{"111111111111/a", "111111111111/b"}}, make(chan struct{}), make(chan struct{})}
	eval := &countEval{}
	a := &scan.Units{Options: scan.Options{Evaluator: eval, Saver: st}, Source: src, Staging: st.(scan.Staging), Lease: lease}
	p := readScan(t, a)
	done := make(chan error, 1)
	go func() {
		_, err := a.Assemble(ctx, p.ScanID, nil)
		done <- err
	}()
	<-src.entered
	b := &scan.Units{Options: scan.Options{Evaluator: eval, Saver: st}, Source: src.unitSource, Staging: st.(scan.Staging), Lease: lease}
	for end := time.Now().Add(5 * lease); time.Now().Before(end); time.Sleep(lease / 4) {
		var busy *scan.BusyError
		if _, err := b.Assemble(ctx, p.ScanID, nil); !errors.As(err, &busy) {
			t.Fatalf("while the first assembler works: err = %v, want BusyError", err)
		}
		if !busy.Until.After(time.Now()) {
			t.Fatalf("the live assembler's claim ends at %s, in the past", busy.Until)
		}
	}
	close(src.release)
	if err := <-done; err != nil {
		t.Fatalf("the long assembly: %v", err)
	}
	if res, err := b.Assemble(ctx, p.ScanID, nil); err != nil || res != nil {
		t.Fatalf("after it: res = %v, err = %v; want nothing done", res, err)
	}
	if scans, err := st.Scans(ctx, 10); err != nil || len(scans) != 1 || eval.calls != 1 {
		t.Errorf("scans saved %d (%v), evaluations %d; want 1 and 1", len(scans), err, eval.calls)
	}
}

// TestAssemblerStopsWhenItCannotRenew: an assembler whose claim cannot
// be renewed stops before the claim runs out, so the replica that takes
// the scan over never saves alongside it.
func TestAssemblerStopsWhenItCannotRenew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	const lease = 200 * time.Millisecond
	src := gatedSource{unitSource{units: []string{"111111111111/a"}}, make(chan struct{}), make(chan struct{})}
	a := &scan.Units{Options: scan.Options{Evaluator: &countEval{}, Saver: st}, Source: src,
		Staging: &flakyClaims{Staging: st.(scan.Staging)}, Lease: lease}
	p := readScan(t, a)
	done := make(chan error, 1)
	go func() {
		_, err := a.Assemble(ctx, p.ScanID, nil)
		done <- err
	}()
	<-src.entered
	time.Sleep(lease) // its renewals fail meanwhile
	close(src.release)
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "not renewed") {
		t.Fatalf("assembly whose claim was not renewed: err = %v, want it stopped for that", err)
	}
	if scans, err := st.Scans(ctx, 10); err != nil || len(scans) != 0 {
		t.Errorf("scans saved: %v, %v; want none", scans, err)
	}
	// Another replica takes it over once the claim has run out.
	b := &scan.Units{Options: scan.Options{Evaluator: &countEval{}, Saver: st}, Source: src.unitSource, Staging: st.(scan.Staging), Lease: lease}
	var res *scan.Result
	for end := time.Now().Add(2 * lease); ; time.Sleep(lease / 4) {
		var busy *scan.BusyError
		if res, err = b.Assemble(ctx, p.ScanID, nil); !errors.As(err, &busy) || time.Now().After(end) {
			break
		}
	}
	if err != nil || res == nil || res.Scan.Resources != 1 {
		t.Fatalf("taken over: res = %+v, err = %v; want the scan saved", res, err)
	}
}

// TestFailedAssemblyGivesUpItsClaim: an assembly that fails gives its
// claim up, so its retry (a new claim) need not wait for the lease.
func TestFailedAssemblyGivesUpItsClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	src := unitSource{units: []string{"111111111111/a"}}
	eval := &failEval{err: errors.New("out of memory")}
	u := &scan.Units{Options: scan.Options{Evaluator: eval, Saver: st, Now: func() time.Time { return now }}, Source: src, Staging: st.(scan.Staging)}
	p := readScan(t, u)
	if _, err := u.Assemble(ctx, p.ScanID, nil); err == nil || !strings.Contains(err.Error(), "out of memory") {
		t.Fatalf("first assembly: err = %v, want the evaluation's", err)
	}
	eval.err = nil
	now = now.Add(time.Second) // well within the lease
	if res, err := u.Assemble(ctx, p.ScanID, nil); err != nil || res == nil {
		t.Fatalf("retry: res = %v, err = %v; want the scan saved at once", res, err)
	}
}

type failEval struct{ err error }

func (e *failEval) EvaluateSet(context.Context, []inventory.Resource) (*finding.Set, error) {
	return nil, e.err
}

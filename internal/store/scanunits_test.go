package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/jobs"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
)

func TestScanUnitsSQLite(t *testing.T)   { testScanUnits(t, openSQLite) }
func TestScanUnitsPostgres(t *testing.T) { testScanUnits(t, openPostgres) }

// testScanUnits: units finished by many writers at once count once each,
// exactly one writer finishes the last, a unit finished twice keeps its
// first record, and a scan closed at its deadline gives up its pending
// units and takes no record afterwards. The shared slots let limit
// holders in at once and free a dead holder's slot when its time is up.
func testScanUnits(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	defer st.Close()
	stg, ok := st.(scan.Staging)
	if !ok {
		t.Fatalf("%T does not keep scans of units", st)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var units []string
	for i := range 40 {
		units = append(units, fmt.Sprintf("1111111111%02d/us-east-1/ec2", i))
	}
	p := scan.Plan{ScanID: "s1", Source: "aws", Started: now, Deadline: now.Add(time.Hour)}
	if err := stg.PlanScan(ctx, p, units); err != nil {
		t.Fatal(err)
	}
	if err := stg.PlanScan(ctx, p, units); err == nil {
		t.Fatal("a scan was planned twice")
	}
	// Every unit finished twice, by 8 writers at once.
	var mu sync.Mutex
	lasts := 0
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range units {
				u := units[(i+w*5)%len(units)]
				last, err := stg.FinishUnit(ctx, "s1", u, []byte(fmt.Sprintf("%q", u+fmt.Sprint(w))), now)
				if err != nil {
					errs <- err
					return
				}
				if last {
					mu.Lock()
					lasts++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if lasts != 1 {
		t.Errorf("writers told they finished the last unit: %d, want 1", lasts)
	}
	got, err := stg.ScanPlan(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != scan.PlanAssembling || got.Remaining != 0 || got.Units != len(units) || !got.Deadline.Equal(p.Deadline) {
		t.Errorf("plan after every unit = %+v", got)
	}
	recs, err := stg.UnitRecords(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(units) {
		t.Fatalf("records = %d, want %d", len(recs), len(units))
	}
	for _, r := range recs {
		if !r.Done || len(r.Record) == 0 {
			t.Errorf("unit %s: %+v", r.Unit, r)
		}
	}
	if closed, err := stg.CloseScan(ctx, "s1", "late", now); err != nil || closed {
		t.Errorf("closing an assembling scan: closed=%v err=%v", closed, err)
	}

	// A scan closed at its deadline with two units read of four.
	if err := stg.PlanScan(ctx, scan.Plan{ScanID: "s2", Source: "aws", Started: now, Deadline: now}, units[:4]); err != nil {
		t.Fatal(err)
	}
	for _, u := range units[:2] {
		if _, err := stg.FinishUnit(ctx, "s2", u, []byte(`{}`), now); err != nil {
			t.Fatal(err)
		}
	}
	if closed, err := stg.CloseScan(ctx, "s2", "not read by the deadline", now); err != nil || !closed {
		t.Fatalf("close: closed=%v err=%v", closed, err)
	}
	if last, err := stg.FinishUnit(ctx, "s2", units[3], []byte(`{}`), now); err != nil || last {
		t.Errorf("a unit finished after the deadline: last=%v err=%v", last, err)
	}
	recs, err = stg.UnitRecords(ctx, "s2")
	if err != nil {
		t.Fatal(err)
	}
	done, gaps := 0, 0
	for _, r := range recs {
		if r.Done {
			done++
		} else if r.Gap == "not read by the deadline" && r.Record == nil {
			gaps++
		}
	}
	if done != 2 || gaps != 2 {
		t.Errorf("after the deadline: %d done, %d gaps; want 2 and 2: %+v", done, gaps, recs)
	}
	if err := stg.ScanSaved(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	if p, _ := stg.ScanPlan(ctx, "s2"); p.State != scan.PlanSaved {
		t.Errorf("state after saved: %q", p.State)
	}

	// The deadline closing a scan while its units finish: every unit ends
	// up done or given up, and either the close or one finisher moved it
	// on, never both, without a deadlock.
	if err := stg.PlanScan(ctx, scan.Plan{ScanID: "s3", Source: "aws", Started: now, Deadline: now}, units); err != nil {
		t.Fatal(err)
	}
	var closed bool
	lasts = 0
	errs = make(chan error, 5)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(units); i += 4 {
				last, err := stg.FinishUnit(ctx, "s3", units[i], []byte(`{}`), now)
				if err != nil {
					errs <- err
					return
				}
				if last {
					mu.Lock()
					lasts++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(5 * time.Millisecond)
		c, err := stg.CloseScan(ctx, "s3", "late", now)
		if err != nil {
			errs <- err
		}
		mu.Lock()
		closed = c
		mu.Unlock()
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	recs, err = stg.UnitRecords(ctx, "s3")
	if err != nil {
		t.Fatal(err)
	}
	done, gaps = 0, 0
	for _, r := range recs {
		if r.Done {
			done++
		} else if r.Gap == "late" {
			gaps++
		}
	}
	if done+gaps != len(units) || closed == (lasts == 1) || (!closed && gaps > 0) {
		t.Errorf("close racing finishers: closed=%v lasts=%d done=%d gaps=%d", closed, lasts, done, gaps)
	}
	if p, _ := stg.ScanPlan(ctx, "s3"); p.State != scan.PlanAssembling {
		t.Errorf("state after close and finishers: %q", p.State)
	}

	// One assembler at a time: a second is refused while the first's
	// claim runs, the first may renew it, and it passes on when it lapses.
	claim := func(holder string, at time.Time) bool {
		t.Helper()
		ok, err := stg.ClaimAssembly(ctx, "s3", holder, at, at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("a", now) || claim("b", now.Add(30*time.Second)) || !claim("a", now.Add(50*time.Second)) ||
		claim("b", now.Add(100*time.Second)) || !claim("b", now.Add(111*time.Second)) || claim("a", now.Add(112*time.Second)) {
		t.Error("assembly claims: want a, not b, a renews, not b before a's renewal lapses, b after, then not a")
	}

	slots, ok := st.(jobs.Slots)
	if !ok {
		t.Fatalf("%T keeps no slots", st)
	}
	take := func(holder string, at time.Time) (int, bool) {
		t.Helper()
		n, ok, err := slots.AcquireSlot(ctx, "111111111100/ec2", 2, holder, at, at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return n, ok
	}
	a, okA := take("a", now)
	_, okB := take("b", now)
	if _, okC := take("c", now); !okA || !okB || okC {
		t.Fatalf("limit 2: took a=%v b=%v c=%v", okA, okB, okC)
	}
	if err := slots.ReleaseSlot(ctx, "111111111100/ec2", a, "a"); err != nil {
		t.Fatal(err)
	}
	if _, ok := take("c", now); !ok {
		t.Error("a released slot was not free")
	}
	if _, ok := take("d", now.Add(30*time.Second)); ok {
		t.Error("a slot was taken while its holders' time was not up")
	}
	if _, ok := take("d", now.Add(2*time.Minute)); !ok {
		t.Error("a dead holder's slot stayed taken after its time was up")
	}
}

func TestScanInFlightSQLite(t *testing.T)   { testScanInFlight(t, openSQLite) }
func TestScanInFlightPostgres(t *testing.T) { testScanInFlight(t, openPostgres) }

// testScanInFlight: a scan by units that started before a time is in
// flight until saved, unless long past its deadline (its assembly given
// up); one that started after the time is not.
func testScanInFlight(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	defer st.Close()
	stg, fl := st.(scan.Staging), st.(scan.InFlight)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := stg.PlanScan(ctx, scan.Plan{ScanID: "s1", Source: "aws", Started: t0, Deadline: t0.Add(time.Hour)}, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		before, now time.Time
		want        bool
	}{
		{"started before", t0.Add(time.Minute), t0.Add(time.Minute), true},
		{"started after", t0, t0.Add(time.Minute), false},
		{"past its deadline, assembly retried", t0.Add(2 * time.Hour), t0.Add(2 * time.Hour), true},
		{"given up long ago", t0.Add(4 * time.Hour), t0.Add(4 * time.Hour), false},
	}
	for _, tc := range tests {
		got, err := fl.ScanInFlight(ctx, tc.before, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: in flight = %v, want %v", tc.name, got, tc.want)
		}
	}
	if err := stg.ScanSaved(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if got, err := fl.ScanInFlight(ctx, t0.Add(time.Minute), t0.Add(time.Minute)); err != nil || got {
		t.Errorf("saved scan in flight = %v, %v", got, err)
	}
}

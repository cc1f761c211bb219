package scan_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
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

func (e *countEval) Evaluate(_ context.Context, rs []inventory.Resource) ([]finding.Finding, error) {
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
	if _, err := u.Assemble(ctx, p.ScanID); !errors.As(err, &pending) || pending.Remaining != 2 {
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
	if _, err := u.Assemble(ctx, p.ScanID); !errors.As(err, &busy) {
		t.Fatalf("assembly while another runs: err = %v, want BusyError", err)
	}
	now = now.Add(2 * time.Minute) // the other replica's claim lapsed
	res, err := u.Assemble(ctx, p.ScanID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scan.Resources != 2 || len(res.Scan.Gaps()) != 2 {
		t.Errorf("saved %d resources with gaps %+v; want 2 and 2 (one throttled, one past the deadline)", res.Scan.Resources, res.Scan.Gaps())
	}
	if _, err := u.Unit(ctx, p.ScanID, "222222222222/a", false); err != nil {
		t.Fatalf("a unit read after its scan closed: %v", err)
	}
	if res, err := u.Assemble(ctx, p.ScanID); err != nil || res != nil {
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

package scan_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// liveSource is an estate of units (account/region/service), each with
// resources whose state a test changes between reads.
type liveSource struct {
	states    map[string]map[string]string // unit -> resource id -> state
	throttled bool
}

func (liveSource) Name() string { return "fake" }

func (s *liveSource) resources(unit string) []inventory.Resource {
	var rs []inventory.Resource
	for _, id := range slices.Sorted(maps.Keys(s.states[unit])) {
		rs = append(rs, inventory.Resource{ARN: "arn:aws:ec2:us-east-1:111111111111:volume/" + id, Account: "111111111111", Region: "us-east-1",
			Type: "AWS::EC2::Volume", ID: id, State: s.states[unit][id], Tags: inventory.TagsOf(map[string]string{"unit": unit})})
	}
	return rs
}

func (s *liveSource) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	c := &inventory.Collection{}
	for _, u := range s.Units() {
		c.Resources = append(c.Resources, s.resources(u)...)
		c.Coverage = append(c.Coverage, inventory.Coverage{Account: "111111111111", Region: "us-east-1", Service: u, OK: true})
	}
	return c, nil
}
func (s *liveSource) Units() []string       { return slices.Sorted(maps.Keys(s.states)) }
func (s *liveSource) HasUnit(u string) bool { return s.states[u] != nil }
func (s *liveSource) CollectUnit(_ context.Context, unit string) ([]byte, inventory.Coverage, error) {
	row := inventory.Coverage{Account: "111111111111", Region: "us-east-1", Service: unit, OK: !s.throttled}
	if s.throttled {
		row.ErrorKind, row.Error = "throttled", "Rate exceeded"
	}
	b, err := json.Marshal(s.resources(unit))
	return b, row, err
}
func (s *liveSource) Assemble(map[string][]byte, map[string]string) (*inventory.Collection, error) {
	return nil, errors.New("not used")
}

// Refresh replaces the resources tagged with a unit read again.
func (s *liveSource) Refresh(base *inventory.Collection, records map[string][]byte) (*inventory.Collection, error) {
	out := &inventory.Collection{Coverage: base.Coverage}
	for _, r := range base.Resources {
		if _, again := records[r.Tags.Value("unit")]; !again {
			out.Resources = append(out.Resources, r)
		}
	}
	for _, b := range records {
		var rs []inventory.Resource
		if err := json.Unmarshal(b, &rs); err != nil {
			return nil, err
		}
		out.Resources = append(out.Resources, rs...)
	}
	return out, nil
}

// badState finds every resource whose state is "bad".
type badState struct{}

func (badState) EvaluateSet(_ context.Context, rs []inventory.Resource) (*finding.Set, error) {
	var fs []finding.Finding
	for _, r := range rs {
		if r.State == "bad" {
			fs = append(fs, finding.Finding{Policy: "state-bad", ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, Severity: finding.High})
		}
	}
	return finding.SetOf(fs), nil
}

// TestRefresh: an event's unit read again is a new scan, the latest, with
// that unit's resources as they are now (a deleted one gone) and the
// others as the latest scan had them; the finding the change fixed is
// resolved by it and the resource's history says it changed there.
func TestRefresh(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	src := &liveSource{states: map[string]map[string]string{
		"a": {"vol-a1": "bad", "vol-a2": "ok"},
		"b": {"vol-b1": "bad"},
	}}
	u := &scan.Units{Source: src, Options: scan.Options{Source: src, Evaluator: badState{}, Saver: st, Now: func() time.Time { return now }}}

	// No scan yet: nothing to refresh, the first scan reads it.
	res, err := u.Refresh(ctx, []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Result != nil || !strings.Contains(res.Skipped["a"], "no scan yet") {
		t.Fatalf("refresh before any scan = %+v, want nothing saved", res)
	}

	base, err := scan.Run(ctx, u.Options)
	if err != nil {
		t.Fatal(err)
	}
	// The change: vol-a1 fixed, vol-a2 deleted; vol-b1 changed too, but
	// no event said so.
	src.states["a"] = map[string]string{"vol-a1": "ok"}
	src.states["b"]["vol-b1"] = "changed unseen"
	now = now.Add(time.Minute)

	res, err = u.Refresh(ctx, []string{"a", "a", "zzz"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Result == nil || res.Base != base.Scan.ID {
		t.Fatalf("refresh = %+v, want a scan on %s", res, base.Scan.ID)
	}
	if res.Skipped["zzz"] == "" || len(res.Skipped) != 1 {
		t.Errorf("skipped = %v, want zzz only", res.Skipped)
	}
	latest, err := st.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != res.Scan.ID || latest.Source != "event:fake" {
		t.Fatalf("latest scan = %s of %s, want the refresh's %s of event:fake", latest.ID, latest.Source, res.Scan.ID)
	}
	rs, err := st.Resources(ctx, latest.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rs {
		got[r.ID] = r.State
	}
	if want := map[string]string{"vol-a1": "ok", "vol-b1": "bad"}; !maps.Equal(got, want) {
		t.Errorf("resources = %v, want %v (a read again, b as the scan had it)", got, want)
	}
	resolved, err := st.ResolvedFindings(ctx, latest.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(resolved) != 1 || !strings.HasSuffix(resolved[0].ARN, "vol-a1") {
		t.Errorf("resolved = %v, want vol-a1's finding", resolved)
	}
	open, err := st.Findings(ctx, latest.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || !strings.HasSuffix(open[0].ARN, "vol-b1") || !open[0].FirstSeen.Equal(base.Scan.Started) {
		t.Errorf("open = %v, want vol-b1's, first seen at the first scan", open)
	}
	hist, err := st.ResourceHistory(ctx, "arn:aws:ec2:us-east-1:111111111111:volume/vol-a2")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hist); n != 2 || hist[1].Event != store.Disappeared || hist[1].ScanID != latest.ID {
		t.Errorf("history of the deleted volume = %+v, want it gone at the refresh", hist)
	}

	// A scan by units that started before the refresh and is still being
	// read would be saved before it in scan order: the refresh waits.
	stg := st.(scan.Staging)
	if err := stg.PlanScan(ctx, scan.Plan{ScanID: "full", Source: "fake", Started: now, Deadline: now.Add(time.Hour)}, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := u.Refresh(ctx, []string{"b"}); !errors.Is(err, scan.ErrScanInFlight) {
		t.Errorf("refresh while a scan is read: err = %v, want ErrScanInFlight", err)
	}
	if err := stg.ScanSaved(ctx, "full"); err != nil {
		t.Fatal(err)
	}

	// A throttled read keeps nothing and says to try again.
	src.throttled = true
	now = now.Add(time.Minute)
	if _, err := u.Refresh(ctx, []string{"b"}); !errors.Is(err, scan.ErrThrottled) {
		t.Errorf("throttled refresh: err = %v, want ErrThrottled", err)
	}
	if l, _ := st.LatestScan(ctx); l.ID != latest.ID {
		t.Errorf("a throttled refresh saved scan %s", l.ID)
	}
}

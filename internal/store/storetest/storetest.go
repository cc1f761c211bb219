// Package storetest is the conformance suite every store backend passes:
// the same expectations on scans, resource history, diffs and the finding
// lifecycle, run on SQLite always and on PostgreSQL when a DSN is given.
//
// It knows the store's interface only, never a backend's tables.
package storetest

import (
	"context"
	"errors"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// Opener returns a new, empty store; the suite closes it. Tests run in
// parallel, each with stores of its own.
type Opener func(t *testing.T) store.Store

// Run runs every conformance test against the backend open makes.
func Run(t *testing.T, open Opener) {
	t.Helper()
	tests := map[string]func(*testing.T, Opener){
		"Empty":             testEmpty,
		"RoundTrip":         testRoundTrip,
		"Scans":             testScans,
		"Rejects":           testRejects,
		"Lifecycle":         testLifecycle,
		"ResourceHistory":   testResourceHistory,
		"Diff":              testDiff,
		"DedupByHash":       testDedupByHash,
		"OutOfOrder":        testOutOfOrder,
		"Currency":          testCurrency,
		"DeliveryRoundTrip": testDeliveryRoundTrip,
		"DeliveryReplace":   testDeliveryReplace,
		"DeliveryRejects":   testDeliveryRejects,
		"Journal":           testJournal,
		"Overrides":         testOverrides,
		"FindingsSince":     testFindingsSince,
		"Leases":            testLeases,
		"FindingPages":      testFindingPages,
		"FindingPagesOrder": testFindingPagesOutOfOrder,
		"ResourcePages":     testResourcePages,
		"FindingKeyset":     testFindingKeyset,
		"Prune":             testPrune,
		"Notices":           testNotices,
		"SavePending":       testSavePending,
		"SavePendingLetsGo": testSavePendingLetsGo,
		"Messages":          testMessages,
	}
	// Each test has a store of its own (Opener returns a new, empty one).
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, open)
		})
	}
}

var base = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// at is the start of the i-th scan of a test: one a day.
func at(i int) time.Time { return base.Add(time.Duration(i) * 24 * time.Hour) }

func newStore(t *testing.T, open Opener) store.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func ok(account, region, service string) inventory.Coverage {
	return inventory.Coverage{Account: account, Region: region, Service: service, OK: true}
}

func gap(account, region, service string) inventory.Coverage {
	return inventory.Coverage{Account: account, Region: region, Service: service, ErrorKind: "access-denied", Error: "AccessDenied: not authorized"}
}

func scan(id string, i int, cov ...inventory.Coverage) *inventory.Scan {
	return &inventory.Scan{ID: id, Source: "test", Started: at(i), Finished: at(i).Add(time.Minute), Coverage: cov}
}

func instance(account, region, id string) inventory.Resource {
	return inventory.Resource{
		ARN: "arn:aws:ec2:" + region + ":" + account + ":instance/" + id, Account: account, Region: region,
		Type: "AWS::EC2::Instance", ID: id, State: "running",
	}
}

func find(policy string, r inventory.Resource) finding.Finding {
	return finding.Finding{
		Policy: policy, Title: policy, Category: finding.Waste, Severity: finding.High,
		ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, Name: r.Name,
		Message: policy + " on " + r.ID, Currency: "USD", MonthlyWaste: 12.5,
	}
}

func save(t *testing.T, s store.Store, sc *inventory.Scan, rs []inventory.Resource, fs []finding.Finding) []finding.Finding {
	t.Helper()
	out, err := s.SaveScan(context.Background(), sc, rs, fs)
	if err != nil {
		t.Fatalf("SaveScan(%s): %v", sc.ID, err)
	}
	checkIntegrity(t, s)
	return out
}

// checkIntegrity fails the test when the store has rows naming rows that
// do not exist (a store that can tell).
func checkIntegrity(t *testing.T, s store.Store) {
	t.Helper()
	if c, ok := s.(store.IntegrityChecker); ok {
		if err := c.CheckIntegrity(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// timeEqual compares times by instant: a store may return another location.
var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func testEmpty(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	calls := map[string]func() error{
		"LatestScan":       func() error { _, err := s.LatestScan(ctx); return err },
		"Scan":             func() error { _, err := s.Scan(ctx, "nope"); return err },
		"Resources":        func() error { _, err := s.Resources(ctx, "nope"); return err },
		"Findings":         func() error { _, err := s.Findings(ctx, "nope"); return err },
		"ResolvedFindings": func() error { _, err := s.ResolvedFindings(ctx, "nope"); return err },
		"ResourceHistory":  func() error { _, err := s.ResourceHistory(ctx, "arn:aws:ec2:x"); return err },
		"Diff":             func() error { _, err := s.Diff(ctx, "a", "b"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s on an empty store: err = %v, want ErrNotFound", name, err)
		}
	}
	scans, err := s.Scans(ctx, 0)
	if err != nil || len(scans) != 0 {
		t.Errorf("Scans on an empty store = %v, %v; want none", scans, err)
	}
}

func testRoundTrip(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	full := instance("111111111111", "ap-northeast-1", "i-full")
	full.Name = "web-1"
	full.Tags = inventory.TagsOf(map[string]string{"Name": "web-1", "env": "prod", "日本語": "タグ"})
	full.Created = time.Date(2024, 5, 1, 12, 30, 0, 123456789, time.UTC)
	full.Attrs = inventory.AttrsOf(map[string]any{
		"instance_type": "t3.micro", "public_ip": "", "nested": map[string]any{"list": []any{1.5, "x", true, nil}},
	})
	full.Relations = []inventory.Relation{{Kind: inventory.RelUsesSG, Target: "arn:sg/2"}, {Kind: inventory.RelInSubnet, Target: "arn:subnet/1"}}
	full.SetManagedBy(inventory.ManagedBy{Kind: "terraform", Ref: "aws_instance.web", Source: "s3://state"})
	full.SetCreator(&inventory.Creator{Principal: "arn:aws:iam::111111111111:user/alice", Via: "console", At: full.Created})
	full.MonthlyCost = 7.59
	bucket := inventory.Resource{ARN: "arn:aws:s3:::logs", Account: "111111111111", Type: "AWS::S3::Bucket", ID: "logs"}

	sc := scan("s1", 0,
		ok("111111111111", "ap-northeast-1", "ec2"),
		gap("111111111111", "us-east-1", "ec2"),
		ok("111111111111", "", "s3"))
	sc.APICalls = map[string]int{"ec2": 12, "s3": 3}
	f := find("ec2-idle", full)
	f.References = []string{"https://docs.aws.amazon.com/"}
	f.Actions = []string{"stop"}
	f.Messages = finding.Messages{JA: "ec2-idle（日本語）"}
	got := save(t, s, sc, []inventory.Resource{full, bucket}, []finding.Finding{f})

	wantF := f
	wantF.FirstSeen, wantF.LastSeen = at(0), at(0)
	if diff := cmp.Diff([]finding.Finding{wantF}, got, timeEqual); diff != "" {
		t.Errorf("SaveScan findings (-want +got):\n%s", diff)
	}

	wantScan := *sc
	wantScan.Resources = 2
	for name, read := range map[string]func() (*inventory.Scan, error){
		"Scan":       func() (*inventory.Scan, error) { return s.Scan(ctx, "s1") },
		"LatestScan": func() (*inventory.Scan, error) { return s.LatestScan(ctx) },
	} {
		gotScan, err := read()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(&wantScan, gotScan, timeEqual); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}

	gotRs, err := s.Resources(ctx, "s1")
	if err != nil {
		t.Fatalf("Resources: %v", err)
	}
	// Sorted by ARN: arn:aws:ec2 before arn:aws:s3.
	if diff := cmp.Diff([]inventory.Resource{full, bucket}, gotRs, timeEqual); diff != "" {
		t.Errorf("Resources (-want +got):\n%s", diff)
	}
	for i := range gotRs {
		want := []inventory.Resource{full, bucket}[i]
		if gotRs[i].Hash() != want.Hash() {
			t.Errorf("Resources[%d] %s: hash changed on the way through the store", i, want.ARN)
		}
	}

	gotF, err := s.Findings(ctx, "s1")
	if err != nil {
		t.Fatalf("Findings: %v", err)
	}
	if diff := cmp.Diff([]finding.Finding{wantF}, gotF, timeEqual); diff != "" {
		t.Errorf("Findings (-want +got):\n%s", diff)
	}
}

func testScans(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	for i, id := range []string{"a", "b", "c", "d"} {
		save(t, s, scan(id, i), nil, nil)
	}
	// Two scans may start at the same instant (a re-run); order is save order.
	save(t, s, scan("e", 3), nil, nil)
	tests := map[string]struct {
		limit int
		want  []string
	}{
		"all":        {0, []string{"e", "d", "c", "b", "a"}},
		"negative":   {-1, []string{"e", "d", "c", "b", "a"}},
		"two":        {2, []string{"e", "d"}},
		"more":       {10, []string{"e", "d", "c", "b", "a"}},
		"one latest": {1, []string{"e"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			scans, err := s.Scans(ctx, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, sc := range scans {
				ids = append(ids, sc.ID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("Scans(%d) ids (-want +got):\n%s", tc.limit, diff)
			}
		})
	}
}

func testRejects(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	r := instance("111111111111", "us-east-1", "i-1")
	save(t, s, scan("first", 5), []inventory.Resource{r}, []finding.Finding{find("p", r)})

	unknown := r
	unknown.ARN, unknown.Type = "arn:x", "AWS::Nope::Thing"
	tests := map[string]struct {
		scan *inventory.Scan
		rs   []inventory.Resource
		fs   []finding.Finding
	}{
		"nil scan":          {nil, nil, nil},
		"empty id":          {scan("", 6), nil, nil},
		"zero start":        {&inventory.Scan{ID: "z"}, nil, nil},
		"duplicate id":      {scan("first", 6), nil, nil},
		"duplicate arn":     {scan("dup", 6), []inventory.Resource{r, r}, nil},
		"unknown type":      {scan("unk", 6), []inventory.Resource{unknown}, nil},
		"duplicate finding": {scan("dupf", 6), []inventory.Resource{r}, []finding.Finding{find("p", r), find("p", r)}},
		"finding no policy": {scan("nop", 6), []inventory.Resource{r}, []finding.Finding{find("", r)}},
		"count mismatch":    {&inventory.Scan{ID: "cnt", Started: at(6), Resources: 3}, []inventory.Resource{r}, nil},
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	t.Run("canceled context", func(t *testing.T) {
		rs, fs := Estate(50, 0)
		if _, err := s.SaveScan(canceled, scan("late", 6), rs, fs); err == nil {
			t.Fatal("SaveScan with a canceled context succeeded")
		}
		if _, err := s.Scan(ctx, "late"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("scan of a canceled save: err = %v, want ErrNotFound", err)
		}
	})
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := s.SaveScan(ctx, tc.scan, tc.rs, tc.fs); err == nil {
				t.Fatalf("SaveScan accepted it")
			}
			latest, err := s.LatestScan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if latest.ID != "first" {
				t.Errorf("latest scan after a rejected save = %s, want first", latest.ID)
			}
			fs, err := s.Findings(ctx, "first")
			if err != nil || len(fs) != 1 || !fs[0].LastSeen.Equal(at(5)) {
				t.Errorf("findings after a rejected save = %v, %v; want p with last seen %v", fs, err, at(5))
			}
		})
	}
}

// testSavePendingLetsGo: SaveScanPending does not hold the resources once
// it has written them, so a caller that does not keep them has them
// collected before the findings are saved (at a million resources they
// are most of a scan's memory).
func testSavePendingLetsGo(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	rs, fs := Estate(40, 0)
	estate := weak.Make(&rs[0])
	given := finding.SetOf(fs)
	held := true
	if _, err := s.SaveScanPending(ctx, scan("letgo", 1), &rs, func() (*finding.Set, error) {
		runtime.GC()
		held = estate.Value() != nil
		return given, nil
	}); err != nil {
		t.Fatal(err)
	}
	if held {
		t.Error("the resources were still held when the findings were asked for, after they were written")
	}
	if rs != nil {
		t.Errorf("the caller's resources are %d after the save, want nil", len(rs))
	}
}

// testSavePending: SaveScanPending writes what SaveScan writes, reading
// the findings and the scan's finish only once its findings function
// returns; an error from that function leaves nothing stored and is
// returned as it is.
func testSavePending(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	rs, fs := Estate(40, 0)
	sc := scan("pending", 1)
	finished := sc.Finished
	sc.Finished = time.Time{}
	given := finding.SetOf(fs)
	written := rs
	out, err := s.SaveScanPending(ctx, sc, &written, func() (*finding.Set, error) {
		sc.Finished = finished
		return given, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkIntegrity(t, s)
	if out != given {
		t.Error("SaveScanPending returned a copy of the findings, want the set it was given with their times set")
	}
	all := out.All()
	if len(all) != len(fs) || !all[0].FirstSeen.Equal(at(1)) || !all[0].LastSeen.Equal(at(1)) {
		t.Errorf("SaveScanPending returned %d findings (first seen %v, last %v), want %d first and last seen %v", len(all), all[0].FirstSeen, all[0].LastSeen, len(fs), at(1))
	}
	got, err := s.Scan(ctx, "pending")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Finished.Equal(finished) {
		t.Errorf("finished = %v, want %v (set while the findings were worked out)", got.Finished, finished)
	}
	stored, err := s.Findings(ctx, "pending")
	if err != nil || len(stored) != len(fs) {
		t.Errorf("findings stored: %d, %v; want %d", len(stored), err, len(fs))
	}
	gotRs, err := s.Resources(ctx, "pending")
	if err != nil || len(gotRs) != len(rs) {
		t.Errorf("resources stored: %d, %v; want %d", len(gotRs), err, len(rs))
	}

	boom := errors.New("evaluation failed")
	rs2, _ := Estate(40, 1)
	if _, err := s.SaveScanPending(ctx, scan("failed", 2), &rs2, func() (*finding.Set, error) { return nil, boom }); !errors.Is(err, boom) || err.Error() != boom.Error() {
		t.Fatalf("SaveScanPending with a failing findings function: err = %v, want %v as it is", err, boom)
	}
	checkIntegrity(t, s)
	if _, err := s.Scan(ctx, "failed"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("scan of a failed save: err = %v, want ErrNotFound", err)
	}
	if gotRs, err := s.Resources(ctx, "pending"); err != nil || len(gotRs) != len(rs) {
		t.Errorf("resources of the scan before, after a failed save: %d, %v; want %d", len(gotRs), err, len(rs))
	}
	dup := []finding.Finding{fs[0], fs[0]}
	rs2, _ = Estate(40, 1) // the failed save let the first go once written
	if _, err := s.SaveScanPending(ctx, scan("dupf", 2), &rs2, func() (*finding.Set, error) { return finding.SetOf(dup), nil }); err == nil {
		t.Fatal("SaveScanPending accepted a finding twice")
	}
	if _, err := s.Scan(ctx, "dupf"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("scan of a rejected save: err = %v, want ErrNotFound", err)
	}

	// SaveScan sets the times in findings of its own: the caller's stay
	// as they were.
	rs3, fs3 := Estate(40, 2)
	out3, err := s.SaveScan(ctx, scan("copied", 3), rs3, fs3)
	if err != nil {
		t.Fatal(err)
	}
	if !fs3[0].FirstSeen.IsZero() || !fs3[0].LastSeen.IsZero() || !out3[0].LastSeen.Equal(at(3)) {
		t.Errorf("SaveScan: the caller's finding has first seen %v, last seen %v (want both zero); the one returned last seen %v, want %v",
			fs3[0].FirstSeen, fs3[0].LastSeen, out3[0].LastSeen, at(3))
	}
}

// seen is the part of a finding the lifecycle test checks.
type seen struct {
	Key         string
	First, Last time.Time
	Resolved    time.Time
}

func seenOf(fs []finding.Finding) []seen {
	out := []seen{}
	for _, f := range fs {
		s := seen{Key: f.Policy + " " + f.ARN, First: f.FirstSeen, Last: f.LastSeen}
		if f.ResolvedAt != nil {
			s.Resolved = *f.ResolvedAt
		}
		out = append(out, s)
	}
	return out
}

func testLifecycle(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	const acct = "111111111111"
	a := instance(acct, "us-east-1", "i-a")
	b := instance(acct, "eu-west-1", "i-b")
	full := []inventory.Coverage{ok(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2")}
	usGap := []inventory.Coverage{gap(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2")}
	globalGap := []inventory.Coverage{ok(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2"), gap(acct, "global", "iam")}
	ka, kb := "idle "+a.ARN, "idle "+b.ARN

	steps := []struct {
		id        string
		cov       []inventory.Coverage
		produce   []inventory.Resource
		wantOpen  []seen
		wantSolve []seen
	}{{
		id: "s0", cov: full, produce: []inventory.Resource{a, b},
		wantOpen: []seen{{Key: kb, First: at(0), Last: at(0)}, {Key: ka, First: at(0), Last: at(0)}},
	}, {
		id: "s1", cov: full, produce: []inventory.Resource{a},
		wantOpen:  []seen{{Key: ka, First: at(0), Last: at(1)}},
		wantSolve: []seen{{Key: kb, First: at(0), Last: at(0), Resolved: at(1)}},
	}, {
		// a is not produced, but us-east-1 could not be read: it stays
		// open with its old last seen. b comes back: a new episode.
		id: "s2", cov: usGap, produce: []inventory.Resource{b},
		wantOpen: []seen{{Key: kb, First: at(2), Last: at(2)}, {Key: ka, First: at(0), Last: at(1)}},
	}, {
		// A gap in a global service row hides every region of the account.
		id: "s3", cov: globalGap, produce: nil,
		wantOpen: []seen{{Key: kb, First: at(2), Last: at(2)}, {Key: ka, First: at(0), Last: at(1)}},
	}, {
		id: "s4", cov: full, produce: nil,
		wantSolve: []seen{{Key: kb, First: at(2), Last: at(2), Resolved: at(4)}, {Key: ka, First: at(0), Last: at(1), Resolved: at(4)}},
	}, {
		id: "s5", cov: full, produce: []inventory.Resource{a},
		wantOpen: []seen{{Key: ka, First: at(5), Last: at(5)}},
	}}
	for i, st := range steps {
		var fs []finding.Finding
		for _, r := range st.produce {
			fs = append(fs, find("idle", r))
		}
		got := save(t, s, scan(st.id, i, st.cov...), nil, fs)
		// SaveScan returns what the scan produced: the open findings seen now.
		var want []seen
		for _, w := range st.wantOpen {
			if w.Last.Equal(at(i)) {
				want = append(want, w)
			}
		}
		bykey := cmpopts.SortSlices(func(a, b seen) bool { return a.Key < b.Key })
		if diff := cmp.Diff(want, seenOf(got), timeEqual, bykey, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("SaveScan(%s) findings (-want +got):\n%s", st.id, diff)
		}
	}
	// Every scan is read back after all were saved: history is as of each scan.
	for _, st := range steps {
		open, err := s.Findings(ctx, st.id)
		if err != nil {
			t.Fatalf("Findings(%s): %v", st.id, err)
		}
		if diff := cmp.Diff(st.wantOpen, seenOf(open), timeEqual, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Findings(%s) (-want +got):\n%s", st.id, diff)
		}
		solved, err := s.ResolvedFindings(ctx, st.id)
		if err != nil {
			t.Fatalf("ResolvedFindings(%s): %v", st.id, err)
		}
		if diff := cmp.Diff(st.wantSolve, seenOf(solved), timeEqual, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ResolvedFindings(%s) (-want +got):\n%s", st.id, diff)
		}
	}

	// The body a finding had at each scan is kept: a later message does not
	// rewrite history.
	c := instance(acct, "us-east-1", "i-c")
	f1, f2 := find("cost", c), find("cost", c)
	f2.Message, f2.MonthlyWaste = "now bigger", 99
	save(t, s, scan("m1", 10, full...), nil, []finding.Finding{f1})
	save(t, s, scan("m2", 11, full...), nil, []finding.Finding{f2})
	for id, want := range map[string]string{"m1": f1.Message, "m2": f2.Message} {
		fs, err := s.Findings(ctx, id)
		if err != nil || len(fs) != 1 {
			t.Fatalf("Findings(%s) = %v, %v; want one", id, fs, err)
		}
		if fs[0].Message != want || !fs[0].FirstSeen.Equal(at(10)) {
			t.Errorf("Findings(%s) message %q first seen %v, want %q and %v", id, fs[0].Message, fs[0].FirstSeen, want, at(10))
		}
	}
}

func testResourceHistory(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	const acct = "111111111111"
	r := instance(acct, "us-east-1", "i-h")
	other := instance(acct, "eu-west-1", "i-o")
	changed := r
	changed.State = "stopped"
	full := []inventory.Coverage{ok(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2")}
	usGap := []inventory.Coverage{gap(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2")}

	steps := []struct {
		cov []inventory.Coverage
		rs  []inventory.Resource
	}{
		{full, []inventory.Resource{other}},    // 0: not there yet
		{full, []inventory.Resource{r, other}}, // 1: appears
		{full, []inventory.Resource{r}},        // 2: same
		{full, []inventory.Resource{changed}},  // 3: changes
		{usGap, nil},                           // 4: not looked at: no event
		{full, []inventory.Resource{changed}},  // 5: still the same
		{full, nil},                            // 6: gone
		{full, []inventory.Resource{r}},        // 7: back
	}
	ids := []string{"h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7"}
	for i, st := range steps {
		save(t, s, scan(ids[i], i, st.cov...), st.rs, nil)
	}
	want := []store.Version{
		{ScanID: "h1", At: at(1), Hash: r.Hash(), Event: store.Appeared},
		{ScanID: "h3", At: at(3), Hash: changed.Hash(), Event: store.Changed},
		{ScanID: "h6", At: at(6), Event: store.Disappeared},
		{ScanID: "h7", At: at(7), Hash: r.Hash(), Event: store.Appeared},
	}
	got, err := s.ResourceHistory(ctx, r.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Errorf("ResourceHistory (-want +got):\n%s", diff)
	}
	if _, err := s.ResourceHistory(ctx, "arn:aws:ec2:us-east-1:1:instance/never"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ResourceHistory of an unknown ARN: err = %v, want ErrNotFound", err)
	}
}

func testDiff(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	const acct = "111111111111"
	keep := instance(acct, "us-east-1", "i-keep")
	change := instance(acct, "us-east-1", "i-change")
	changed := change
	changed.Tags = inventory.TagsOf(map[string]string{"owner": "sre"})
	gone := instance(acct, "us-east-1", "i-gone")
	hidden := instance(acct, "eu-west-1", "i-hidden")
	added := instance(acct, "us-east-1", "i-added")
	save(t, s, scan("d1", 0, ok(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2")),
		[]inventory.Resource{keep, change, gone, hidden}, nil)
	save(t, s, scan("d2", 1, ok(acct, "us-east-1", "ec2"), gap(acct, "eu-west-1", "ec2")),
		[]inventory.Resource{keep, changed, added}, nil)

	tests := map[string]struct {
		from, to string
		want     store.Diff
	}{
		"forward": {"d1", "d2", store.Diff{From: "d1", To: "d2",
			Added: []string{added.ARN}, Changed: []string{changed.ARN}, Removed: []string{gone.ARN}, Hidden: []string{hidden.ARN}}},
		// Backwards, d1 read every region, so nothing is hidden.
		"backward": {"d2", "d1", store.Diff{From: "d2", To: "d1",
			Added: []string{hidden.ARN, gone.ARN}, Changed: []string{changed.ARN}, Removed: []string{added.ARN}}},
		"same": {"d1", "d1", store.Diff{From: "d1", To: "d1"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := s.Diff(ctx, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Diff(%s, %s) (-want +got):\n%s", tc.from, tc.to, diff)
			}
		})
	}
	if _, err := s.Diff(ctx, "d1", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Diff to an unknown scan: err = %v, want ErrNotFound", err)
	}
}

// testDedupByHash saves the same estate twice and one change: each scan
// reads back its own version of every resource.
func testDedupByHash(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	rs0, fs0 := Estate(300, 0)
	rs1, fs1 := Estate(300, 1)
	save(t, s, scan("g0", 0), rs0, fs0)
	save(t, s, scan("g1", 1), rs0, fs0)
	save(t, s, scan("g2", 2), rs1, fs1)
	for id, want := range map[string][]inventory.Resource{"g0": rs0, "g1": rs0, "g2": rs1} {
		got, err := s.Resources(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, timeEqual, cmpopts.SortSlices(func(a, b inventory.Resource) bool { return a.ARN < b.ARN })); diff != "" {
			t.Errorf("Resources(%s) (-want +got):\n%s", id, diff)
		}
	}
	d, err := s.Diff(ctx, "g1", "g2")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changed) != 3 || len(d.Added)+len(d.Removed) != 0 {
		t.Errorf("Diff(g1, g2) = %d changed, %d added, %d removed; want 3 changed (one in a hundred)", len(d.Changed), len(d.Added), len(d.Removed))
	}
	fs, err := s.Findings(ctx, "g2")
	if err != nil || len(fs) != len(fs1) {
		t.Errorf("Findings(g2) = %d, %v; want %d", len(fs), err, len(fs1))
	}
}

// testCurrency: a scan and its findings keep the currency their amounts
// were converted into and the rate used, so a later reader under another
// currency can convert them; a scan saved under USD does not pick up the
// yen of the one before it.
func testCurrency(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	r := instance("111111111111", "ap-northeast-1", "i-yen")
	yen := scan("yen", 0, ok("111111111111", "ap-northeast-1", "ec2"))
	yen.Currency, yen.Rate = "JPY", 151.25
	f := find("ebs-unattached", r)
	f.MonthlyWaste, f.Currency, f.Rate = 1891, "JPY", 151.25
	save(t, s, yen, []inventory.Resource{r}, []finding.Finding{f})

	dollars := scan("usd", 1, ok("111111111111", "ap-northeast-1", "ec2"))
	dollars.Currency, dollars.Rate = "USD", 1
	g := f
	g.MonthlyWaste, g.Currency, g.Rate = 12.5, "USD", 1
	save(t, s, dollars, []inventory.Resource{r}, []finding.Finding{g})

	for _, tc := range []struct {
		id       string
		currency string
		rate     float64
		waste    float64
	}{{"yen", "JPY", 151.25, 1891}, {"usd", "USD", 1, 12.5}} {
		sc, err := s.Scan(ctx, tc.id)
		if err != nil {
			t.Fatalf("Scan %s: %v", tc.id, err)
		}
		if sc.Currency != tc.currency || sc.Rate != tc.rate {
			t.Errorf("scan %s: currency %q rate %v, want %q %v", tc.id, sc.Currency, sc.Rate, tc.currency, tc.rate)
		}
		fs, err := s.Findings(ctx, tc.id)
		if err != nil {
			t.Fatalf("Findings %s: %v", tc.id, err)
		}
		if len(fs) != 1 || fs[0].Currency != tc.currency || fs[0].Rate != tc.rate || fs[0].MonthlyWaste != tc.waste {
			t.Errorf("findings of %s = %+v, want one of %v %s at rate %v", tc.id, fs, tc.waste, tc.currency, tc.rate)
		}
	}
}

// checkCountSince checks that CountSince counts what FindingsSince lists.
func checkCountSince(t *testing.T, s store.Store, scanID string, since store.Since) {
	t.Helper()
	got, err := store.CountSince(context.Background(), s, scanID)
	if err != nil {
		t.Fatalf("CountSince(%s): %v", scanID, err)
	}
	want := store.Changes{Previous: since.Previous, New: len(since.New), Resolved: len(since.Resolved)}
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Errorf("CountSince(%s) differs from FindingsSince counted (-want +got):\n%s", scanID, diff)
	}
}

func mustSince(t *testing.T, s store.Store, scanID string) store.Since {
	t.Helper()
	since, err := store.FindingsSince(context.Background(), s, scanID)
	if err != nil {
		t.Fatalf("FindingsSince(%s): %v", scanID, err)
	}
	return since
}

// FindingsSince compares with the previous complete scan: a partial scan
// in between is no baseline, a finding resolved and back again is open,
// and the first scan makes everything new.
func testFindingsSince(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	a, b, c, d := instance("1", "r1", "i-a"), instance("1", "r1", "i-b"), instance("1", "r1", "i-c"), instance("1", "r1", "i-d")
	rs := []inventory.Resource{a, b, c, d}
	cov := ok("1", "r1", "ec2")
	save(t, s, scan("s1", 1, cov), rs, []finding.Finding{find("p", a), find("p", b), find("p", c)})
	first, err := store.FindingsSince(ctx, s, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if first.Previous != nil || len(first.New) != 3 || len(first.Resolved) != 0 {
		t.Errorf("first scan: previous %v, %d new, %d resolved; want none, 3, 0", first.Previous, len(first.New), len(first.Resolved))
	}
	checkCountSince(t, s, "s1", first)
	// s2 is partial (another region failed): b is resolved there, c too.
	save(t, s, scan("s2", 2, cov, gap("1", "r2", "ec2")), rs, []finding.Finding{find("p", a)})
	// s3 is complete: c is back, d is new; b stays resolved.
	save(t, s, scan("s3", 3, cov), rs, []finding.Finding{find("p", a), find("p", c), find("p", d)})
	got, err := store.FindingsSince(ctx, s, "s3")
	if err != nil {
		t.Fatal(err)
	}
	keys := func(fs []finding.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ARN[strings.LastIndex(f.ARN, "/")+1:])
		}
		sort.Strings(out)
		return out
	}
	if got.Previous == nil || got.Previous.ID != "s1" {
		t.Fatalf("previous = %v, want s1 (s2 is partial)", got.Previous)
	}
	checkCountSince(t, s, "s3", got)
	checkCountSince(t, s, "s2", mustSince(t, s, "s2"))
	// c came back after being resolved in s2: a new episode, so new.
	if diff := cmp.Diff([]string{"i-c", "i-d"}, keys(got.New)); diff != "" {
		t.Errorf("new (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"i-b"}, keys(got.Resolved)); diff != "" {
		t.Errorf("resolved (-want +got):\n%s", diff)
	}
	if len(got.Resolved) == 1 && (got.Resolved[0].ResolvedAt == nil || !got.Resolved[0].ResolvedAt.Equal(at(2))) {
		t.Errorf("resolved at %v, want %v (the partial scan that resolved it)", got.Resolved[0].ResolvedAt, at(2))
	}
	if _, err := store.FindingsSince(ctx, s, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FindingsSince(nope) error = %v, want ErrNotFound", err)
	}
}

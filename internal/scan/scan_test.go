package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

type fakeSource struct {
	c   *inventory.Collection
	err error
}

func (fakeSource) Name() string { return "fake" }
func (s fakeSource) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	return s.c, s.err
}

type evalFunc func([]inventory.Resource) ([]finding.Finding, error)

func (f evalFunc) EvaluateSet(_ context.Context, rs []inventory.Resource) (*finding.Set, error) {
	fs, err := f(rs)
	if err != nil {
		return nil, err
	}
	return finding.SetOf(fs), nil
}

type fakeSaver struct {
	saved  *inventory.Scan
	latest *inventory.Scan // what LatestScan says; the saved scan when nil
	err    error
}

func (s *fakeSaver) LatestScan(context.Context) (*inventory.Scan, error) {
	if s.latest != nil {
		return s.latest, nil
	}
	return s.saved, nil
}

func (s *fakeSaver) SaveScan(_ context.Context, sc *inventory.Scan, _ []inventory.Resource, fs []finding.Finding) ([]finding.Finding, error) {
	if s.err != nil {
		return nil, s.err
	}
	s.saved = sc
	out := append([]finding.Finding(nil), fs...)
	for i := range out {
		out[i].FirstSeen = sc.Started
	}
	return out, nil
}

func vol(arn string) inventory.Resource {
	return inventory.Resource{ARN: arn, Account: "111111111111", Region: "ap-northeast-1", Type: "AWS::EC2::Volume", ID: arn}
}

func TestRun(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	clock := []time.Time{t0, t0.Add(3 * time.Second)}
	now := func() time.Time { t := clock[0]; clock = clock[1:]; return t }
	cov := []inventory.Coverage{{Account: "111111111111", Region: "ap-northeast-1", Service: "ec2", OK: true, Resources: 2},
		{Account: "111111111111", Region: "ap-northeast-1", Service: "s3", Error: "AccessDenied", ErrorKind: "access-denied"}}
	src := fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{vol("a"), vol("b")}, Coverage: cov, APICalls: map[string]int{"ec2": 3}}}
	eval := evalFunc(func(rs []inventory.Resource) ([]finding.Finding, error) {
		return []finding.Finding{{Policy: "p", ARN: rs[1].ARN}}, nil
	})
	saver := &fakeSaver{}
	res, err := Run(context.Background(), Options{Source: src, Evaluator: eval, Saver: saver, Now: now,
		NewID: func(t time.Time) string { return "id-" + t.Format("150405") }})
	if err != nil {
		t.Fatal(err)
	}
	want := &inventory.Scan{ID: "id-010000", Source: "fake", Started: t0, Finished: t0.Add(3 * time.Second),
		Coverage: cov, APICalls: map[string]int{"ec2": 3}, Resources: 2}
	if diff := cmp.Diff(want, res.Scan); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
	if saver.saved != res.Scan {
		t.Error("the saved scan is not the returned one")
	}
	if len(res.Findings()) != 1 || res.Findings()[0].ARN != "b" || !res.Findings()[0].FirstSeen.Equal(t0) {
		t.Errorf("findings = %+v, want the saver's (first seen set)", res.Findings())
	}
	if res.Scan.Complete() {
		t.Error("a scan with a gap must not be complete")
	}
}

func TestRunNothingSavedOnFailure(t *testing.T) {
	ok := evalFunc(func([]inventory.Resource) ([]finding.Finding, error) { return nil, nil })
	good := &inventory.Collection{Resources: []inventory.Resource{vol("a")}}
	tests := map[string]struct {
		src       inventory.Source
		eval      Evaluator
		inputErr  bool
		errSubstr string
	}{
		"collect fails":  {src: fakeSource{err: errors.New("no credentials")}, eval: ok, errSubstr: "collect from fake: no credentials"},
		"unknown type":   {src: fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{{ARN: "x", Account: "1", Type: "AWS::Nope::Thing"}}}}, eval: ok, inputErr: true, errSubstr: `unknown resource type "AWS::Nope::Thing"`},
		"duplicate arn":  {src: fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{vol("a"), vol("a")}}}, eval: ok, inputErr: true, errSubstr: "a appears twice"},
		"evaluate fails": {src: fakeSource{c: good}, eval: evalFunc(func([]inventory.Resource) ([]finding.Finding, error) { return nil, errors.New("boom") }), errSubstr: "evaluate policies: boom"},
	}
	for name, tc := range tests {
		for _, pending := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/pending=%v", name, pending), func(t *testing.T) {
				fake := &fakeSaver{}
				var saver Saver = fake
				if pending {
					saver = &pendingSaver{fakeSaver: fake}
				}
				_, err := Run(context.Background(), Options{Source: tc.src, Evaluator: tc.eval, Saver: saver})
				if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
					t.Fatalf("error = %v, want %q", err, tc.errSubstr)
				}
				var ie *InputError
				if errors.As(err, &ie) != tc.inputErr {
					t.Errorf("InputError = %v, want %v", errors.As(err, &ie), tc.inputErr)
				}
				if fake.saved != nil {
					t.Error("nothing may be saved when a stage fails")
				}
			})
		}
	}
}

// pendingSaver is a PendingSaver: it "writes the resources" (closes
// writing), fails there with failResources, else lets the resources go,
// waits for the findings and saves them as fakeSaver does.
type pendingSaver struct {
	*fakeSaver
	failResources error
	writing       chan struct{}
	// written is shown the resources; letGo is called once they are let
	// go and the findings are in.
	written func([]inventory.Resource)
	letGo   func()
}

func (s *pendingSaver) SaveScanPending(ctx context.Context, sc *inventory.Scan, rs *[]inventory.Resource, findings func() (*finding.Set, error)) (*finding.Set, error) {
	if s.writing != nil {
		close(s.writing)
	}
	if s.failResources != nil {
		return nil, s.failResources
	}
	if s.written != nil {
		s.written(*rs)
	}
	*rs = nil
	set, err := findings()
	if err != nil {
		return nil, err
	}
	if s.letGo != nil {
		s.letGo()
	}
	if _, err := s.SaveScan(ctx, sc, nil, nil); err != nil {
		return nil, err
	}
	set.Seen(func(int) int64 { return sc.Started.UnixNano() }, sc.Started)
	return set, nil
}

type ctxEval func(context.Context, []inventory.Resource) ([]finding.Finding, error)

func (f ctxEval) EvaluateSet(ctx context.Context, rs []inventory.Resource) (*finding.Set, error) {
	fs, err := f(ctx, rs)
	if err != nil {
		return nil, err
	}
	return finding.SetOf(fs), nil
}

// TestRunEvaluatesWhileSaving: with a PendingSaver the resources are
// written while the policies run, and the findings saved once they are
// done, with the scan's finish time after the evaluation.
func TestRunEvaluatesWhileSaving(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	clock := []time.Time{t0, t0.Add(3 * time.Second)}
	now := func() time.Time { t := clock[0]; clock = clock[1:]; return t }
	src := fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{vol("a"), vol("b")}}}
	saver := &pendingSaver{fakeSaver: &fakeSaver{}, writing: make(chan struct{})}
	eval := ctxEval(func(ctx context.Context, rs []inventory.Resource) ([]finding.Finding, error) {
		select {
		case <-saver.writing:
		case <-time.After(10 * time.Second):
			return nil, errors.New("the resources were not being saved while the policies ran")
		}
		return []finding.Finding{{Policy: "p", ARN: rs[1].ARN}}, nil
	})
	res, err := Run(context.Background(), Options{Source: src, Evaluator: eval, Saver: saver, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if saver.saved != res.Scan || !res.Scan.Finished.Equal(t0.Add(3*time.Second)) {
		t.Errorf("saved %+v, want the scan finished after its evaluation", saver.saved)
	}
	if len(res.Findings()) != 1 || res.Findings()[0].ARN != "b" || !res.Findings()[0].FirstSeen.Equal(t0) {
		t.Errorf("findings = %+v, want the saver's", res.Findings())
	}
}

// TestRunLetsResourcesGo: with a PendingSaver the resources are held
// by nothing of the scan's once the saver has let them go and the
// policies have run, so they are collected while the findings are saved;
// KeepResources keeps them in the Result for a caller that reads them.
func TestRunLetsResourcesGo(t *testing.T) {
	for name, keep := range map[string]bool{"let go": false, "kept": true} {
		t.Run(name, func(t *testing.T) {
			src := fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{vol("a"), vol("b")}}}
			var estate weak.Pointer[inventory.Resource]
			held := false
			saver := &pendingSaver{fakeSaver: &fakeSaver{},
				written: func(rs []inventory.Resource) { estate = weak.Make(&rs[0]) },
				letGo:   func() { runtime.GC(); held = estate.Value() != nil },
			}
			eval := evalFunc(func(rs []inventory.Resource) ([]finding.Finding, error) {
				return []finding.Finding{{Policy: "p", ARN: rs[1].ARN}}, nil
			})
			res, err := Run(context.Background(), Options{Source: src, Evaluator: eval, Saver: saver, KeepResources: keep})
			if err != nil {
				t.Fatal(err)
			}
			if held != keep {
				t.Errorf("resources held while the findings were saved: %v, want %v", held, keep)
			}
			if want := map[bool]int{false: 0, true: 2}[keep]; len(res.Resources) != want {
				t.Errorf("result has %d resources, want %d", len(res.Resources), want)
			}
			if len(res.Findings()) != 1 || res.Findings()[0].ARN != "b" {
				t.Errorf("findings = %+v, want p on b", res.Findings())
			}
		})
	}
}

// TestRunSaveFailsWhileEvaluating: a save that fails before it needs the
// findings stops the evaluation, which has ended when Run returns, and
// its error is the one returned.
func TestRunSaveFailsWhileEvaluating(t *testing.T) {
	src := fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{vol("a")}}}
	saver := &pendingSaver{fakeSaver: &fakeSaver{}, failResources: errors.New("disk full")}
	ended := make(chan struct{})
	eval := ctxEval(func(ctx context.Context, rs []inventory.Resource) ([]finding.Finding, error) {
		defer close(ended)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, errors.New("the evaluation was not stopped")
		}
	})
	_, err := Run(context.Background(), Options{Source: src, Evaluator: eval, Saver: saver})
	if err == nil || !strings.Contains(err.Error(), "save scan: disk full") {
		t.Fatalf("error = %v, want the save's", err)
	}
	select {
	case <-ended:
	default:
		t.Error("Run returned while the evaluation still ran")
	}
	if saver.saved != nil {
		t.Error("nothing may be saved when the save fails")
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	a := NewID(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	b := NewID(time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC))
	if !strings.HasPrefix(a, "20260102T030405Z-") || a >= b {
		t.Errorf("ids %q, %q must sort by time", a, b)
	}
}

type enrichFunc func(*inventory.Collection) ([]finding.Finding, error)

func (f enrichFunc) Enrich(_ context.Context, c *inventory.Collection) ([]finding.Finding, error) {
	return f(c)
}

func TestRunEnrichersSeeResourcesBeforePolicies(t *testing.T) {
	src := fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{vol("a")}}}
	tagManaged := enrichFunc(func(c *inventory.Collection) ([]finding.Finding, error) {
		c.Resources[0].SetManagedBy(inventory.ManagedBy{Kind: "terraform", Ref: "aws_ebs_volume.a"})
		c.Coverage = append(c.Coverage, inventory.Coverage{Service: "iac", Error: "state s3://x unreadable"})
		return []finding.Finding{{Policy: "iac-extra", ARN: "a"}}, nil
	})
	var seen string
	eval := evalFunc(func(rs []inventory.Resource) ([]finding.Finding, error) {
		seen = rs[0].ManagedBy().Kind
		return []finding.Finding{{Policy: "p", ARN: "a"}}, nil
	})
	res, err := Run(context.Background(), Options{Source: src, Enrichers: []Enricher{tagManaged}, Evaluator: eval})
	if err != nil {
		t.Fatal(err)
	}
	if seen != "terraform" {
		t.Errorf("policies saw managed-by %q, want the enricher's", seen)
	}
	if len(res.Findings()) != 2 || res.Findings()[1].Policy != "iac-extra" {
		t.Errorf("findings = %+v, want the policy's and the enricher's", res.Findings())
	}
	if res.Scan.Complete() {
		t.Error("an enricher's gap must make the scan partial")
	}
}

// TestRunNewerScan: when a scan that started later was saved while this one
// ran, the result says which, so the user learns that this scan is kept as
// history and is not what `findings` shows.
func TestRunNewerScan(t *testing.T) {
	src := fakeSource{c: &inventory.Collection{Resources: []inventory.Resource{vol("a")}}}
	eval := evalFunc(func([]inventory.Resource) ([]finding.Finding, error) { return nil, nil })
	newer := &inventory.Scan{ID: "newer"}
	tests := map[string]struct {
		latest *inventory.Scan
		want   *inventory.Scan
	}{
		"this is the latest": {latest: nil, want: nil},
		"a newer one exists": {latest: newer, want: newer},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := Run(context.Background(), Options{Source: src, Evaluator: eval, Saver: &fakeSaver{latest: tc.latest}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Newer != tc.want {
				t.Errorf("Newer = %v, want %v", res.Newer, tc.want)
			}
		})
	}
}

package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// SeriesScan is one scan of a Series: what it saw and what it produced.
type SeriesScan struct {
	Scan      *inventory.Scan
	Resources []inventory.Resource
	Findings  []finding.Finding
}

// Series makes n scans of a small estate, one a day, where resources come
// and go, findings open, change message, resolve and come back, and regions
// sometimes cannot be read. The same seed gives the same scans, so separate
// processes can each save one of them.
func Series(seed uint64, n int) []SeriesScan {
	return series(rand.New(rand.NewPCG(seed, 2)), n)
}

func series(rng *rand.Rand, n int) []SeriesScan {
	const acct = "111111111111"
	regions := []string{"us-east-1", "eu-west-1"}
	var pool []inventory.Resource
	for i := range 4 {
		pool = append(pool, instance(acct, regions[i%2], fmt.Sprintf("i-%d", i)))
	}
	out := make([]SeriesScan, n)
	for i := range out {
		var cov []inventory.Coverage
		for _, region := range regions {
			if rng.IntN(4) == 0 {
				cov = append(cov, gap(acct, region, "ec2"))
			} else {
				cov = append(cov, ok(acct, region, "ec2"))
			}
		}
		sc := SeriesScan{Scan: scan(fmt.Sprintf("o%d", i), i, cov...)}
		for _, r := range pool {
			if !sc.Scan.Covered(r.Account, r.Region) || rng.IntN(4) == 0 {
				continue
			}
			if rng.IntN(3) == 0 {
				r.State = "stopped"
			}
			sc.Resources = append(sc.Resources, r)
			for _, policy := range []string{"idle", "untagged"} {
				if rng.IntN(2) == 0 {
					f := find(policy, r)
					f.Message = fmt.Sprintf("%s on %s, state %s", policy, r.ID, r.State)
					sc.Findings = append(sc.Findings, f)
				}
			}
		}
		out[i] = sc
	}
	return out
}

// testOutOfOrder saves the same scans in start order into one store and in
// other orders into others (two runs overlapped and the one that started
// first was saved last): every store must then say the same thing. The
// scans are placed by start time; first seen, last seen and resolved are
// what saving them in start order gives.
func testOutOfOrder(t *testing.T, open Opener) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	scans := series(rng, 6)
	want := newStore(t, open)
	for _, sc := range scans {
		save(t, want, sc.Scan, sc.Resources, sc.Findings)
	}
	orders := [][]int{{5, 4, 3, 2, 1, 0}, {0, 2, 1, 3, 5, 4}, {1, 2, 3, 4, 5, 0}}
	for range 5 {
		orders = append(orders, rng.Perm(len(scans)))
	}
	for _, order := range orders {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			t.Parallel()
			got := newStore(t, open)
			var last []finding.Finding
			for _, i := range order {
				last = save(t, got, scans[i].Scan, scans[i].Resources, scans[i].Findings)
			}
			// The last scan saved has every scan before it in place: what
			// SaveScan returned is what the store says of it.
			lastID := scans[order[len(order)-1]].Scan.ID
			wantLast, err := want.Findings(ctx, lastID)
			if err != nil {
				t.Fatal(err)
			}
			byKey := cmpopts.SortSlices(func(a, b finding.Finding) bool { return a.Key() < b.Key() })
			if diff := cmp.Diff(onlyProduced(wantLast, scans[order[len(order)-1]].Scan), last, timeEqual, byKey, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("SaveScan(%s) findings (-in order +out of order):\n%s", lastID, diff)
			}
			SameHistory(t, want, got, scans)
		})
	}
}

// onlyProduced keeps the findings a scan produced (last seen at its start),
// not those carried through a gap.
func onlyProduced(fs []finding.Finding, sc *inventory.Scan) []finding.Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f finding.Finding) bool { return !f.LastSeen.Equal(sc.Started) })
}

// SameHistory fails the test unless two stores holding the scans of a
// series say the same of every scan and resource: scans in the same order,
// the same latest scan, findings open and resolved with the same times,
// the same resources and resource histories.
func SameHistory(t *testing.T, want, got store.Store, scans []SeriesScan) {
	t.Helper()
	ctx := context.Background()
	reads := map[string]func(s store.Store) (any, error){
		"Scans": func(s store.Store) (any, error) { return s.Scans(ctx, 0) },
		"LatestScan": func(s store.Store) (any, error) {
			sc, err := s.LatestScan(ctx)
			return sc.ID, err
		},
	}
	for _, sc := range scans {
		id := sc.Scan.ID
		reads["Findings("+id+")"] = func(s store.Store) (any, error) { return s.Findings(ctx, id) }
		reads["ResolvedFindings("+id+")"] = func(s store.Store) (any, error) { return s.ResolvedFindings(ctx, id) }
		reads["Resources("+id+")"] = func(s store.Store) (any, error) { return s.Resources(ctx, id) }
		for _, r := range sc.Resources {
			arn := r.ARN
			reads["ResourceHistory("+arn+")"] = func(s store.Store) (any, error) { return s.ResourceHistory(ctx, arn) }
		}
	}
	for name, read := range reads {
		w, err := read(want)
		if err != nil {
			t.Fatalf("%s in start order: %v", name, err)
		}
		g, err := read(got)
		if err != nil {
			t.Fatalf("%s out of order: %v", name, err)
		}
		if diff := cmp.Diff(w, g, timeEqual, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-in order +out of order):\n%s", name, diff)
		}
	}
}

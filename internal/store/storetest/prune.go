package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// pruneEstate saves eight daily scans, p0 ... p7, in which a resource
// appears, changes, is hidden by a gap, goes and comes back, and findings
// open, stay open, resolve and are carried through the gap. It returns
// the two resources whose history the test follows.
func pruneEstate(t *testing.T, s store.Store) (r, stay inventory.Resource) {
	t.Helper()
	const acct = "111111111111"
	r = instance(acct, "us-east-1", "i-h")
	stay = instance(acct, "eu-west-1", "i-stay")
	changed := r
	changed.State = "stopped"
	full := []inventory.Coverage{ok(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2")}
	usGap := []inventory.Coverage{gap(acct, "us-east-1", "ec2"), ok(acct, "eu-west-1", "ec2")}
	steps := []struct {
		cov []inventory.Coverage
		rs  []inventory.Resource
		fs  []string // policies on stay; "p-r" is on r
	}{
		{full, []inventory.Resource{stay}, []string{"p-open"}},
		{full, []inventory.Resource{r, stay}, []string{"p-open", "p-short", "p-r"}},
		{full, []inventory.Resource{r, stay}, []string{"p-open", "p-short", "p-late", "p-r"}},
		{full, []inventory.Resource{changed, stay}, []string{"p-open", "p-late", "p-r"}},
		{usGap, []inventory.Resource{stay}, []string{"p-open", "p-late"}}, // p-r carried
		{full, []inventory.Resource{changed, stay}, []string{"p-open", "p-late", "p-r"}},
		{full, []inventory.Resource{stay}, []string{"p-open"}}, // r gone, p-late and p-r resolved
		{full, []inventory.Resource{r, stay}, []string{"p-open", "p-r"}},
	}
	for i, st := range steps {
		var fs []finding.Finding
		for _, p := range st.fs {
			on := stay
			if p == "p-r" {
				on = st.rs[0]
			}
			fs = append(fs, find(p, on))
		}
		save(t, s, scan(fmt.Sprintf("p%d", i), i, st.cov...), st.rs, fs)
	}
	return r, stay
}

// storeView is what a reader sees of the scans a prune keeps.
type storeView struct {
	History  map[string][]store.Version
	Findings map[string][]finding.Finding
	Resolved map[string][]finding.Finding
	Scans    []string
}

func viewOf(t *testing.T, s store.Store, arns []string, scanIDs []string) storeView {
	t.Helper()
	ctx := context.Background()
	v := storeView{History: map[string][]store.Version{}, Findings: map[string][]finding.Finding{}, Resolved: map[string][]finding.Finding{}}
	for _, arn := range arns {
		h, err := s.ResourceHistory(ctx, arn)
		if err != nil {
			t.Fatalf("ResourceHistory(%s): %v", arn, err)
		}
		v.History[arn] = h
	}
	for _, id := range scanIDs {
		fs, err := s.Findings(ctx, id)
		if err != nil {
			t.Fatalf("Findings(%s): %v", id, err)
		}
		v.Findings[id] = fs
		rs, err := s.ResolvedFindings(ctx, id)
		if err != nil {
			t.Fatalf("ResolvedFindings(%s): %v", id, err)
		}
		v.Resolved[id] = rs
	}
	scans, err := s.Scans(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(scans) - 1; i >= 0; i-- {
		v.Scans = append(v.Scans, scans[i].ID)
	}
	return v
}

func testPrune(t *testing.T, open Opener) {
	now := at(7).Add(time.Hour)
	tests := map[string]struct {
		keep []store.Retention // pruned in turn
		now  time.Time
		kept []string
	}{
		"by count":        {keep: []store.Retention{{Scans: 3}}, now: now, kept: []string{"p5", "p6", "p7"}},
		"by age":          {keep: []store.Retention{{Days: 2}}, now: now, kept: []string{"p6", "p7"}},
		"either keeps":    {keep: []store.Retention{{Scans: 3, Days: 2}}, now: now, kept: []string{"p5", "p6", "p7"}},
		"twice":           {keep: []store.Retention{{Scans: 6}, {Scans: 2}}, now: now, kept: []string{"p6", "p7"}},
		"latest survives": {keep: []store.Retention{{Days: 1}}, now: at(30), kept: []string{"p7"}},
		"nothing to do":   {keep: []store.Retention{{Scans: 100}}, now: now, kept: []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}},
		"off":             {keep: []store.Retention{{}}, now: now, kept: []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t, open)
			r, stay := pruneEstate(t, s)
			arns := []string{r.ARN, stay.ARN}
			before := viewOf(t, s, arns, tc.kept)
			before.Scans = tc.kept

			// A dry run says what the real one does, and changes nothing.
			all := viewOf(t, s, arns, nil)
			dry, err := s.Prune(ctx, tc.keep[len(tc.keep)-1], tc.now, true)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if diff := cmp.Diff(all, viewOf(t, s, arns, nil)); diff != "" {
				t.Errorf("a dry run changed the store (-before +after):\n%s", diff)
			}

			var res store.PruneResult
			for _, keep := range tc.keep {
				if res, err = s.Prune(ctx, keep, tc.now, false); err != nil {
					t.Fatalf("Prune(%+v): %v", keep, err)
				}
				checkIntegrity(t, s)
			}
			if len(tc.keep) == 1 && !tc.keep[0].Off() {
				if diff := cmp.Diff(dry.Scans, res.Scans); diff != "" {
					t.Errorf("dry run and prune disagree on the scans (-dry +real):\n%s", diff)
				}
			}
			after := viewOf(t, s, arns, tc.kept)
			if diff := cmp.Diff(before, after, timeEqual); diff != "" {
				t.Errorf("the kept scans read differently after the prune (-before +after):\n%s", diff)
			}
			if len(tc.kept) == 8 {
				return
			}
			if !res.KeptFrom.Equal(at(int(tc.kept[0][1] - '0'))) {
				t.Errorf("KeptFrom = %s, want the start of %s", res.KeptFrom, tc.kept[0])
			}
			// The scans that went are gone whole.
			if _, err := s.Resources(ctx, "p0"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Resources of a pruned scan: err = %v, want ErrNotFound", err)
			}
			// Every version history names is still readable.
			for _, arn := range arns {
				for _, v := range after.History[arn] {
					if v.Event == store.Disappeared {
						continue
					}
					got, err := s.ResourceVersion(ctx, v.Hash)
					if err != nil {
						t.Fatalf("ResourceVersion(%s) of %s at %s: %v", v.Hash, arn, v.ScanID, err)
					}
					if got.ARN != arn || got.Hash() != v.Hash {
						t.Errorf("ResourceVersion(%s) = %s with hash %s", v.Hash, got.ARN, got.Hash())
					}
				}
			}
			// A scan cannot go where the pruned ones were ...
			early := scan("early", 0, ok("111111111111", "us-east-1", "ec2"))
			early.Started = at(int(tc.kept[0][1] - '0')).Add(-time.Minute)
			if _, err := s.SaveScan(ctx, early, []inventory.Resource{stay}, nil); err == nil {
				t.Error("a scan that started before the oldest scan kept was saved")
			}
			// ... and the next scan goes on from the kept ones: p-open
			// still first seen at the first scan, long pruned.
			out := save(t, s, scan("p8", 8, ok("111111111111", "us-east-1", "ec2"), ok("111111111111", "eu-west-1", "ec2")),
				[]inventory.Resource{r, stay}, []finding.Finding{find("p-open", stay)})
			if !out[0].FirstSeen.Equal(at(0)) {
				t.Errorf("p-open first seen %s after the prune, want %s", out[0].FirstSeen, at(0))
			}
			h, err := s.ResourceHistory(ctx, r.ARN)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before.History[r.ARN], h, timeEqual); diff != "" {
				t.Errorf("history after the next scan (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("negative", func(t *testing.T) {
		s := newStore(t, open)
		if _, err := s.Prune(context.Background(), store.Retention{Scans: -1}, now, false); err == nil {
			t.Error("Prune accepted a negative retention")
		}
	})
}

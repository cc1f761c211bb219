package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/golden"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/pricing"
)

var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func collect(t *testing.T, now time.Time) *inventory.Collection {
	t.Helper()
	src := New(now)
	if src.Name() != "demo" {
		t.Fatalf("Name() = %q, want demo", src.Name())
	}
	c, err := src.Collect(context.Background(), nil)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return c
}

func TestCollectIsDeterministic(t *testing.T) {
	a, b := collect(t, testNow), collect(t, testNow)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two collections differ (-first +second):\n%s", diff)
	}
	if n := len(a.Resources); n < 300 || n > 500 {
		t.Errorf("demo estate has %d resources, want 300-500", n)
	}
}

// TestTimesFollowNow holds the promise that findings do not depend on the
// date: the estate a year later is the same estate shifted by a year.
func TestTimesFollowNow(t *testing.T) {
	later := testNow.AddDate(1, 0, 0)
	a, b := Estate(testNow), Estate(later)
	shift := later.Sub(testNow)
	for i := range a {
		if a[i].Created.IsZero() {
			continue // a type with no creation time
		}
		if got, want := b[i].Created, a[i].Created.Add(shift); !got.Equal(want) {
			t.Errorf("%s: created %v a year later, want %v", a[i].ARN, got, want)
		}
		if b[i].ARN != a[i].ARN {
			t.Fatalf("resource %d: ARN %s a year later, was %s", i, b[i].ARN, a[i].ARN)
		}
	}
}

func TestCollectHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(testNow).Collect(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Collect on a cancelled context: err = %v, want context.Canceled", err)
	}
}

type progress struct{ Done, Total, Calls int }

func (p *progress) Update(done, total, calls, errors int) {
	p.Done, p.Total, p.Calls = done, total, calls
}

func TestCollectReportsProgress(t *testing.T) {
	var p progress
	c, err := New(testNow).Collect(context.Background(), &p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(progress{len(c.Coverage), len(c.Coverage), 0}, p); diff != "" {
		t.Errorf("last progress (-want +got):\n%s", diff)
	}
}

// checkEstate holds the invariants every estate steward builds must keep:
// valid, unique, closed under relations, and true to the attrs contract.
func checkEstate(t *testing.T, rs []inventory.Resource) {
	t.Helper()
	if err := inventory.CheckUnique(rs); err != nil {
		t.Fatal(err)
	}
	arns := make(map[string]bool, len(rs))
	for i := range rs {
		arns[rs[i].ARN] = true
	}
	kinds := []string{
		inventory.RelAttachedTo, inventory.RelTargetOf, inventory.RelInSubnet, inventory.RelInVPC,
		inventory.RelUsesSG, inventory.RelInCluster, inventory.RelMemberOf, inventory.RelUses, inventory.RelSnapshotOf,
	}
	errs := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if errs++; errs <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i := range rs {
		r := &rs[i]
		if err := r.Validate(); err != nil {
			fail("%v", err)
		}
		if r.ID == "" || r.Region == "" {
			fail("%s: id %q, region %q: both required", r.ARN, r.ID, r.Region)
		}
		for _, rel := range r.Relations {
			if !slices.Contains(kinds, rel.Kind) {
				fail("%s: unknown relation kind %q", r.ARN, rel.Kind)
			}
			if !arns[rel.Target] {
				fail("%s: %s %s: target not in the estate", r.ARN, rel.Kind, rel.Target)
			}
		}
		ti, _ := inventory.Type(r.Type)
		for k, v := range r.Attrs.All() {
			doc, ok := ti.Attrs[k]
			if !ok {
				fail("%s: attr %q is not documented for %s in types.go", r.ARN, k, r.Type)
				continue
			}
			if err := inventory.CheckAttr(doc, k, v); err != nil {
				fail("%s: %v", r.ARN, err)
			}
		}
	}
}

func TestEstateFollowsTheContract(t *testing.T) {
	checkEstate(t, collect(t, testNow).Resources)
}

func TestCoverage(t *testing.T) {
	c := collect(t, testNow)
	type key struct{ account, region, service string }
	rows := map[key]inventory.Coverage{}
	for _, row := range c.Coverage {
		k := key{row.Account, row.Region, row.Service}
		if _, dup := rows[k]; dup {
			t.Errorf("coverage row %v appears twice", k)
		}
		if !row.OK || row.Error != "" || row.ErrorKind != "" {
			t.Errorf("coverage row %v is not a clean ok row: %+v", k, row)
		}
		rows[k] = row
	}
	counts := map[key]int{}
	for i := range c.Resources {
		r := &c.Resources[i]
		counts[key{r.Account, r.Region, r.Service()}]++
	}
	for k, n := range counts {
		if got := rows[k].Resources; got != n {
			t.Errorf("coverage %v counts %d resources, the estate has %d", k, got, n)
		}
	}
	// Every account x region reads every regional service, resources or not.
	for _, a := range []string{DevAccount, StgAccount, ProdAccount} {
		for _, region := range []string{homeRegion, secondRegion} {
			for _, svc := range regionalServices {
				if _, ok := rows[key{a, region, svc}]; !ok {
					t.Errorf("no coverage row for %s %s %s", a, region, svc)
				}
			}
		}
		for _, svc := range globalServices {
			if _, ok := rows[key{a, globalRegion, svc}]; !ok {
				t.Errorf("no coverage row for %s global %s", a, svc)
			}
		}
	}
	scan := inventory.Scan{Coverage: c.Coverage}
	if !scan.Complete() {
		t.Errorf("demo scan is partial: %v", scan.Gaps())
	}
}

// TestMonthlyCost checks prices against the table for a few resources
// whose cost can be worked out by hand, and that priced types are priced.
func TestMonthlyCost(t *testing.T) {
	rs := collect(t, testNow).Resources
	byName := func(typ, account, region, name string) *inventory.Resource {
		for i := range rs {
			if r := &rs[i]; r.Type == typ && r.Account == account && r.Region == region && r.Name == name {
				return r
			}
		}
		t.Fatalf("no %s %s in %s %s", typ, name, account, region)
		return nil
	}
	tests := map[string]struct {
		r    *inventory.Resource
		want float64
	}{
		"prod nat in tokyo":           {byName("AWS::EC2::NatGateway", ProdAccount, homeRegion, "platform-prod-nat-a"), 0.062 * 730},
		"stopped m4 costs nothing":    {byName("AWS::EC2::Instance", ProdAccount, homeRegion, "search-prod-reindex"), 0},
		"running legacy m4.large":     {byName("AWS::EC2::Instance", ProdAccount, homeRegion, "shop-prod-legacy-1"), 0.129 * 730},
		"unattached 500GB gp2 use1":   {byName("AWS::EC2::Volume", DevAccount, secondRegion, "kobayashi-test-data"), 50},
		"unassociated eip":            {byName("AWS::EC2::EIP", DevAccount, homeRegion, "api-dev-partner-ip"), 3.65},
		"multi-az postgres in prod":   {byName("AWS::RDS::DBInstance", ProdAccount, homeRegion, "api-prod-db"), 2*0.209*730 + 2*200*0.138},
		"2.2 TB of logs":              {byName("AWS::Logs::LogGroup", ProdAccount, homeRegion, "/ecs/api-prod-app-access"), 2.2e12 / (1 << 30) * 0.033},
		"old manual cluster snapshot": {byName("AWS::RDS::DBClusterSnapshot", ProdAccount, homeRegion, "shop-prod-db-pre-upgrade"), 350 * 0.023},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if math.Abs(tc.r.MonthlyCost-tc.want) > 1e-6 {
				t.Errorf("%s: MonthlyCost = %v, want %v", tc.r.ARN, tc.r.MonthlyCost, tc.want)
			}
		})
	}
	for i := range rs {
		r := &rs[i]
		if c, ok := pricing.Estimate(r); ok && r.MonthlyCost != c {
			t.Errorf("%s: MonthlyCost %v, pricing says %v", r.ARN, r.MonthlyCost, c)
		}
		if r.Type == "AWS::EC2::Instance" && r.State == "running" && r.MonthlyCost == 0 {
			t.Errorf("%s: a running %v has no price", r.ARN, r.Attrs.Value("instance_type"))
		}
	}
}

// TestSummaryGolden pins the shape of the estate: resources and monthly
// cost per account, region and type. Run with -update after a deliberate
// change to the estate.
func TestSummaryGolden(t *testing.T) {
	rs := collect(t, testNow).Resources
	type key struct{ account, region, typ string }
	count := map[key]int{}
	cost := map[key]float64{}
	total := 0.0
	for i := range rs {
		k := key{rs[i].Account, rs[i].Region, rs[i].Type}
		count[k]++
		cost[k] += rs[i].MonthlyCost
		total += rs[i].MonthlyCost
	}
	keys := make([]key, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.account != b.account {
			return a.account < b.account
		}
		if a.region != b.region {
			return a.region < b.region
		}
		return a.typ < b.typ
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-12s %-14s %-42s %5s %10s\n", "account", "region", "type", "count", "usd/month")
	for _, k := range keys {
		fmt.Fprintf(&sb, "%-12s %-14s %-42s %5d %10.2f\n", k.account, k.region, k.typ, count[k], cost[k])
	}
	fmt.Fprintf(&sb, "total %d resources, %.2f usd/month\n\nproblems\n", len(rs), total)
	pk := make([]string, 0, len(Problems))
	for k := range Problems {
		pk = append(pk, k)
	}
	sort.Strings(pk)
	for _, k := range pk {
		fmt.Fprintf(&sb, "%s\n", k)
		for _, arn := range Problems[k] {
			fmt.Fprintf(&sb, "  %s\n", arn)
		}
	}
	checkGolden(t, "summary.golden", sb.String())
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}

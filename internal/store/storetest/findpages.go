package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/store"
)

// pagedEstate is resources and findings spread over owners, systems,
// envs, accounts, severities, categories and currencies, so that every
// filter and order has ties and gaps to get right.
func pagedEstate(n int) ([]inventory.Resource, []finding.Finding) {
	owners := []string{"", "team-a", "team-b", "チーム"}
	systems := []string{"shop", "", "search"}
	envs := []string{"prod", "stg", "dev", ""}
	accounts := []string{"111111111111", "222222222222"}
	policies := []string{"p-a", "p-b", "p-c"}
	var (
		rs []inventory.Resource
		fs []finding.Finding
	)
	for i := range n {
		r := instance(accounts[i%2], "ap-northeast-1", fmt.Sprintf("i-%04d", i))
		if i%5 != 0 {
			r.Name = fmt.Sprintf("web-%d", (i*7)%n) // some names repeat: ties
		}
		rs = append(rs, r)
		for j, p := range policies {
			if (i+j)%3 == 2 {
				continue
			}
			f := find(p, r)
			f.Severity = finding.Severity((i + 2*j) % 5)
			f.Category = finding.Categories[(i+j)%len(finding.Categories)]
			f.Owner, f.System, f.Env = owners[(i+j)%len(owners)], systems[i%len(systems)], envs[(i/2)%len(envs)]
			f.MonthlyWaste = float64((i*3+j)%7) * 2.5
			if i%4 == 1 {
				f.Currency, f.Rate, f.MonthlyWaste = "JPY", 150, f.MonthlyWaste*150
			}
			fs = append(fs, f)
		}
	}
	return rs, fs
}

// wantPage is the reference: q applied to every finding of the scan.
func wantPage(fs []finding.Finding, sc *inventory.Scan, q store.FindingQuery) (int, []string) {
	var m []finding.Finding
	for _, f := range fs {
		if (q.Owner != "" && f.Owner != q.Owner) || (q.System != "" && f.System != q.System) ||
			(q.Env != "" && f.Env != q.Env) || (q.Account != "" && f.Account != q.Account) ||
			(q.Category != "" && f.Category != q.Category) || (q.HasSeverity && f.Severity != q.Severity) ||
			(q.NewOnly && !f.FirstSeen.Equal(sc.Started)) {
			continue
		}
		m = append(m, f)
	}
	base := func(a, b finding.Finding) int {
		return cmp.Or(strings.Compare(a.Policy, b.Policy), strings.Compare(a.ARN, b.ARN))
	}
	usd := func(f finding.Finding) float64 {
		v, _ := money.Convert(f.MonthlyWaste, f.Currency, f.Rate, money.USD, 1)
		return v
	}
	by := map[store.FindingSort]func(a, b finding.Finding) int{
		store.SortSeverity: func(a, b finding.Finding) int { return cmp.Or(cmp.Compare(a.Severity, b.Severity), -base(a, b)) },
		store.SortPolicy:   base,
		store.SortResource: func(a, b finding.Finding) int {
			return cmp.Or(strings.Compare(cmp.Or(a.Name, a.ARN), cmp.Or(b.Name, b.ARN)), base(a, b))
		},
		store.SortAccount:   func(a, b finding.Finding) int { return cmp.Or(strings.Compare(a.Account, b.Account), base(a, b)) },
		store.SortOwner:     func(a, b finding.Finding) int { return cmp.Or(strings.Compare(a.Owner, b.Owner), base(a, b)) },
		store.SortWaste:     func(a, b finding.Finding) int { return cmp.Or(cmp.Compare(usd(a), usd(b)), base(a, b)) },
		store.SortFirstSeen: func(a, b finding.Finding) int { return cmp.Or(a.FirstSeen.Compare(b.FirstSeen), base(a, b)) },
	}
	slices.SortFunc(m, by[cmp.Or(q.Sort, store.SortSeverity)])
	if q.Desc {
		slices.Reverse(m)
	}
	limit := cmp.Or(q.Limit, 50)
	var keys []string
	for i := q.Offset; i < len(m) && i < q.Offset+limit; i++ {
		keys = append(keys, m[i].Key())
	}
	return len(m), keys
}

// checkPages holds a scan's pages, counts and facets to what its findings
// say.
func checkPages(t *testing.T, s store.Store, sc *inventory.Scan, queries map[string]store.FindingQuery) {
	t.Helper()
	ctx := context.Background()
	fs, err := s.Findings(ctx, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range queries {
		got, err := s.FindingPage(ctx, sc.ID, q)
		if err != nil {
			t.Fatalf("%s: FindingPage(%+v): %v", name, q, err)
		}
		total, keys := wantPage(fs, sc, q)
		if got.Total != total {
			t.Errorf("%s: scan %s: Total = %d, want %d", name, sc.ID, got.Total, total)
		}
		var gotKeys []string
		for _, f := range got.Findings {
			gotKeys = append(gotKeys, f.Key())
		}
		if diff := gocmp.Diff(keys, gotKeys, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: scan %s: page (-want +got):\n%s", name, sc.ID, diff)
		}
		// A page's findings are the store's findings, times included.
		byKey := map[string]finding.Finding{}
		for _, f := range fs {
			byKey[f.Key()] = f
		}
		for _, f := range got.Findings {
			if diff := gocmp.Diff(byKey[f.Key()], f, timeEqual); diff != "" {
				t.Errorf("%s: finding %s differs from Findings (-Findings +FindingPage):\n%s", name, f.Key(), diff)
			}
		}
	}

	sum, err := s.FindingSummary(ctx, sc.ID)
	if err != nil {
		t.Fatalf("FindingSummary: %v", err)
	}
	type ck struct {
		sev  finding.Severity
		cat  finding.Category
		new  bool
		cur  string
		rate float64
	}
	want, got := map[ck][2]float64{}, map[ck][2]float64{}
	for _, f := range fs {
		k := ck{f.Severity, f.Category, f.FirstSeen.Equal(sc.Started), f.Currency, f.Rate}
		w := want[k]
		want[k] = [2]float64{w[0] + 1, w[1] + f.MonthlyWaste}
	}
	total := 0
	for _, c := range sum.Counts {
		got[ck{c.Severity, c.Category, c.New, c.Currency, c.Rate}] = [2]float64{float64(c.Findings), c.Waste}
		total += c.Findings
	}
	if diff := gocmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9), gocmp.AllowUnexported(ck{})); diff != "" {
		t.Errorf("scan %s: FindingSummary counts (-want +got):\n%s", sc.ID, diff)
	}
	if sum.Total != len(fs) || total != len(fs) {
		t.Errorf("scan %s: FindingSummary total %d, counts add up to %d; want %d", sc.ID, sum.Total, total, len(fs))
	}

	facets, err := s.FindingFacets(ctx, sc.ID)
	if err != nil {
		t.Fatalf("FindingFacets: %v", err)
	}
	var wf store.FindingFacets
	for _, f := range fs {
		for _, p := range []struct {
			list *[]string
			v    string
		}{{&wf.Owners, f.Owner}, {&wf.Systems, f.System}, {&wf.Envs, f.Env}, {&wf.Accounts, f.Account}} {
			if p.v != "" && !slices.Contains(*p.list, p.v) {
				*p.list = append(*p.list, p.v)
			}
		}
	}
	for _, l := range []*[]string{&wf.Owners, &wf.Systems, &wf.Envs, &wf.Accounts} {
		slices.Sort(*l)
	}
	if diff := gocmp.Diff(wf, facets, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("scan %s: FindingFacets (-want +got):\n%s", sc.ID, diff)
	}
}

// pageQueries are every filter alone, a few together, every order in both
// directions, and pages past the first and past the end.
func pageQueries() map[string]store.FindingQuery {
	qs := map[string]store.FindingQuery{
		"all":              {},
		"owner":            {Owner: "team-a"},
		"owner unicode":    {Owner: "チーム", Sort: store.SortResource},
		"system":           {System: "search"},
		"env":              {Env: "stg", Desc: true},
		"account":          {Account: "222222222222"},
		"category":         {Category: finding.Waste},
		"severity":         {Severity: finding.High, HasSeverity: true},
		"severity info":    {Severity: finding.Info, HasSeverity: true, Sort: store.SortWaste, Desc: true},
		"new":              {NewOnly: true},
		"new and severity": {NewOnly: true, Severity: finding.Critical, HasSeverity: true},
		"owner and env":    {Owner: "team-b", Env: "prod", Sort: store.SortOwner},
		"no such owner":    {Owner: "nobody"},
		"page 2":           {Offset: 7, Limit: 7},
		"last page":        {Offset: 70, Limit: 50, Sort: store.SortAccount},
		"past the end":     {Offset: 10_000},
		"owner page 3":     {Owner: "team-a", Offset: 10, Limit: 5, Sort: store.SortFirstSeen, Desc: true},
	}
	for _, so := range store.FindingSorts {
		for _, desc := range []bool{false, true} {
			qs[fmt.Sprintf("sort %s desc=%v", so, desc)] = store.FindingQuery{Sort: so, Desc: desc, Limit: 1000}
		}
	}
	return qs
}

func testFindingPages(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	rs, fs := pagedEstate(40)
	// Three scans: the second drops some findings and adds some; the first
	// is no longer among the latest, so its pages are built on demand.
	sc1, sc2, sc3 := scan("s1", 0, ok("111111111111", "ap-northeast-1", "ec2"), ok("222222222222", "ap-northeast-1", "ec2")),
		scan("s2", 1, ok("111111111111", "ap-northeast-1", "ec2"), ok("222222222222", "ap-northeast-1", "ec2")),
		scan("s3", 2, ok("111111111111", "ap-northeast-1", "ec2"), ok("222222222222", "ap-northeast-1", "ec2"))
	save(t, s, sc1, rs, fs[:len(fs)-20])
	save(t, s, sc2, rs, fs[10:])
	fs3 := slices.Clone(fs[5:])
	fs3[0].Owner, fs3[0].Severity = "team-b", finding.Critical // a finding that changes: its new body is paged
	save(t, s, sc3, rs, fs3)
	for _, sc := range []*inventory.Scan{sc3, sc2, sc1} {
		t.Run(sc.ID, func(t *testing.T) { checkPages(t, s, sc, pageQueries()) })
	}

	t.Run("resource", func(t *testing.T) {
		arn := rs[3].ARN
		got, err := s.ResourceFindings(ctx, "s3", arn)
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.Findings(ctx, "s3")
		if err != nil {
			t.Fatal(err)
		}
		want := slices.DeleteFunc(all, func(f finding.Finding) bool { return f.ARN != arn })
		if len(want) == 0 {
			t.Fatal("the estate has no finding on the resource asked for")
		}
		if diff := gocmp.Diff(want, got, timeEqual); diff != "" {
			t.Errorf("ResourceFindings (-want +got):\n%s", diff)
		}
		if got, err := s.ResourceFindings(ctx, "s3", "arn:aws:ec2:nowhere"); err != nil || len(got) != 0 {
			t.Errorf("ResourceFindings of an unknown ARN = %v, %v; want none", got, err)
		}
		r, err := s.ResourceAt(ctx, "s2", arn)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(&rs[3], r, timeEqual); diff != "" {
			t.Errorf("ResourceAt (-want +got):\n%s", diff)
		}
		var each []inventory.Resource
		if err := s.EachResource(ctx, "s2", func(r *inventory.Resource) error { each = append(each, *r); return nil }); err != nil {
			t.Fatal(err)
		}
		all2, err := s.Resources(ctx, "s2")
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(all2, each, timeEqual); diff != "" || len(each) != len(rs) {
			t.Errorf("EachResource read %d resources, want %d (-Resources +EachResource):\n%s", len(each), len(rs), diff)
		}
		stop := errors.New("stop")
		n := 0
		if err := s.EachResource(ctx, "s2", func(*inventory.Resource) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Errorf("EachResource after fn's error: err = %v after %d calls, want stop after 1", err, n)
		}
		if _, err := s.ResourceAt(ctx, "s2", "arn:aws:ec2:nowhere"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ResourceAt of an unknown ARN: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("rejects", func(t *testing.T) {
		for name, q := range map[string]store.FindingQuery{
			"sort":        {Sort: "color"},
			"category":    {Category: "colour"},
			"severity":    {Severity: 9, HasSeverity: true},
			"offset":      {Offset: -1},
			"limit":       {Limit: 100_000},
			"after":       {After: "next"},
			"before":      {Before: "1.severity"},
			"at most one": {Offset: 5, After: "1.severity.3"},
		} {
			if _, err := s.FindingPage(ctx, "s3", q); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s: FindingPage(%+v) err = %v, want one naming %s", name, q, err, name)
			}
		}
		for name, call := range map[string]func() error{
			"FindingPage":      func() error { _, err := s.FindingPage(ctx, "nope", store.FindingQuery{}); return err },
			"FindingSummary":   func() error { _, err := s.FindingSummary(ctx, "nope"); return err },
			"FindingFacets":    func() error { _, err := s.FindingFacets(ctx, "nope"); return err },
			"ResourceFindings": func() error { _, err := s.ResourceFindings(ctx, "nope", rs[0].ARN); return err },
			"ResourceAt":       func() error { _, err := s.ResourceAt(ctx, "nope", rs[0].ARN); return err },
			"EachResource":     func() error { return s.EachResource(ctx, "nope", func(*inventory.Resource) error { return nil }) },
		} {
			if err := call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of an unknown scan: err = %v, want ErrNotFound", name, err)
			}
		}
	})
}

// testFindingPagesOutOfOrder saves scans out of order: the lifecycle of
// the later scans is replayed, and their pages and counts follow it.
func testFindingPagesOutOfOrder(t *testing.T, open Opener) {
	rng := rand.New(rand.NewPCG(3, 4))
	scans := series(rng, 5)
	s := newStore(t, open)
	qs := map[string]store.FindingQuery{
		"all":       {Limit: 1000},
		"new":       {NewOnly: true, Limit: 1000},
		"first":     {Sort: store.SortFirstSeen, Desc: true, Limit: 1000},
		"sev+new":   {NewOnly: true, Severity: finding.High, HasSeverity: true, Limit: 1000},
		"by policy": {Sort: store.SortPolicy, Offset: 3, Limit: 4},
	}
	// Pages are read after each save, so that a reader that holds a
	// scan's pages sees them change when a later save replays them.
	var saved []SeriesScan
	for _, i := range []int{4, 0, 3, 1, 2} {
		save(t, s, scans[i].Scan, scans[i].Resources, scans[i].Findings)
		saved = append(saved, scans[i])
		for _, sc := range saved {
			t.Run(fmt.Sprintf("%d saved/%s", len(saved), sc.Scan.ID), func(t *testing.T) { checkPages(t, s, sc.Scan, qs) })
		}
	}
}

// testFindingKeyset pages every filter and order by cursor, forwards from
// the first page to the last and back again: the pages are the reference
// order cut every few findings (a cut falls inside runs of equal sort
// keys: names, severities, owners, waste and first-seen times repeat),
// the last page holds the rest and has no Next, the first has no Prev,
// and each page is the one the same Offset gives.
func testFindingKeyset(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	// 36 resources, 72 findings: every sort key still repeats in runs
	// longer than a page of 4, and the narrowest filter (severity and
	// system) still fills more than a page. A larger estate only adds
	// pages to walk (three ways each, per filter, order and direction),
	// which was most of this suite's time under -race.
	rs, fs := pagedEstate(36)
	cov := []inventory.Coverage{ok("111111111111", "ap-northeast-1", "ec2"), ok("222222222222", "ap-northeast-1", "ec2")}
	sc1, sc2 := scan("s1", 0, cov...), scan("s2", 1, cov...)
	// Half the findings are new at s2, so first seen has two long ties.
	save(t, s, sc1, rs, fs[:len(fs)/2])
	save(t, s, sc2, rs, fs)
	all, err := s.Findings(ctx, "s2")
	if err != nil {
		t.Fatal(err)
	}

	queries := map[string]store.FindingQuery{
		"all":                 {},
		"owner":               {Owner: "team-a"},
		"system":              {System: "shop"},
		"env":                 {Env: "prod"},
		"account":             {Account: "111111111111"},
		"category":            {Category: finding.Waste},
		"severity":            {Severity: finding.Medium, HasSeverity: true},
		"new":                 {NewOnly: true},
		"owner and new":       {Owner: "team-b", NewOnly: true},
		"severity and system": {Severity: finding.Low, HasSeverity: true, System: "search"},
	}
	const limit = 4
	for name, base := range queries {
		for _, so := range store.FindingSorts {
			for _, desc := range []bool{false, true} {
				q := base
				q.Sort, q.Desc, q.Limit = so, desc, limit
				t.Run(fmt.Sprintf("%s/%s desc=%v", name, so, desc), func(t *testing.T) {
					whole := q
					whole.Limit = 1 << 30
					total, want := wantPage(all, sc2, whole)
					if total <= limit {
						t.Fatalf("the estate has %d findings for this filter: not enough for a second page", total)
					}
					var pages [][]string
					var cursors []store.FindingPage
					for i, next := 0, ""; ; i++ {
						pq := q
						pq.After = next
						got := page(t, s, pq)
						if got.Total != total {
							t.Fatalf("page %d: Total = %d, want %d", i+1, got.Total, total)
						}
						if (i == 0) != (got.Prev == "") {
							t.Errorf("page %d: Prev = %q", i+1, got.Prev)
						}
						// The same page by offset.
						oq := q
						oq.Offset = i * limit
						if diff := gocmp.Diff(keysOf(page(t, s, oq)), keysOf(got), cmpopts.EquateEmpty()); diff != "" {
							t.Errorf("page %d after a cursor differs from offset %d (-offset +cursor):\n%s", i+1, oq.Offset, diff)
						}
						pages, cursors = append(pages, keysOf(got)), append(cursors, got)
						if got.Next == "" {
							break
						}
						if len(pages) > total {
							t.Fatalf("more pages than findings (%d): Next never ends", total)
						}
						next = got.Next
					}
					var walked []string
					for i, p := range pages {
						if len(p) != limit && i != len(pages)-1 {
							t.Errorf("page %d of %d has %d findings, want %d", i+1, len(pages), len(p), limit)
						}
						walked = append(walked, p...)
					}
					if diff := gocmp.Diff(want, walked); diff != "" {
						t.Errorf("pages walked by Next (-want +got):\n%s", diff)
					}
					if last := pages[len(pages)-1]; len(last) != total-(len(pages)-1)*limit || len(last) == 0 {
						t.Errorf("last page has %d findings, want %d", len(last), total-(len(pages)-1)*limit)
					}
					// Back from the last page by Prev: the same pages.
					for i, prev := len(pages)-2, cursors[len(pages)-1].Prev; i >= 0; i-- {
						pq := q
						pq.Before = prev
						got := page(t, s, pq)
						if diff := gocmp.Diff(pages[i], keysOf(got)); diff != "" {
							t.Errorf("page %d by Prev (-by Next +by Prev):\n%s", i+1, diff)
						}
						if (i == 0) != (got.Prev == "") || got.Next == "" {
							t.Errorf("page %d by Prev: Prev = %q, Next = %q", i+1, got.Prev, got.Next)
						}
						prev = got.Prev
					}
				})
			}
		}
	}

	t.Run("stale", func(t *testing.T) {
		p2 := page(t, s, store.FindingQuery{Sort: store.SortResource, Limit: 3})
		if p2.Next == "" {
			t.Fatal("no second page")
		}
		for name, q := range map[string]store.FindingQuery{
			"another order":     {Sort: store.SortOwner, After: p2.Next},
			"another direction": {Sort: store.SortResource, Desc: true, Before: p2.Next},
		} {
			_, err := s.FindingPage(ctx, "s2", q)
			if name == "another direction" {
				// A cursor holds in either direction: not stale.
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				continue
			}
			if !errors.Is(err, store.ErrStaleCursor) {
				t.Errorf("%s: err = %v, want ErrStaleCursor", name, err)
			}
		}
		if _, err := s.FindingPage(ctx, "s1", store.FindingQuery{Sort: store.SortResource, After: p2.Next}); !errors.Is(err, store.ErrStaleCursor) {
			t.Errorf("a cursor of s2 on s1: err = %v, want ErrStaleCursor", err)
		}
		// A cursor past the last rank (a link written by hand) is an
		// empty page in either direction, not a failure.
		past := p2.Next[:strings.LastIndex(p2.Next, ".")+1] + "9223372036854775807"
		for _, q := range []store.FindingQuery{
			{Sort: store.SortResource, After: past}, {Sort: store.SortResource, Desc: true, After: past},
			{Sort: store.SortResource, Before: past}, {Sort: store.SortResource, Desc: true, Before: past},
		} {
			if got, err := s.FindingPage(ctx, "s2", q); err != nil || len(got.Findings) != 0 {
				t.Errorf("FindingPage(%+v) = %d findings, %v", q, len(got.Findings), err)
			}
		}
	})
}

func page(t *testing.T, s store.Store, q store.FindingQuery) store.FindingPage {
	t.Helper()
	got, err := s.FindingPage(context.Background(), "s2", q)
	if err != nil {
		t.Fatalf("FindingPage(%+v): %v", q, err)
	}
	return got
}

func keysOf(p store.FindingPage) []string {
	var out []string
	for _, f := range p.Findings {
		out = append(out, f.Key())
	}
	return out
}

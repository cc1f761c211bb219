package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/pgtest"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// BenchmarkStoreAtScale measures the store as a big estate uses it, on
// SQLite and (with STEWARD_TEST_POSTGRES) PostgreSQL: a store holding two
// scans of n resources with n/5 findings each (n from
// STEWARD_BENCH_RESOURCES, default 1,000,000: 200k findings), then
//
//   - save: the next scan, 1% of the resources changed;
//   - findings: every finding of the latest scan, filtered to high and
//     above in security (as `steward findings` and the API read them);
//   - page: the dashboard's findings views (FindingPage: the first page,
//     each filter, an order, a deep page), the index already read;
//   - page-cold: the first findings page of a store just opened (the
//     scan's finding index read from the store);
//   - history: the history of one resource that changed;
//   - overview: what the dashboard's overview reads (the scans of its
//     trend and their counts, the facets, the coverage counts);
//   - whole-scan: the resources and findings of the latest scan;
//   - prune: dropping the oldest scan (keep 2), history kept.
//
// Filling the store is not timed and takes minutes at 1M on 2 cores
// (STEWARD_BENCH_LOG=1 logs how long each save and its parts took):
//
//	STEWARD_TEST_POSTGRES=$(.ci/postgres start) STEWARD_BENCH_RESOURCES=100000 \
//	  go test -run '^$' -bench StoreAtScale -benchtime 3x -timeout 60m ./internal/store/
//
// STEWARD_BENCH_DSN names a store already holding a big scan instead (the
// PostgreSQL schema `bench/scaleout -keep` leaves, 1M resources): nothing
// is filled, the next scans are the latest one's resources with 1%
// changed, and only that store is measured. It is changed: scans are
// added and pruned.
func BenchmarkStoreAtScale(b *testing.B) {
	if dsn := os.Getenv("STEWARD_BENCH_DSN"); dsn != "" {
		// The testing package may call a benchmark with sub-benchmarks more
		// than once; the kept store is read once.
		var at *atScale
		b.Run("kept", func(b *testing.B) {
			if at == nil {
				at = keptAtScale(b, dsn)
			}
			measureAtScale(b, at)
		})
		return
	}
	n := 1_000_000
	if v := os.Getenv("STEWARD_BENCH_RESOURCES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("STEWARD_BENCH_RESOURCES=%q: want a number of resources, at least 100", v)
		}
	}
	backends := map[string]func(b *testing.B) string{
		"sqlite":   func(b *testing.B) string { return filepath.Join(b.TempDir(), "scale.db") },
		"postgres": func(b *testing.B) string { return pgtest.DSN(b) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(fmt.Sprintf("%s/resources=%d", name, n), func(b *testing.B) {
			measureAtScale(b, filledAtScale(b, backends[name](b), n))
		})
	}
}

// scaleEstate is storetest.Estate with a finding per five resources.
func scaleEstate(n, generation int) ([]inventory.Resource, []finding.Finding) {
	rs, fs := storetest.Estate(n, generation)
	for i := 5; i < n; i += 10 {
		r := &rs[i]
		fs = append(fs, finding.Finding{
			Policy: "sg-open-ssh", Title: "Security group open to the world on SSH", Category: finding.Security, Severity: finding.High,
			ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, Name: r.Name, Currency: "USD", Rate: 1,
			Message: r.Name + " accepts SSH from anywhere",
		})
	}
	return rs, fs
}

// atScale is a store holding a big scan, and how to save the next.
type atScale struct {
	s        store.Store
	dsn      string
	pg       bool
	n        int    // resources per scan
	findings int    // findings per scan
	latest   string // the latest scan's ID
	changed  string // the ARN of a resource every next scan changes
	// next saves the next scan (1% of the resources changed) and
	// returns its ID.
	next func(b *testing.B) string
}

func scaleLogger() *slog.Logger {
	// STEWARD_BENCH_LOG=1 shows the store's debug log: each save's phases.
	if os.Getenv("STEWARD_BENCH_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// filledAtScale fills a fresh store with two scans of n resources.
func filledAtScale(b *testing.B, dsn string, n int) *atScale {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, scaleLogger())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	gens := [2][]inventory.Resource{}
	var finds [2][]finding.Finding
	for g := range gens {
		gens[g], finds[g] = scaleEstate(n, g)
	}
	scans := 0
	at := &atScale{s: s, dsn: dsn, pg: strings.HasPrefix(dsn, "postgres"), n: n, findings: len(finds[0]),
		changed: gens[0][0].ARN} // storetest.Estate changes every 100th resource
	at.next = func(b *testing.B) string {
		g := scans % 2
		sc := &inventory.Scan{ID: fmt.Sprintf("s%d", scans), Started: start.Add(time.Duration(scans) * time.Hour)}
		if _, err := s.SaveScan(ctx, sc, gens[g], finds[g]); err != nil {
			b.Fatal(err)
		}
		scans++
		return sc.ID
	}
	began := time.Now()
	self, server := at.cpu(func() { at.next(b) })
	b.Logf("first scan of %d resources, %d findings saved in %s (CPU: %s this process, %s postgres)", n, len(finds[0]),
		time.Since(began).Round(time.Millisecond), self.Round(time.Millisecond), server.Round(time.Millisecond))
	at.latest = at.next(b)
	return at
}

// keptAtScale opens a store already holding a big scan; its next scans
// are the latest one's resources and findings, every 100th resource
// changed each time.
func keptAtScale(b *testing.B, dsn string) *atScale {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, scaleLogger())
	if err != nil {
		b.Fatal(err)
	}
	sc, err := s.LatestScan(ctx)
	if err != nil {
		b.Fatalf("STEWARD_BENCH_DSN: the latest scan: %v", err)
	}
	began := time.Now()
	rs, err := s.Resources(ctx, sc.ID)
	if err != nil {
		b.Fatal(err)
	}
	fs, err := s.Findings(ctx, sc.ID)
	if err != nil {
		b.Fatal(err)
	}
	if len(rs) < 100 || len(fs) == 0 {
		b.Fatalf("STEWARD_BENCH_DSN: scan %s holds %d resources and %d findings; want a big scan with findings", sc.ID, len(rs), len(fs))
	}
	b.Logf("scan %s of %d resources, %d findings read in %s", sc.ID, len(rs), len(fs), time.Since(began).Round(time.Millisecond))
	for i := range fs { // as the policies produce them: the store works out the lifecycle
		fs[i].FirstSeen, fs[i].LastSeen, fs[i].ResolvedAt = time.Time{}, time.Time{}, nil
	}
	at := &atScale{s: s, dsn: dsn, pg: strings.HasPrefix(dsn, "postgres"), n: len(rs), findings: len(fs), latest: sc.ID, changed: rs[0].ARN}
	scans := 0
	at.next = func(b *testing.B) string {
		scans++
		for i := 0; i < len(rs); i += 100 {
			rs[i].State = fmt.Sprintf("bench-%d", scans)
		}
		next := &inventory.Scan{ID: fmt.Sprintf("bench-%s", time.Now().UTC().Format("20060102T150405.000000000")), Source: sc.Source, Started: sc.Started.Add(time.Duration(scans) * time.Hour),
			Finished: sc.Finished.Add(time.Duration(scans) * time.Hour), Coverage: sc.Coverage, APICalls: sc.APICalls, Currency: sc.Currency, Rate: sc.Rate}
		if _, err := s.SaveScan(ctx, next, rs, fs); err != nil {
			b.Fatal(err)
		}
		return next.ID
	}
	return at
}

// cpu times one operation: the CPU of this process and, on PostgreSQL,
// of the server's processes, which a loaded machine inflates less than
// wall time.
func (at *atScale) cpu(op func()) (self, server time.Duration) {
	s0, _ := cpuTime()
	p0, _ := postgresCPUTime()
	op()
	s1, _ := cpuTime()
	p1, ok := postgresCPUTime()
	if !at.pg || !ok {
		p0, p1 = 0, 0
	}
	return s1 - s0, p1 - p0
}

func measureAtScale(b *testing.B, at *atScale) {
	ctx := context.Background()
	s, n := at.s, at.n
	pages, ok := s.(store.FindingPages)
	if !ok {
		b.Fatalf("the store %T has no findings pages", s)
	}
	b.Run("save", func(b *testing.B) {
		var self, server time.Duration
		for b.Loop() {
			s, p := at.cpu(func() { at.latest = at.next(b) })
			self, server = self+s, server+p
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/resource")
		b.ReportMetric(float64(self.Nanoseconds())/float64(b.N), "cpu-ns/op")
		if at.pg {
			b.ReportMetric(float64(server.Nanoseconds())/float64(b.N), "pg-cpu-ns/op")
		}
	})
	b.Run("findings", func(b *testing.B) {
		for b.Loop() {
			fs, err := s.Findings(ctx, at.latest)
			if err != nil {
				b.Fatal(err)
			}
			kept := 0
			for _, f := range fs {
				if f.Severity >= finding.High && f.Category == finding.Security {
					kept++
				}
			}
			if len(fs) != at.findings {
				b.Fatalf("%d findings, %d kept by the filter; want %d findings", len(fs), kept, at.findings)
			}
		}
	})
	facets, err := pages.FindingFacets(ctx, at.latest)
	if err != nil {
		b.Fatal(err)
	}
	if len(facets.Accounts) == 0 {
		b.Fatalf("scan %s: no accounts among its findings' facets", at.latest)
	}
	acct := facets.Accounts[len(facets.Accounts)/2]
	b.Run("page-cold", func(b *testing.B) {
		for b.Loop() {
			cold, err := store.Open(ctx, at.dsn, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			p, err := cold.(store.FindingPages).FindingPage(ctx, at.latest, store.FindingQuery{})
			cold.Close()
			if err != nil {
				b.Fatal(err)
			}
			if p.Total != at.findings {
				b.Fatalf("first page: %d findings in all, want %d", p.Total, at.findings)
			}
		}
	})
	views := []struct {
		name string
		q    store.FindingQuery
	}{
		{"first", store.FindingQuery{}},
		{"severity=high", store.FindingQuery{Severity: finding.High, HasSeverity: true}},
		{"category=waste", store.FindingQuery{Category: finding.Waste}},
		{"account", store.FindingQuery{Account: acct}},
		{"new", store.FindingQuery{NewOnly: true}},
		{"sort=waste", store.FindingQuery{Sort: store.SortWaste, Desc: true}},
		{"severity=high,sort=waste", store.FindingQuery{Severity: finding.High, HasSeverity: true, Sort: store.SortWaste, Desc: true}},
		{"page=2000", store.FindingQuery{Offset: 2000 * 50}},
	}
	for _, v := range views {
		b.Run("page/"+v.name, func(b *testing.B) {
			for b.Loop() {
				q := v.q
				q.Limit = 50
				if _, err := pages.FindingPage(ctx, at.latest, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("history", func(b *testing.B) {
		for b.Loop() {
			h, err := s.ResourceHistory(ctx, at.changed)
			if err != nil {
				b.Fatal(err)
			}
			if len(h) < 2 {
				b.Fatalf("history of %s has %d events, want the changes", at.changed, len(h))
			}
		}
	})
	b.Run("resource", func(b *testing.B) {
		for b.Loop() {
			if _, err := pages.ResourceAt(ctx, at.latest, at.changed); err != nil {
				b.Fatal(err)
			}
			if _, err := pages.ResourceFindings(ctx, at.latest, at.changed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("overview", func(b *testing.B) {
		for b.Loop() {
			scans, err := s.Scans(ctx, 12)
			if err != nil {
				b.Fatal(err)
			}
			for _, sc := range scans {
				if _, err := pages.FindingSummary(ctx, sc.ID); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := pages.FindingFacets(ctx, at.latest); err != nil {
				b.Fatal(err)
			}
			if rg, ok := s.(store.ResourcePages); ok {
				gs, err := rg.ResourceGroups(ctx, at.latest)
				if err != nil {
					b.Fatal(err)
				}
				if len(gs) == 0 {
					b.Fatal("no resource counts")
				}
			}
		}
	})
	b.Run("whole-scan", func(b *testing.B) {
		for b.Loop() {
			rs, err := s.Resources(ctx, at.latest)
			if err != nil {
				b.Fatal(err)
			}
			fs, err := s.Findings(ctx, at.latest)
			if err != nil {
				b.Fatal(err)
			}
			if len(rs) != n || len(fs) != at.findings {
				b.Fatalf("%d resources, %d findings; want %d, %d", len(rs), len(fs), n, at.findings)
			}
		}
	})
	b.Run("prune", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			at.latest = at.next(b)
			b.StartTimer()
			res, err := s.Prune(ctx, store.Retention{Scans: 2}, time.Now(), false)
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Scans) == 0 {
				b.Fatal("nothing pruned")
			}
		}
	})
}

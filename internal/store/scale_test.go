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
//   - findings: the findings of the latest scan, filtered to high and
//     above in security, as the findings list does;
//   - history: the history of one resource that changed;
//   - overview: the resources and findings of the latest scan, what the
//     dashboard's overview is built from;
//   - prune: dropping the oldest scan (keep 2), history kept.
//
// Filling the store is not timed and takes minutes at 1M on 2 cores
// (STEWARD_BENCH_LOG=1 logs how long each save and its parts took):
//
//	STEWARD_TEST_POSTGRES=$(.ci/postgres start) STEWARD_BENCH_RESOURCES=100000 \
//	  go test -run '^$' -bench StoreAtScale -benchtime 3x -timeout 60m ./internal/store/
func BenchmarkStoreAtScale(b *testing.B) {
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
			benchAtScale(b, backends[name](b), n)
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

func benchAtScale(b *testing.B, dsn string, n int) {
	ctx := context.Background()
	// STEWARD_BENCH_LOG=1 shows the store's debug log: each save's phases.
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("STEWARD_BENCH_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := store.Open(ctx, dsn, logger)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	gens := [2][]inventory.Resource{}
	var finds [2][]finding.Finding
	for g := range gens {
		gens[g], finds[g] = scaleEstate(n, g)
	}
	scans := 0
	saveNext := func() string {
		g := scans % 2
		sc := &inventory.Scan{ID: fmt.Sprintf("s%d", scans), Started: start.Add(time.Duration(scans) * time.Hour)}
		if _, err := s.SaveScan(ctx, sc, gens[g], finds[g]); err != nil {
			b.Fatal(err)
		}
		scans++
		return sc.ID
	}
	// cpu times one operation: the CPU of this process and, on
	// PostgreSQL, of the server's processes, which a loaded machine
	// inflates less than wall time.
	pg := strings.HasPrefix(dsn, "postgres")
	cpu := func(op func()) (self, server time.Duration) {
		s0, _ := cpuTime()
		p0, _ := postgresCPUTime()
		op()
		s1, _ := cpuTime()
		p1, ok := postgresCPUTime()
		if !pg || !ok {
			p0, p1 = 0, 0
		}
		return s1 - s0, p1 - p0
	}
	began := time.Now()
	self, server := cpu(func() { saveNext() })
	b.Logf("first scan of %d resources, %d findings saved in %s (CPU: %s this process, %s postgres)", n, len(finds[0]),
		time.Since(began).Round(time.Millisecond), self.Round(time.Millisecond), server.Round(time.Millisecond))
	latest := saveNext()
	changed := gens[0][0].ARN // storetest.Estate changes every 100th resource

	b.Run("save", func(b *testing.B) {
		var self, server time.Duration
		for b.Loop() {
			s, p := cpu(func() { latest = saveNext() })
			self, server = self+s, server+p
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/resource")
		b.ReportMetric(float64(self.Nanoseconds())/float64(b.N), "cpu-ns/op")
		if pg {
			b.ReportMetric(float64(server.Nanoseconds())/float64(b.N), "pg-cpu-ns/op")
		}
	})
	b.Run("findings", func(b *testing.B) {
		for b.Loop() {
			fs, err := s.Findings(ctx, latest)
			if err != nil {
				b.Fatal(err)
			}
			kept := 0
			for _, f := range fs {
				if f.Severity >= finding.High && f.Category == finding.Security {
					kept++
				}
			}
			if kept == 0 || len(fs) != len(finds[0]) {
				b.Fatalf("%d findings, %d kept by the filter; want %d findings", len(fs), kept, len(finds[0]))
			}
		}
	})
	b.Run("history", func(b *testing.B) {
		for b.Loop() {
			h, err := s.ResourceHistory(ctx, changed)
			if err != nil {
				b.Fatal(err)
			}
			if len(h) < 2 {
				b.Fatalf("history of %s has %d events, want the changes", changed, len(h))
			}
		}
	})
	b.Run("overview", func(b *testing.B) {
		for b.Loop() {
			rs, err := s.Resources(ctx, latest)
			if err != nil {
				b.Fatal(err)
			}
			fs, err := s.Findings(ctx, latest)
			if err != nil {
				b.Fatal(err)
			}
			if len(rs) != n || len(fs) == 0 {
				b.Fatalf("%d resources, %d findings", len(rs), len(fs))
			}
		}
	})
	b.Run("prune", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			saveNext()
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

package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// BenchmarkSaveScan measures saving one scan of n resources (and n/10
// findings): "first" into an empty store, where every resource version is
// new, and "next" on top of a previous scan of the same estate with one
// resource in a hundred changed, the daily case. cpu-ns/op is the CPU the
// process spent per save, which a busy machine inflates less than ns/op.
//
//	go test -run '^$' -bench SaveScan -benchmem ./internal/store/
func BenchmarkSaveScan(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10_000, 100_000} {
		rs0, fs0 := storetest.Estate(n, 0)
		rs1, fs1 := storetest.Estate(n, 1)
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, mode := range []string{"first", "next"} {
			b.Run(fmt.Sprintf("resources=%d/%s", n, mode), func(b *testing.B) {
				b.ReportAllocs()
				var (
					cpu   time.Duration
					cpuOK bool
				)
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					s, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("b%d.db", i)), slog.New(slog.DiscardHandler))
					if err != nil {
						b.Fatal(err)
					}
					if mode == "next" {
						if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "prev", Started: start}, rs0, fs0); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
					cpu0, _ := cpuTime()
					sc := &inventory.Scan{ID: "bench", Started: start.Add(time.Hour)}
					if _, err := s.SaveScan(ctx, sc, rs1, fs1); err != nil {
						b.Fatal(err)
					}
					cpu1, ok := cpuTime()
					b.StopTimer()
					cpu += cpu1 - cpu0
					cpuOK = ok
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/resource")
				if cpuOK {
					// CPU time of the whole process (GC included) per save:
					// steadier than ns/op when the machine is shared.
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// BenchmarkResources measures reading back one stored scan of 100k
// resources, as a report or the dashboard does.
//
//	go test -run '^$' -bench Resources -benchmem ./internal/store/
func BenchmarkResources(b *testing.B) {
	ctx := context.Background()
	const n = 100_000
	s, err := store.Open(ctx, filepath.Join(b.TempDir(), "r.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rs, fs := storetest.Estate(n, 0)
	if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "s", Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, rs, fs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Resources(ctx, "s")
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != n {
			b.Fatalf("read %d resources, want %d", len(got), n)
		}
	}
}

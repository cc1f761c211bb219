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
// resource in a hundred changed, the daily case.
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
					sc := &inventory.Scan{ID: "bench", Started: start.Add(time.Hour)}
					if _, err := s.SaveScan(ctx, sc, rs1, fs1); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/resource")
			})
		}
	}
}

package bill

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// peakHeap samples live heap every millisecond while fn runs.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}

func synthFile(b *testing.B, name string, n int, write func(io.Writer, int) error) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := write(f, n); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// cpuTime is the CPU this process has used, all threads: on a shared
// machine wall time swings with the neighbours' load, CPU time much less.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchIngest(b *testing.B, p string, n int) {
	b.ReportAllocs()
	var peak uint64
	cpu0 := cpuTime(b)
	for b.Loop() {
		agg := NewAggregator("")
		peak = max(peak, peakHeap(func() {
			if err := agg.readFile(context.Background(), localFile(p)); err != nil {
				b.Fatal(err)
			}
		}))
		if got := agg.Stats().Lines; got != int64(n) {
			b.Fatalf("read %d lines, want %d", got, n)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkIngestCURCSV and BenchmarkIngestFOCUSParquet read synthetic
// bills of 250k and 2M lines with the same number of rollup keys: peak
// heap must stay flat from one size to the other. (Both sizes have
// several Parquet row groups, so both keep every core busy: a bill of one
// row group would need less memory for want of parallel workers.)
func BenchmarkIngestCURCSV(b *testing.B) {
	for _, n := range benchSizes {
		p := synthFile(b, "cur.csv", n, WriteSyntheticCUR)
		b.Run(itoa(n), func(b *testing.B) { benchIngest(b, p, n) })
	}
}

func BenchmarkIngestFOCUSParquet(b *testing.B) {
	for _, n := range benchSizes {
		p := synthFile(b, "focus.parquet", n, WriteSyntheticFOCUSParquet)
		b.Run(itoa(n), func(b *testing.B) { benchIngest(b, p, n) })
	}
}

// BenchmarkIngestFOCUSParquetDict is the same bill with dictionary-
// encoded text columns, as most Parquet writers produce.
func BenchmarkIngestFOCUSParquetDict(b *testing.B) {
	for _, n := range benchSizes {
		p := synthFile(b, "focus.parquet", n, WriteSyntheticFOCUSParquetDict)
		b.Run(itoa(n), func(b *testing.B) { benchIngest(b, p, n) })
	}
}

var benchSizes = []int{250_000, 2_000_000}

func itoa(n int) string {
	if n%1_000_000 == 0 {
		return strconv.Itoa(n/1_000_000) + "M"
	}
	return strconv.Itoa(n/1000) + "k"
}

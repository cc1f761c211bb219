package costbench

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/bill"
)

const rows = 1_000_000

func write(b *testing.B, name string, fn func(*os.File) error) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := fn(f); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// cpuTime is the CPU this process has used, all threads: under a shared
// machine's load, wall time swings with the neighbours while the CPU a
// run costs does not.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// resetPeakRSS returns what the process holds to the system and starts
// the kernel's peak resident set size (VmHWM) afresh, so peakRSS reports
// the peak of what runs next, Go heap and DuckDB's C heap alike.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is VmHWM in MiB, or -1 where /proc does not have it.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return -1
			}
			return kb / 1024
		}
	}
	return -1
}

func steward(b *testing.B, p string) {
	resetPeakRSS()
	defer func() { b.ReportMetric(peakRSS(), "peakRSS-MiB") }()
	start := cpuTime(b)
	defer reportCPU(b, start)
	for b.Loop() {
		if _, err := cost.Ingest(context.Background(), cost.NewMemStore(), cost.IngestOptions{Paths: []string{p}, Now: bill.SynthNow}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// duck runs the same daily rollup in DuckDB and checks it counts every row.
func duck(b *testing.B, query string) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	resetPeakRSS()
	defer func() { b.ReportMetric(peakRSS(), "peakRSS-MiB") }()
	start := cpuTime(b)
	defer reportCPU(b, start)
	for b.Loop() {
		var n int64
		if err := db.QueryRow(query).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n != rows {
			b.Fatalf("duckdb counted %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkCURCSV(b *testing.B) {
	p := write(b, "cur.csv", func(f *os.File) error { return bill.WriteSyntheticCUR(f, rows) })
	b.Run("steward", func(b *testing.B) { steward(b, p) })
	b.Run("duckdb", func(b *testing.B) {
		duck(b, `SELECT SUM(n) FROM (SELECT CAST("lineItem/UsageStartDate"[1:10] AS DATE) d, "lineItem/UsageAccountId",
			"lineItem/ProductCode", "lineItem/UsageType", "lineItem/ResourceId", "resourceTags/user:system",
			"resourceTags/user:env", "resourceTags/user:owner", "lineItem/LineItemType",
			SUM(CAST("lineItem/UnblendedCost" AS DECIMAL(38,15))) c, COUNT(*) n
			FROM read_csv('`+p+`', header=true, all_varchar=true) GROUP BY ALL)`)
	})
}

func BenchmarkFOCUSParquet(b *testing.B) {
	p := write(b, "focus.parquet", func(f *os.File) error { return bill.WriteSyntheticFOCUSParquet(f, rows) })
	b.Run("steward", func(b *testing.B) { steward(b, p) })
	b.Run("duckdb", func(b *testing.B) {
		duck(b, `SELECT SUM(n) FROM (SELECT CAST(ChargePeriodStart AS DATE) d, SubAccountId, ServiceName, x_UsageType,
			ResourceId, Tags, ChargeCategory, SUM(BilledCost) c, SUM(EffectiveCost) e, COUNT(*) n
			FROM read_parquet('`+p+`') GROUP BY ALL)`)
	})
}

// BenchmarkFOCUSParquetDict reads the same bill with its text columns
// dictionary-encoded, as parquet-mr and Arrow write by default.
func BenchmarkFOCUSParquetDict(b *testing.B) {
	p := write(b, "focus.parquet", func(f *os.File) error { return bill.WriteSyntheticFOCUSParquetDict(f, rows) })
	b.Run("steward", func(b *testing.B) { steward(b, p) })
	b.Run("duckdb", func(b *testing.B) {
		duck(b, `SELECT SUM(n) FROM (SELECT CAST(ChargePeriodStart AS DATE) d, SubAccountId, ServiceName, x_UsageType,
			ResourceId, Tags, ChargeCategory, SUM(BilledCost) c, SUM(EffectiveCost) e, COUNT(*) n
			FROM read_parquet('`+p+`') GROUP BY ALL)`)
	})
}

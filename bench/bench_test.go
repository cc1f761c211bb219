package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/policy"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func engine(tb testing.TB) (*policy.Engine, *config.Config) {
	tb.Helper()
	cfg := config.Default()
	ps, err := policy.Load(nil, true)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := policy.Compile(ps, policy.Options{
		Now: now, Naming: cfg.NamingRule(), Required: cfg.Tags.Required, Pricer: policy.ListPrices{},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e, cfg
}

// TestGoRulesAgree checks that the hand-written rules find exactly what the
// packs find, so the benchmark compares the same work.
func TestGoRulesAgree(t *testing.T) {
	e, cfg := engine(t)
	if got, want := len(goRules), len(e.Policies()); got != want {
		t.Fatalf("%d hand-written rules for %d built-in policies", got, want)
	}
	rs := demo.Generate(20000, 1, now)
	fs, err := e.Evaluate(context.Background(), rs)
	if err != nil {
		t.Fatal(err)
	}
	var celKeys, goKeys []string
	for _, f := range fs {
		celKeys = append(celKeys, fmt.Sprintf("%s %s %.2f", f.Policy, f.ARN, f.MonthlyWaste))
	}
	for _, f := range evaluateGo(now, cfg.NamingRule(), cfg.Tags.Required, rs, 2) {
		goKeys = append(goKeys, fmt.Sprintf("%s %s %.2f", f.Policy, f.ARN, float64(int64(f.Waste*100+0.5))/100))
	}
	slices.Sort(celKeys)
	slices.Sort(goKeys)
	if len(celKeys) == 0 {
		t.Fatal("no findings at all")
	}
	if diff := cmp.Diff(goKeys, celKeys); diff != "" {
		t.Errorf("CEL and Go disagree (-go +cel):\n%s", diff)
	}
}

func sizes() []int {
	if os.Getenv("STEWARD_BENCH_1M") != "" {
		return []int{100_000, 1_000_000}
	}
	return []int{100_000}
}

// report adds resources x policies per second and the peak RSS so far.
func report(b *testing.B, rs []inventory.Resource, perResource float64) {
	b.ReportMetric(float64(len(rs))*perResource*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peakRSS-MB")
	}
}

// policiesPerResource is how many policies a resource meets on average
// (policies are indexed by type), the honest denominator of pairs/s.
func policiesPerResource(e *policy.Engine, rs []inventory.Resource) float64 {
	n := map[string]int{}
	for _, p := range e.Policies() {
		for _, t := range p.Types {
			n[t]++
		}
	}
	total := 0
	for i := range rs {
		total += n[rs[i].Type]
	}
	return float64(total) / float64(len(rs))
}

func BenchmarkCEL(b *testing.B) {
	e, _ := engine(b)
	for _, n := range sizes() {
		rs := demo.Generate(n, 1, now)
		per := policiesPerResource(e, rs)
		runtime.GC()
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Evaluate(context.Background(), rs); err != nil {
					b.Fatal(err)
				}
			}
			report(b, rs, per)
		})
	}
}

func BenchmarkGo(b *testing.B) {
	e, cfg := engine(b)
	for _, n := range sizes() {
		rs := demo.Generate(n, 1, now)
		per := policiesPerResource(e, rs)
		runtime.GC()
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				evaluateGo(now, cfg.NamingRule(), cfg.Tags.Required, rs, runtime.GOMAXPROCS(0))
			}
			report(b, rs, per)
		})
	}
}

//go:build gorules

// Command policybench evaluates steward's built-in policy packs over
// synthetic estates, as CEL and as the same rules hand-written in Go
// through the same engine, and prints one table: resources x policies per
// second, wall and CPU time, peak heap and peak RSS, and the CEL/Go ratio
// measured in the same process.
//
//	go run ./bench/cmd/policybench -sizes 100000,1000000 -rounds 3
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/steward-sre/steward/bench"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/policy"
)

// options are the command's flags, parsed.
type options struct {
	sizes     []int
	rounds    int
	evals     int
	seed      int64
	perPolicy bool
}

// parse reads the flags; usage receives -h's text and flag errors.
func parse(args []string, usage io.Writer) (options, error) {
	fs := flag.NewFlagSet("policybench", flag.ContinueOnError)
	fs.SetOutput(usage)
	sizes := fs.String("sizes", "100000,1000000", "comma-separated estate sizes (resources)")
	rounds := fs.Int("rounds", 3, "runs of each engine per size; the shortest wall and CPU times are reported")
	evals := fs.Int("evals", 3, "evaluations back to back in each run, after one collection, so that each engine pays the collector for its own garbage (over one, a collection marking the whole estate falls inside the run or not)")
	seed := fs.Int64("seed", 1, "seed of the synthetic estate")
	perPolicy := fs.Bool("per-policy", false, "also time each policy alone at the first size, to show where CEL's time goes")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o := options{rounds: *rounds, evals: *evals, seed: *seed, perPolicy: *perPolicy}
	for s := range strings.SplitSeq(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return options{}, fmt.Errorf("-sizes: %q is not a positive number of resources", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.evals < 1 {
		return options{}, fmt.Errorf("-evals: %d; it must be at least 1", o.evals)
	}
	if o.rounds < 1 {
		return options{}, fmt.Errorf("-rounds: %d; it must be at least 1", o.rounds)
	}
	return o, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o, err := parse(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "policybench:", err)
		os.Exit(2)
	}
	if err := run(ctx, os.Stdout, o); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "policybench: interrupted")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "policybench:", err)
		os.Exit(1)
	}
}

// now is the synthetic estate's "today", fixed so runs are comparable.
var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func run(ctx context.Context, out io.Writer, o options) error {
	celEngine, goEngine, skipped, err := bench.Engines(now)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d built-in policies compared, GOMAXPROCS=%d, %s, shortest wall and CPU time of %d rounds, each the mean of %d evaluations\n",
		len(celEngine.Policies()), runtime.GOMAXPROCS(0), runtime.Version(), o.rounds, o.evals)
	fmt.Fprintln(out, skippedLine(skipped))
	allEngine, err := bench.AllCEL(now)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "cel-all: all %d built-in policies as CEL, what a scan runs\n\n", len(allEngine.Policies()))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "resources\tgenerated\testate heap\tengine\tfindings\tpairs\twall\tCPU\tpairs/s\tpairs/CPU-s\tpeak heap\tpeak RSS\tCEL/Go wall\tCEL/Go CPU\t")
	for _, n := range o.sizes {
		t0 := time.Now()
		rs := demo.Generate(n, o.seed, now)
		gen := time.Since(t0)
		runtime.GC()
		estate := heapInUse()
		// Memory first, one evaluation each on a heap given back to the
		// system: what one scan holds. The timed runs after it evaluate
		// several times back to back, and the heap they grow to is the
		// collector's pacing, not the engine's.
		mem := map[string]bench.Run{}
		for _, m := range []struct {
			name string
			e    *policy.Engine
		}{{"go", goEngine}, {"cel", celEngine}, {"cel-all", allEngine}} {
			debug.FreeOSMemory()
			r, err := bench.Best(ctx, m.e, rs, 1, 1)
			if err != nil {
				return fmt.Errorf("%d resources: %s: %w", n, m.name, err)
			}
			mem[m.name] = r
		}
		celRun, goRun, err := bench.Compare(ctx, celEngine, goEngine, rs, o.rounds, o.evals)
		if err != nil {
			return fmt.Errorf("%d resources: %w", n, err)
		}
		allRun, err := bench.Best(ctx, allEngine, rs, o.rounds, o.evals)
		if err != nil {
			return fmt.Errorf("%d resources: all built-in policies: %w", n, err)
		}
		for _, r := range []struct {
			name string
			run  bench.Run
		}{{"go", goRun}, {"cel", celRun}, {"cel-all", allRun}} {
			ratioWall, ratioCPU := "", ""
			if r.name == "cel" {
				ratioWall = fmt.Sprintf("%.2fx", celRun.Wall.Seconds()/goRun.Wall.Seconds())
				ratioCPU = fmt.Sprintf("%.2fx", celRun.CPU.Seconds()/goRun.CPU.Seconds())
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n",
				n, gen.Round(time.Millisecond), mb(estate), r.name, r.run.Findings, r.run.Pairs,
				r.run.Wall.Round(time.Millisecond), r.run.CPU.Round(time.Millisecond),
				r.run.PairsPerSecond(), r.run.PairsPerCPUSecond(),
				mb(mem[r.name].PeakHeap), mb(mem[r.name].PeakRSS), ratioWall, ratioCPU)
		}
		debug.FreeOSMemory()
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if o.perPolicy {
		return perPolicy(ctx, out, o)
	}
	return nil
}

// perPolicy prints each policy's CPU time alone as CEL and as Go, largest
// difference first.
func perPolicy(ctx context.Context, out io.Writer, o options) error {
	rs := demo.Generate(o.sizes[0], o.seed, now)
	runs, err := bench.PerPolicy(ctx, now, rs, o.rounds)
	if err != nil {
		return err
	}
	slices.SortFunc(runs, func(a, b bench.PolicyRun) int { return cmp.Compare(b.CEL.CPU-b.Go.CPU, a.CEL.CPU-a.Go.CPU) })
	fmt.Fprintf(out, "\neach policy alone over %d resources (shortest CPU time of %d rounds)\n", len(rs), o.rounds)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\tpairs\tfindings\tCEL\tGo\tCEL-Go\tCEL/Go\t")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%.2fx\t\n", r.ID, r.CEL.Pairs, r.CEL.Findings,
			r.CEL.CPU.Round(time.Millisecond), r.Go.CPU.Round(time.Millisecond),
			(r.CEL.CPU - r.Go.CPU).Round(time.Millisecond), r.CEL.CPU.Seconds()/r.Go.CPU.Seconds())
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// skippedLine says which built-in policies have no hand-written Go twin
// and so are in neither engine.
func skippedLine(skipped []string) string {
	if len(skipped) == 0 {
		return "every built-in policy has a hand-written Go twin"
	}
	return fmt.Sprintf("%d skipped, no hand-written Go twin: %s", len(skipped), strings.Join(skipped, ", "))
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func mb(b uint64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

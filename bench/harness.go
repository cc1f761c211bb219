//go:build gorules

package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/policy"
)

// Engines compiles the built-in packs twice with the same options: once
// as CEL (what steward runs) and once with the hand-written Go rules. Both
// evaluate through the same engine, so the only difference between them is
// who computes where, waste and message. A policy needs no Go twin to ship:
// those without one are left out of both engines, so both do the same
// work, and their ids are returned in skipped.
func Engines(now time.Time) (celEngine, goEngine *policy.Engine, skipped []string, err error) {
	ps, err := policy.Load(context.Background(), nil, true)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load built-in packs: %w", err)
	}
	return compileBoth(ps, handRules(now, config.Default().NamingRule(), config.Default().Tags.Required), now)
}

// compileBoth compiles the policies of ps that have a rule in rules, as CEL
// and as Go, and returns the ids of the others. A rule whose policy is not
// in ps is left out.
func compileBoth(ps []*policy.Policy, rules map[string]policy.GoRule, now time.Time) (celEngine, goEngine *policy.Engine, skipped []string, err error) {
	opts := options(now)
	var twinned []*policy.Policy
	used := map[string]policy.GoRule{}
	for _, p := range ps {
		g, ok := rules[p.ID]
		if !ok {
			skipped = append(skipped, p.ID)
			continue
		}
		twinned = append(twinned, p)
		used[p.ID] = g
	}
	if len(twinned) == 0 {
		return nil, nil, skipped, errors.New("no policy has a hand-written Go twin")
	}
	celEngine, err = policy.Compile(twinned, opts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("compile built-in packs: %w", err)
	}
	goEngine, err = policy.CompileGo(twinned, used, opts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("compile hand-written rules: %w", err)
	}
	return celEngine, goEngine, skipped, nil
}

// AllCEL compiles every built-in policy as CEL, twin or not, with the
// options Engines uses: what a scan of the estate evaluates.
func AllCEL(now time.Time) (*policy.Engine, error) {
	ps, err := policy.Load(context.Background(), nil, true)
	if err != nil {
		return nil, fmt.Errorf("load built-in packs: %w", err)
	}
	e, err := policy.Compile(ps, options(now))
	if err != nil {
		return nil, fmt.Errorf("compile built-in packs: %w", err)
	}
	return e, nil
}

// options are the engine options of every measurement: steward's default
// configuration and list prices.
func options(now time.Time) policy.Options {
	cfg := config.Default()
	return policy.Options{Now: now, Naming: cfg.NamingRule(), Required: cfg.Tags.Required, Pricer: policy.ListPrices{}}
}

// PolicyRun is one built-in policy measured alone.
type PolicyRun struct {
	ID      string
	CEL, Go Run
}

// PerPolicy measures each built-in policy that has a Go twin alone over
// rs, as CEL and as Go, to show where CEL's time goes. Each engine still
// walks every resource, so policies on rare types mostly measure that walk.
func PerPolicy(ctx context.Context, now time.Time, rs []inventory.Resource, rounds int) ([]PolicyRun, error) {
	ps, err := policy.Load(ctx, nil, true)
	if err != nil {
		return nil, fmt.Errorf("load built-in packs: %w", err)
	}
	cfg := config.Default()
	twins := handRules(now, cfg.NamingRule(), cfg.Tags.Required)
	var out []PolicyRun
	for _, p := range ps {
		if _, ok := twins[p.ID]; !ok {
			continue
		}
		c, g, _, err := compileBoth([]*policy.Policy{p}, twins, now)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.ID, err)
		}
		cr, gr, err := Compare(ctx, c, g, rs, rounds, 1)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.ID, err)
		}
		out = append(out, PolicyRun{ID: p.ID, CEL: cr, Go: gr})
	}
	return out, nil
}

// Pairs is the number of resource x policy evaluations one Evaluate makes:
// policies are indexed by type, so a resource meets only its type's
// policies. It is the honest numerator of pairs per second.
func Pairs(e *policy.Engine, rs []inventory.Resource) int {
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
	return total
}

// Run is one measured Evaluate.
type Run struct {
	Findings int
	Pairs    int
	Wall     time.Duration
	// CPU is the process's user+system time during the run: on a shared
	// machine it measures the work, where wall time also measures the
	// neighbours.
	CPU time.Duration
	// PeakHeap is the most heap in use (live and not yet collected objects)
	// seen while the run went, sampled every few milliseconds.
	PeakHeap uint64
	// PeakRSS is the process's peak resident set since the last
	// ResetPeakRSS (or since it started, where resetting is not possible).
	PeakRSS uint64
}

// PairsPerSecond is resource x policy evaluations per wall-clock second.
func (r Run) PairsPerSecond() float64 { return float64(r.Pairs) / r.Wall.Seconds() }

// PairsPerCPUSecond is resource x policy evaluations per CPU second.
func (r Run) PairsPerCPUSecond() float64 { return float64(r.Pairs) / r.CPU.Seconds() }

// Measure runs evals evaluations back to back and measures them:
// EvaluateSet, the findings as a scan holds them until it has saved them.
// Wall and CPU are per evaluation. It collects garbage first, so that the
// peak heap is this run's and not the previous one's. Over one evaluation
// the collector's share is all or nothing: a large estate leaves room for
// about one evaluation's garbage, and whether a collection (marking the
// whole estate) falls inside the run decides the figure more than the
// engine does; over several, each engine pays for the garbage it makes.
func Measure(ctx context.Context, e *policy.Engine, rs []inventory.Resource, pairs, evals int) (Run, *finding.Set, error) {
	if evals < 1 {
		return Run{}, nil, errors.New("measure: evals must be at least 1")
	}
	runtime.GC()
	ResetPeakRSS()
	stop := sampleHeap()
	cpu0 := cpuTime()
	t0 := time.Now()
	var (
		fs        *finding.Set
		err       error
		peak, rss uint64
	)
	for i := range evals {
		fs = nil // the last evaluation's findings are garbage before the next
		if fs, err = e.EvaluateSet(ctx, rs); err != nil {
			break
		}
		if i == 0 {
			// The memory is the first evaluation's, what a scan makes:
			// the next ones start with its garbage not yet collected.
			peak, rss = stop(), PeakRSS()
		}
	}
	wall := time.Since(t0) / time.Duration(evals)
	cpu := (cpuTime() - cpu0) / time.Duration(evals)
	if err != nil {
		if peak == 0 {
			stop()
		}
		return Run{}, nil, fmt.Errorf("evaluate: %w", err)
	}
	return Run{Findings: fs.Len(), Pairs: pairs, Wall: wall, CPU: cpu, PeakHeap: peak, PeakRSS: rss}, fs, nil
}

// sampleHeap watches heap in use until the returned function is called,
// which returns the largest value seen.
func sampleHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	var (
		mu   sync.Mutex
		peak = read()
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				v := read()
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return max(peak, read())
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ResetPeakRSS starts a new peak resident set measurement where Linux
// allows it (writing 5 to /proc/self/clear_refs); elsewhere the peak stays
// the process's lifetime peak.
func ResetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// PeakRSS is the peak resident set in bytes: VmHWM from /proc/self/status,
// or getrusage's lifetime maximum where /proc is not there.
func PeakRSS() uint64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				if err == nil {
					return kb * 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return uint64(ru.Maxrss) * 1024
}

// Compare runs the CEL and the Go engine rounds times each, alternating so
// that a change in the machine's load hits both alike. For each it returns
// the shortest wall time and the shortest CPU time seen (the least
// disturbed by other work on the machine, each on its own) and the highest
// peaks of memory.
func Compare(ctx context.Context, celEngine, goEngine *policy.Engine, rs []inventory.Resource, rounds, evals int) (celRun, goRun Run, err error) {
	if rounds < 1 {
		return Run{}, Run{}, errors.New("compare: rounds must be at least 1")
	}
	pairs := Pairs(celEngine, rs)
	for range rounds {
		g, _, err := Measure(ctx, goEngine, rs, pairs, evals)
		if err != nil {
			return Run{}, Run{}, fmt.Errorf("go rules: %w", err)
		}
		c, _, err := Measure(ctx, celEngine, rs, pairs, evals)
		if err != nil {
			return Run{}, Run{}, fmt.Errorf("cel: %w", err)
		}
		goRun, celRun = best(goRun, g), best(celRun, c)
	}
	return celRun, goRun, nil
}

// best keeps the shortest times and the highest memory peaks of two runs.
func best(cur, r Run) Run {
	if cur.Wall == 0 {
		return r
	}
	cur.Wall, cur.CPU = min(cur.Wall, r.Wall), min(cur.CPU, r.CPU)
	cur.PeakHeap, cur.PeakRSS = max(cur.PeakHeap, r.PeakHeap), max(cur.PeakRSS, r.PeakRSS)
	return cur
}

// Best runs one engine rounds times and returns, as Compare does, the
// shortest wall and CPU times and the highest memory peaks.
func Best(ctx context.Context, e *policy.Engine, rs []inventory.Resource, rounds, evals int) (Run, error) {
	if rounds < 1 {
		return Run{}, errors.New("best: rounds must be at least 1")
	}
	pairs := Pairs(e, rs)
	var out Run
	for range rounds {
		r, _, err := Measure(ctx, e, rs, pairs, evals)
		if err != nil {
			return Run{}, err
		}
		out = best(out, r)
	}
	return out, nil
}

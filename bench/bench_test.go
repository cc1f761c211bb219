//go:build gorules

package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/policy"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func engines(tb testing.TB) (celEngine, goEngine *policy.Engine) {
	tb.Helper()
	c, g, _, err := Engines(now)
	if err != nil {
		tb.Fatal(err)
	}
	return c, g
}

// TestGoRulesAgree checks that the hand-written rules produce exactly the
// findings the packs produce (policy, resource, owner, waste, message and
// order), so the benchmark compares the same work. It runs on the synthetic
// estate and on every pack's fixture resources, and every policy must find
// something in one of them, so no rule agrees only by never matching.
func TestGoRulesAgree(t *testing.T) {
	celEngine, goEngine := engines(t)
	builtin, err := policy.Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	// A twin whose policy was renamed or removed would silently stop
	// being compared.
	for _, g := range goRules {
		if !slices.ContainsFunc(builtin, func(p *policy.Policy) bool { return p.ID == g.id }) {
			t.Errorf("hand-written rule %s: no built-in policy has this id", g.id)
		}
	}
	for _, p := range celEngine.Policies() {
		if goMessages[p.ID] == nil {
			t.Errorf("policy %s has no hand-written message", p.ID)
		}
	}
	estates := map[string][]inventory.Resource{"synthetic 20k": demo.Generate(20000, 1, now)}
	fixtures, err := fs.Glob(policy.BuiltinFS(), "*_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range fixtures {
		data, err := fs.ReadFile(policy.BuiltinFS(), name)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := policy.ParseTestFile(name, data)
		if err != nil {
			t.Fatal(err)
		}
		estates[name] = rs
	}
	found := map[string]bool{}
	for name, rs := range estates {
		t.Run(name, func(t *testing.T) {
			want, err := celEngine.Evaluate(context.Background(), rs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := goEngine.Evaluate(context.Background(), rs)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range want {
				found[f.Policy] = true
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("CEL and Go disagree (-cel +go):\n%s", diff)
			}
		})
	}
	for _, p := range celEngine.Policies() {
		if !found[p.ID] {
			t.Errorf("policy %s finds nothing in the synthetic estate or the fixtures", p.ID)
		}
	}
}

// TestEnginesSkipPoliciesWithoutTwin checks that a built-in policy with
// no hand-written twin is named as skipped and left out of both engines,
// so a new policy ships without being written twice and the comparison
// still measures the same work on both sides.
func TestEnginesSkipPoliciesWithoutTwin(t *testing.T) {
	ps, err := policy.Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	rules := handRules(now, policy.Options{}.Naming, nil)
	delete(rules, "rds-public")
	var want []string
	for _, p := range ps {
		if _, ok := rules[p.ID]; !ok {
			want = append(want, p.ID)
		}
	}
	celEngine, goEngine, skipped, err := compileBoth(ps, rules, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if !slices.Contains(skipped, "rds-public") {
		t.Errorf("rds-public lost its twin but is not said to be skipped: %v", skipped)
	}
	ids := func(e *policy.Engine) []string {
		var out []string
		for _, p := range e.Policies() {
			out = append(out, p.ID)
		}
		return out
	}
	if got, want := len(ids(celEngine)), len(ps)-len(want); got != want {
		t.Errorf("CEL engine has %d policies, want %d", got, want)
	}
	if slices.Contains(ids(celEngine), "rds-public") || slices.Contains(ids(goEngine), "rds-public") {
		t.Errorf("rds-public has no twin but is in an engine")
	}
	if diff := cmp.Diff(ids(celEngine), ids(goEngine)); diff != "" {
		t.Errorf("engines differ in policies (-cel +go):\n%s", diff)
	}
	if _, _, _, err := compileBoth(ps, nil, now); err == nil {
		t.Errorf("no twins at all: want an error, got none")
	}
}

// TestCompileGoChecksRules checks that a Go rule set must cover exactly the
// policies, with a waste function exactly where the policy has one.
func TestCompileGoChecksRules(t *testing.T) {
	ps, err := policy.Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	full := handRules(now, policy.Options{}.Naming, nil)
	ps = slices.DeleteFunc(ps, func(p *policy.Policy) bool { _, ok := full[p.ID]; return !ok })
	tests := map[string]struct {
		edit func(map[string]policy.GoRule)
		want string
	}{
		"missing rule":  {func(m map[string]policy.GoRule) { delete(m, "rds-public") }, "policy rds-public: no Go rule"},
		"unknown rule":  {func(m map[string]policy.GoRule) { m["nope"] = m["rds-public"] }, "Go rule nope: no policy has this id"},
		"no message":    {func(m map[string]policy.GoRule) { g := m["rds-public"]; g.Message = nil; m["rds-public"] = g }, "policy rds-public: Go rule needs Where and Message"},
		"waste missing": {func(m map[string]policy.GoRule) { g := m["ebs-gp2"]; g.Waste = nil; m["ebs-gp2"] = g }, "policy ebs-gp2: Go rule must have a Waste exactly when the policy has a waste expression"},
		"waste unwanted": {func(m map[string]policy.GoRule) {
			g := m["rds-public"]
			g.Waste = m["ebs-gp2"].Waste
			m["rds-public"] = g
		}, "policy rds-public: Go rule must have a Waste exactly when the policy has a waste expression"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rules := map[string]policy.GoRule{}
			for k, v := range full {
				rules[k] = v
			}
			tc.edit(rules)
			_, err := policy.CompileGo(ps, rules, policy.Options{Now: now})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// sizes are the estates the benchmarks use: 100k always, 1M when
// STEWARD_BENCH_1M is set (peak RSS is about 2.2 GB, 1.2 GB of it the
// estate, and a run takes a few seconds per engine).
func sizes() []int {
	if os.Getenv("STEWARD_BENCH_1M") != "" {
		return []int{100_000, 1_000_000}
	}
	return []int{100_000}
}

// BenchmarkEvaluate runs the built-in packs as CEL and as hand-written Go
// over the same estate, through the same engine. Compare the two with
// benchstat, or run cmd/policybench for the ratio in one process.
func BenchmarkEvaluate(b *testing.B) {
	celEngine, goEngine := engines(b)
	for _, n := range sizes() {
		rs := demo.Generate(n, 1, now)
		pairs := Pairs(celEngine, rs)
		for _, c := range []struct {
			name string
			e    *policy.Engine
		}{{"go", goEngine}, {"cel", celEngine}} {
			runtime.GC()
			b.Run(fmt.Sprintf("%s/%d", c.name, n), func(b *testing.B) {
				evaluate(b, c.e, rs, pairs)
			})
		}
	}
}

func evaluate(b *testing.B, e *policy.Engine, rs []inventory.Resource, pairs int) {
	b.ReportAllocs()
	ResetPeakRSS()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := e.Evaluate(context.Background(), rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pairs)*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
	b.ReportMetric(float64(pairs)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "pairs/cpu-s")
	b.ReportMetric(float64(PeakRSS())/(1<<20), "peakRSS-MB")
}

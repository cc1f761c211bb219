package demo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGenerate(t *testing.T) {
	for _, n := range []int{0, 1, 2, 57, 337, 338, 1000, 5000} {
		rs := Generate(n, 42, testNow)
		if len(rs) != n {
			t.Errorf("Generate(%d) made %d resources", n, len(rs))
			continue
		}
		// Each cut must still be a valid estate: unique, closed under
		// relations, true to the attrs contract.
		checkEstate(t, rs)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(2000, 7, testNow), Generate(2000, 7, testNow)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different estates (-first +second):\n%s", diff)
	}
	c := Generate(2000, 8, testNow)
	if cmp.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same estate; the seed must jitter ages and sizes")
	}
}

// TestGenerateKeepsTheMix checks that a generated estate has every problem
// of the demo, in the demo's proportion, whatever the seed.
func TestGenerateKeepsTheMix(t *testing.T) {
	demo := len(Estate(testNow))
	copies := 4
	for _, seed := range []int64{1, 99} {
		rs := Generate(demo*copies, seed, testNow)
		got := findProblems(rs, testNow)
		for key, arns := range Problems {
			if want := len(arns) * copies; len(got[key]) != want {
				t.Errorf("seed %d: %s on %d resources, want %d (%d per copy)", seed, key, len(got[key]), want, len(arns))
			}
		}
	}
}

func benchmarkGenerate(b *testing.B, n int) {
	b.ReportAllocs()
	for b.Loop() {
		if rs := Generate(n, 1, testNow); len(rs) != n {
			b.Fatalf("got %d resources", len(rs))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/resource")
}

func BenchmarkGenerate100k(b *testing.B) { benchmarkGenerate(b, 100_000) }
func BenchmarkGenerate1M(b *testing.B)   { benchmarkGenerate(b, 1_000_000) }

package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/steward-sre/steward/internal/finding"
)

// TestSortFindings: findings read unordered come out by policy, then ARN,
// in byte order (upper case before lower, as PostgreSQL's "C" collation
// and SQLite's BINARY sort them), each once, whatever order they came in.
func TestSortFindings(t *testing.T) {
	var want []finding.Finding
	for _, p := range []string{"Zeta", "alpha", "alpha-2", "beta"} {
		for i := range 50 {
			want = append(want, finding.Finding{Policy: p, ARN: fmt.Sprintf("arn:aws:s3:::b%03d", i), Message: p + fmt.Sprint(i)})
		}
	}
	for seed := range uint64(20) {
		got := slices.Clone(want)
		r := rand.New(rand.NewPCG(seed, 1))
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		sortFindings(got)
		if !slices.EqualFunc(got, want, func(a, b finding.Finding) bool { return a.Key() == b.Key() && a.Message == b.Message }) {
			t.Fatalf("seed %d: not in (policy, ARN) order: first %s/%s, want %s/%s", seed, got[0].Policy, got[0].ARN, want[0].Policy, want[0].ARN)
		}
	}
	sortFindings(nil) // nothing to sort is fine
}

// BenchmarkSortFindings: what putting a 1M-resource scan's findings in
// order costs the reader (1.19M findings, as the 500-account run saves).
func BenchmarkSortFindings(b *testing.B) {
	const n = 1_188_000
	fs := make([]finding.Finding, n)
	policies := []string{"ebs-unattached", "ebs-unencrypted", "logs-no-retention", "required-tags", "name-rule", "ebs-gp2"}
	for i := range fs {
		fs[i] = finding.Finding{Policy: policies[i%len(policies)], ARN: fmt.Sprintf("arn:aws:ec2:us-east-1:%012d:volume/vol-%08d", 200000000000+i%500, i)}
	}
	r := rand.New(rand.NewPCG(1, 2))
	shuffled := slices.Clone(fs)
	for b.Loop() {
		b.StopTimer()
		copy(shuffled, fs)
		r.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		b.StartTimer()
		sortFindings(shuffled)
	}
}

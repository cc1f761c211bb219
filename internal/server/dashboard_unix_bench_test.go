//go:build unix

package server

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// BenchmarkPages measures the CPU a page view costs over a store whose
// latest scan has 200k findings, the size the dashboard must answer in
// under 100 ms at (STEWARD_BENCH_FINDINGS sets another). The scan is
// saved and indexed before the clock starts. bench/serve/run.sh measures
// the whole server at 1M resources with a load tool; this isolates the
// handlers from the machine's other load.
//
//	go test -run '^$' -bench Pages -benchtime 200x ./internal/server/
func BenchmarkPages(b *testing.B) {
	s := testServer(b, "")
	ctx := b.Context()
	prev, err := s.store.LatestScan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_FINDINGS")); err == nil && v > 0 {
		n = v
	}
	started := prev.Started.Add(time.Hour)
	sc := &inventory.Scan{ID: "bench", Source: "bench", Started: started, Finished: started.Add(time.Minute), Coverage: prev.Coverage, Currency: "USD", Rate: 1}
	fs := make([]finding.Finding, n)
	for i := range fs {
		fs[i] = finding.Finding{
			Policy: fmt.Sprintf("policy-%02d", i%37), Title: "t", Severity: finding.Severity(i % 5), Category: finding.Categories[i%len(finding.Categories)],
			ARN: fmt.Sprintf("arn:aws:ec2:ap-northeast-1:%012d:instance/i-%08d", i%50, i), Type: "AWS::EC2::Instance",
			Account: fmt.Sprintf("%012d", i%50), Region: "ap-northeast-1", Name: fmt.Sprintf("web-%06d", i),
			Owner: fmt.Sprintf("team-%d", i%20), System: fmt.Sprintf("sys-%d", i%10), Env: []string{"prod", "stg", "dev"}[i%3],
			MonthlyWaste: float64(i % 97), Currency: "USD", Rate: 1, Message: "a message of ordinary length about the resource",
		}
	}
	if _, err := s.store.SaveScan(ctx, sc, nil, fs); err != nil {
		b.Fatal(err)
	}
	s.dash.warm(ctx)
	// Every filter, every order, the views that were slow, and deep pages
	// by number and by the pager's cursor.
	deep := ""
	{
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/findings?sort=waste&dir=desc&page=2000", nil))
		if m := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(rec.Body.String()); m != nil {
			deep = html.UnescapeString(m[1])
		}
		if deep == "" {
			b.Fatal("page 2000 has no next link")
		}
	}
	for _, target := range []string{
		"/",
		"/findings",
		"/findings?owner=team-3",
		"/findings?system=sys-4",
		"/findings?env=stg",
		"/findings?account=000000000007",
		"/findings?category=waste",
		"/findings?severity=high",
		"/findings?new=1",
		"/findings?sort=policy&dir=asc",
		"/findings?sort=resource&dir=asc",
		"/findings?sort=account&dir=desc",
		"/findings?sort=owner&dir=asc",
		"/findings?sort=waste&dir=desc",
		"/findings?sort=first_seen&dir=desc",
		"/findings?severity=high&sort=waste&dir=desc",
		"/findings?category=waste&new=1&page=40",
		"/findings?owner=team-3&sort=resource&dir=asc&page=3",
		"/findings?page=50",
		"/findings?page=2000",
		"/findings?page=4000",
		deep,
	} {
		b.Run(target, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
			// On a shared machine wall time says more about the neighbours
			// than about the handler: report the CPU each view took too.
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

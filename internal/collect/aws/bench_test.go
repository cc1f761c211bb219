package aws

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
)

// BenchmarkCollect scans a fake estate of about 1,000 resources over HTTP
// with 20ms injected latency per call, sequentially and concurrently, with
// and without a Config aggregator, and reports API calls per 1,000
// resources beside the wall time.
//
//	go test -run '^$' -bench BenchmarkCollect -benchtime 3x ./internal/collect/aws/
func BenchmarkCollect(b *testing.B) {
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	estate := testEstate(testNow, accounts, testRegions, 55)
	fake := awsfake.New(estate, awsfake.Options{PageSize: 50, Latency: 20 * time.Millisecond, Now: testNow, ConfigAggregator: "org-all"})
	defer fake.Close()
	awsEnv(b, accounts)
	for _, conc := range []int{1, 16} {
		for _, agg := range []string{"", "org-all"} {
			b.Run(fmt.Sprintf("concurrency=%d/aggregator=%t", conc, agg != ""), func(b *testing.B) {
				opts := testOptions(fake.URL, accounts)
				opts.Concurrency = conc
				opts.UnitTimeout = time.Minute
				opts.ConfigAggregator = agg
				src, err := New(context.Background(), opts, nil)
				must(b, err)
				var calls, resources int
				b.ResetTimer()
				for b.Loop() {
					col, err := src.Collect(context.Background(), nil)
					must(b, err)
					calls, resources = 0, len(col.Resources)
					for _, n := range col.APICalls {
						calls += n
					}
				}
				b.ReportMetric(float64(resources), "resources")
				b.ReportMetric(float64(calls)*1000/float64(resources), "calls/1k-resources")
			})
		}
	}
}

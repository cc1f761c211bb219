package aws

import (
	"context"
	"fmt"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// metricsAPI is the CloudWatch call idleness metrics need.
type metricsAPI interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// metricQuery asks for one daily statistic of one metric of one resource.
type metricQuery struct {
	namespace string
	metric    string
	dims      map[string]string
	stat      string // Sum or Maximum
}

// metricBatch is how many queries one GetMetricData call carries (the API's limit).
const metricBatch = 500

// getMetrics reads the daily datapoints of every query over [start, end),
// 500 queries per GetMetricData call instead of one call per resource.
// The result is indexed like qs.
func getMetrics(ctx context.Context, api metricsAPI, qs []metricQuery, start, end time.Time) ([][]float64, error) {
	out := make([][]float64, len(qs))
	for lo := 0; lo < len(qs); lo += metricBatch {
		hi := min(lo+metricBatch, len(qs))
		in := &cloudwatch.GetMetricDataInput{StartTime: sdkaws.Time(start), EndTime: sdkaws.Time(end)}
		for i := lo; i < hi; i++ {
			q := qs[i]
			var dims []cwtypes.Dimension
			for k, v := range q.dims {
				dims = append(dims, cwtypes.Dimension{Name: sdkaws.String(k), Value: sdkaws.String(v)})
			}
			in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{
				Id: sdkaws.String(fmt.Sprintf("m%d", i)),
				MetricStat: &cwtypes.MetricStat{
					Metric: &cwtypes.Metric{Namespace: sdkaws.String(q.namespace), MetricName: sdkaws.String(q.metric), Dimensions: dims},
					Period: sdkaws.Int32(86400),
					Stat:   sdkaws.String(q.stat),
				},
			})
		}
		pg := cloudwatch.NewGetMetricDataPaginator(api, in)
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("cloudwatch get metric data: %w", err)
			}
			for _, r := range page.MetricDataResults {
				var i int
				if _, err := fmt.Sscanf(sdkaws.ToString(r.Id), "m%d", &i); err != nil || i < lo || i >= hi {
					continue
				}
				out[i] = append(out[i], r.Values...)
			}
		}
	}
	return out, nil
}

func sum(vs []float64) float64 {
	t := 0.0
	for _, v := range vs {
		t += v
	}
	return t
}

func maxOf(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// lookbackStart is the start of a window of days ending at now, aligned to
// whole days so the daily periods line up.
func lookbackStart(now time.Time, days int) time.Time {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
}

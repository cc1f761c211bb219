package cost

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/google/go-cmp/cmp"
)

// fakeCE serves pages by token: usage pages for the usage query, others
// for the query of credits, taxes and fees.
type fakeCE struct {
	usage, other [][]types.ResultByTime
	calls        []string
	fail         error
}

func (f *fakeCE) GetCostAndUsage(_ context.Context, in *costexplorer.GetCostAndUsageInput, _ ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	pages, q := f.usage, "usage"
	if in.Filter.Not != nil {
		pages, q = f.other, "other"
	}
	i := 0
	if t := aws.ToString(in.NextPageToken); t != "" {
		i = int(t[len(t)-1] - '0')
	}
	f.calls = append(f.calls, q+" "+aws.ToString(in.TimePeriod.Start)+".."+aws.ToString(in.TimePeriod.End)+" "+aws.ToString(in.NextPageToken))
	out := &costexplorer.GetCostAndUsageOutput{ResultsByTime: pages[i]}
	if i+1 < len(pages) {
		out.NextPageToken = aws.String(q + string(rune('0'+i+1)))
	}
	return out, nil
}

func ceDay(day string, groups ...types.Group) types.ResultByTime {
	return types.ResultByTime{TimePeriod: &types.DateInterval{Start: aws.String(day)}, Groups: groups}
}

func ceGroup(k1, k2, billed, amortized string) types.Group {
	return types.Group{Keys: []string{k1, k2}, Metrics: map[string]types.MetricValue{
		"UnblendedCost": {Amount: aws.String(billed), Unit: aws.String("USD")},
		"AmortizedCost": {Amount: aws.String(amortized), Unit: aws.String("USD")},
	}}
}

func TestIngestCostExplorer(t *testing.T) {
	fake := &fakeCE{
		usage: [][]types.ResultByTime{
			{ceDay("2025-02-01", ceGroup("system$shop", "Amazon Elastic Compute Cloud - Compute", "10.5", "9.25"),
				ceGroup("system$", "Amazon Simple Storage Service", "0.0000001", "0.0000001"))},
			{ceDay("2025-02-01", ceGroup("system$shop", "Amazon Elastic Compute Cloud - Compute", "1.5", "1.5"))},
			{ceDay("2025-02-02", ceGroup("system$search", "Amazon OpenSearch Service", "3", "3"),
				ceGroup("system$search", "Amazon OpenSearch Service", "abc", "1"))},
		},
		other: [][]types.ResultByTime{
			{ceDay("2025-02-01", ceGroup("Tax", "Tax", "2.1", "2.1"), ceGroup("Credit", "Amazon Elastic Compute Cloud - Compute", "-5", "-5"))},
			{ceDay("2025-02-02", ceGroup("Support", "AWS Support (Business)", "100", "100"))},
		},
	}
	st := NewMemStore()
	now := time.Date(2025, 2, 3, 8, 0, 0, 0, time.UTC)
	res, err := IngestCostExplorer(context.Background(), st, CostExplorerOptions{
		From: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 2, 3, 0, 0, 0, 0, time.UTC),
		TagKey: "system", Now: now, Client: fake,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Three usage pages and two others, each query widened to the whole
	// month and capped at tomorrow.
	wantCalls := []string{
		"usage 2025-02-01..2025-02-04 ", "usage 2025-02-01..2025-02-04 usage1", "usage 2025-02-01..2025-02-04 usage2",
		"other 2025-02-01..2025-02-04 ", "other 2025-02-01..2025-02-04 other1",
	}
	if d := cmp.Diff(wantCalls, fake.calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if res.Requests != 5 || res.RequestCost.String() != "0.05" {
		t.Errorf("requests %d costing %s, want 5 costing 0.05", res.Requests, res.RequestCost)
	}
	s := summarize(t, st, res)
	want := summary{
		Format: CostExplorer, Lines: 8, Skipped: 1,
		// 10.5 + 0.0000001 + 1.5 + 3 + 2.1 - 5 + 100
		Billed:  "112.1000001",
		BadRows: []string{`cost-explorer:2025-02-01..2025-02-04:3: UnblendedCost "abc" is not a number`},
		Rollups: []string{
			`2025-02-01 | cost-explorer | 2025-02 |  | Amazon Elastic Compute Cloud - Compute |  |  | {"system":"shop"} | usage | USD | 12 | 10.75`,
			"2025-02-01 | cost-explorer | 2025-02 |  | Amazon Elastic Compute Cloud - Compute | Credit |  |  | credit | USD | -5 | -5",
			"2025-02-01 | cost-explorer | 2025-02 |  | Amazon Simple Storage Service |  |  |  | usage | USD | 0.0000001 | 0.0000001",
			"2025-02-01 | cost-explorer | 2025-02 |  | Tax | Tax |  |  | tax | USD | 2.1 | 2.1",
			"2025-02-02 | cost-explorer | 2025-02 |  | AWS Support (Business) | Support |  |  | fee | USD | 100 | 100",
			`2025-02-02 | cost-explorer | 2025-02 |  | Amazon OpenSearch Service |  |  | {"system":"search"} | usage | USD | 3 | 3`,
		},
	}
	if d := cmp.Diff(want, s); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	// The same month again replaces it.
	fake.calls = nil
	if _, err := IngestCostExplorer(context.Background(), st, CostExplorerOptions{
		From: time.Date(2025, 2, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 2, 3, 0, 0, 0, 0, time.UTC),
		TagKey: "system", Now: now, Client: fake,
	}); err != nil {
		t.Fatal(err)
	}
	ps, _ := st.Periods(context.Background())
	if len(ps) != 1 || ps[0].Billed.String() != "112.1000001" {
		t.Errorf("periods after re-ingest: %+v", ps)
	}
}

func TestIngestCostExplorerErrors(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 2, d, 0, 0, 0, 0, time.UTC) }
	now := day(20)
	tests := map[string]struct {
		o    CostExplorerOptions
		want string
	}{
		"no dates":   {CostExplorerOptions{TagKey: "system", Now: now}, "--from and --to are required (each request costs $0.01)"},
		"backwards":  {CostExplorerOptions{From: day(5), To: day(2), TagKey: "system", Now: now}, "--from 2025-02-05 is not before --to 2025-02-02"},
		"future":     {CostExplorerOptions{From: day(25).AddDate(0, 1, 0), To: day(26).AddDate(0, 1, 0), TagKey: "system", Now: now}, "nothing to read between 2025-03-01 and 2025-02-21"},
		"api denied": {CostExplorerOptions{From: day(1), To: day(2), TagKey: "system", Now: now, Client: &fakeCE{fail: errors.New("AccessDeniedException")}}, "get cost and usage (page 1): AccessDeniedException"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.o.Client == nil {
				tc.o.Client = &fakeCE{}
			}
			_, err := IngestCostExplorer(context.Background(), NewMemStore(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

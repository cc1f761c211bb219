package bill

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/steward-sre/steward/internal/money"
)

// CostExplorer is the format of rollups read from the Cost Explorer API:
// daily spend by one tag and service, with no account, usage type or
// resource, so coarser than any export.
const CostExplorer Format = "Cost Explorer API (daily, by tag and service)"

// CostExplorerAPI is the part of the Cost Explorer client ingest uses.
type CostExplorerAPI interface {
	GetCostAndUsage(ctx context.Context, in *costexplorer.GetCostAndUsageInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error)
}

// usageRecordTypes are the Cost Explorer record types that are usage;
// every other (credit, tax, refund, fees) is read apart, as in exports.
var usageRecordTypes = []string{"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"}

// ReadCostExplorer reads daily unblended (billed) and amortized cost for
// the days [from, to) from GetCostAndUsage into rollups under source:
// usage grouped by tagKey and service, the other record types by record
// type and service. Every page is a paid request; it returns how many
// were made.
func ReadCostExplorer(ctx context.Context, client CostExplorerAPI, source, tagKey string, from, to time.Time) (agg *Aggregator, requests int, err error) {
	agg = NewAggregator(source)
	fs := FileStats{Name: fmt.Sprintf("cost-explorer:%s..%s", from.Format(time.DateOnly), to.Format(time.DateOnly)), Format: CostExplorer}
	period := &types.DateInterval{Start: aws.String(from.Format(time.DateOnly)), End: aws.String(to.Format(time.DateOnly))}
	metrics := []string{"UnblendedCost", "AmortizedCost"}
	queries := []struct {
		in    *costexplorer.GetCostAndUsageInput
		usage bool
	}{
		{usage: true, in: &costexplorer.GetCostAndUsageInput{
			Granularity: types.GranularityDaily, TimePeriod: period, Metrics: metrics,
			GroupBy: []types.GroupDefinition{{Type: types.GroupDefinitionTypeTag, Key: aws.String(tagKey)}, {Type: types.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")}},
			Filter:  &types.Expression{Dimensions: &types.DimensionValues{Key: types.DimensionRecordType, Values: usageRecordTypes}},
		}},
		{in: &costexplorer.GetCostAndUsageInput{
			Granularity: types.GranularityDaily, TimePeriod: period, Metrics: metrics,
			GroupBy: []types.GroupDefinition{{Type: types.GroupDefinitionTypeDimension, Key: aws.String("RECORD_TYPE")}, {Type: types.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")}},
			Filter:  &types.Expression{Not: &types.Expression{Dimensions: &types.DimensionValues{Key: types.DimensionRecordType, Values: usageRecordTypes}}},
		}},
	}
	for _, q := range queries {
		in := *q.in
		for {
			if err := ctx.Err(); err != nil {
				return nil, requests, fmt.Errorf("cost explorer: %w", err)
			}
			out, err := client.GetCostAndUsage(ctx, &in)
			requests++
			if err != nil {
				return nil, requests, fmt.Errorf("cost explorer: get cost and usage (page %d): %w", requests, err)
			}
			for _, rt := range out.ResultsByTime {
				day := ""
				if rt.TimePeriod != nil {
					day = aws.ToString(rt.TimePeriod.Start)
				}
				for _, g := range rt.Groups {
					agg.addCostExplorer(&fs, int64(requests), tagKey, q.usage, day, g)
				}
			}
			if aws.ToString(out.NextPageToken) == "" {
				break
			}
			in.NextPageToken = out.NextPageToken
		}
	}
	agg.stats.Files = append(agg.stats.Files, fs)
	return agg, requests, nil
}

// addCostExplorer adds one group of one day; page stands in for the line
// number of a bad group.
func (a *Aggregator) addCostExplorer(fs *FileStats, page int64, tagKey string, usage bool, day string, g types.Group) {
	fs.Lines++
	a.stats.Lines++
	d, y, m, err := parseDay(day)
	if err != nil {
		a.bad(fs, page, fmt.Sprintf("TimePeriod.Start: %v", err))
		return
	}
	amount := func(metric string) (money.Amount, error) {
		v, ok := g.Metrics[metric]
		if !ok || v.Amount == nil {
			return money.Amount{}, nil
		}
		mo, err := money.Parse(*v.Amount)
		if err != nil {
			return money.Amount{}, fmt.Errorf("%s %q is not a number", metric, truncate(*v.Amount, 40))
		}
		return mo, nil
	}
	billed, err := amount("UnblendedCost")
	if err != nil {
		a.bad(fs, page, err.Error())
		return
	}
	effective, err := amount("AmortizedCost")
	if err != nil {
		a.bad(fs, page, err.Error())
		a.stats.SkippedBilled = a.stats.SkippedBilled.Add(billed)
		return
	}
	var first, service string
	if len(g.Keys) > 0 {
		first = g.Keys[0]
	}
	if len(g.Keys) > 1 {
		service = g.Keys[1]
	}
	k := keyClass{source: a.source, period: periodString(y, m), service: service,
		currency: aws.ToString(g.Metrics["UnblendedCost"].Unit)}
	if usage {
		k.kind = KindUsage
		// Tag groups read "key$value"; an empty value is untagged spend.
		if _, v, _ := strings.Cut(first, "$"); v != "" {
			k.tags = MakeTags(map[string]string{tagKey: v})
		}
	} else {
		k.kind = kindOf(first)
		if k.kind == KindUsage {
			k.kind = KindFee // a record type kindOf does not know, such as Support
		}
		k.usage = first
	}
	key := aggKey{cls: a.keyClassOf(k), day: d}
	v := a.m[key]
	if v == nil {
		v = &aggVal{}
		a.m[key] = v
	}
	v.billed = v.billed.Add(billed)
	v.effective = v.effective.Add(effective)
	v.lines++
	fs.Billed = fs.Billed.Add(billed)
	a.stats.Billed = a.stats.Billed.Add(billed)
}

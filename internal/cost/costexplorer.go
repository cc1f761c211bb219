package cost

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
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

// CostExplorerSource is the source name Cost Explorer rollups are stored
// under, apart from any export of the same bill.
const CostExplorerSource = "cost-explorer"

// CostExplorerRequestPrice is what AWS charges per GetCostAndUsage
// request (each page is one request), in USD.
const CostExplorerRequestPrice = "0.01"

// CostExplorerAPI is the part of the Cost Explorer client ingest uses.
type CostExplorerAPI interface {
	GetCostAndUsage(ctx context.Context, in *costexplorer.GetCostAndUsageInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error)
}

// CostExplorerOptions are the inputs of `steward cost ingest --cost-explorer`.
type CostExplorerOptions struct {
	// From and To bound the days read, [From, To). Both are widened to
	// whole months, since a stored month is replaced as a whole; To is
	// capped at tomorrow.
	From, To time.Time
	// TagKey is the tag spend is grouped by (the system tag key).
	TagKey string
	Now    time.Time
	// Client reads Cost Explorer, built by the caller with the scan's
	// credentials (aws.BaseConfig); required.
	Client CostExplorerAPI
	Logger *slog.Logger
}

// Validate names the missing or wrong field.
func (o *CostExplorerOptions) Validate() error {
	switch {
	case o.From.IsZero() || o.To.IsZero():
		return fmt.Errorf("cost explorer: --from and --to are required (each request costs %s)", money.Format(MustMoney(CostExplorerRequestPrice), money.USD))
	case !o.From.Before(o.To):
		return fmt.Errorf("cost explorer: --from %s is not before --to %s", o.From.Format(time.DateOnly), o.To.Format(time.DateOnly))
	case o.TagKey == "":
		return fmt.Errorf("cost explorer: TagKey is required")
	case o.Now.IsZero():
		return fmt.Errorf("cost explorer: Now is required")
	}
	return nil
}

// usageRecordTypes are the Cost Explorer record types that are usage;
// every other (credit, tax, refund, fees) is read apart, as in exports.
var usageRecordTypes = []string{"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"}

// IngestCostExplorer reads daily unblended (billed) and amortized cost
// from GetCostAndUsage, usage grouped by TagKey and service and the other
// record types by record type and service, and replaces each month read
// under the source "cost-explorer". Every page is a paid request; the
// result counts them.
func IngestCostExplorer(ctx context.Context, st RollupStore, o CostExplorerOptions) (*IngestResult, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Client == nil {
		return nil, fmt.Errorf("cost explorer: Client is required")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	from := o.From.UTC()
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	last := o.To.UTC().AddDate(0, 0, -1)
	to := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	if tomorrow := dayTime(dayOf(o.Now) + 1); to.After(tomorrow) {
		to = tomorrow
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("cost explorer: nothing to read between %s and %s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	agg := NewAggregator(CostExplorerSource)
	fs := FileStats{Name: fmt.Sprintf("cost-explorer:%s..%s", from.Format(time.DateOnly), to.Format(time.DateOnly)), Format: CostExplorer}
	period := &types.DateInterval{Start: aws.String(from.Format(time.DateOnly)), End: aws.String(to.Format(time.DateOnly))}
	metrics := []string{"UnblendedCost", "AmortizedCost"}
	queries := []struct {
		in    *costexplorer.GetCostAndUsageInput
		usage bool
	}{
		{usage: true, in: &costexplorer.GetCostAndUsageInput{
			Granularity: types.GranularityDaily, TimePeriod: period, Metrics: metrics,
			GroupBy: []types.GroupDefinition{{Type: types.GroupDefinitionTypeTag, Key: aws.String(o.TagKey)}, {Type: types.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")}},
			Filter:  &types.Expression{Dimensions: &types.DimensionValues{Key: types.DimensionRecordType, Values: usageRecordTypes}},
		}},
		{in: &costexplorer.GetCostAndUsageInput{
			Granularity: types.GranularityDaily, TimePeriod: period, Metrics: metrics,
			GroupBy: []types.GroupDefinition{{Type: types.GroupDefinitionTypeDimension, Key: aws.String("RECORD_TYPE")}, {Type: types.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")}},
			Filter:  &types.Expression{Not: &types.Expression{Dimensions: &types.DimensionValues{Key: types.DimensionRecordType, Values: usageRecordTypes}}},
		}},
	}
	requests := 0
	for _, q := range queries {
		in := *q.in
		for {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("cost explorer: %w", err)
			}
			out, err := o.Client.GetCostAndUsage(ctx, &in)
			requests++
			if err != nil {
				return nil, fmt.Errorf("cost explorer: get cost and usage (page %d): %w", requests, err)
			}
			for _, rt := range out.ResultsByTime {
				day := ""
				if rt.TimePeriod != nil {
					day = aws.ToString(rt.TimePeriod.Start)
				}
				for _, g := range rt.Groups {
					agg.addCostExplorer(&fs, int64(requests), o.TagKey, q.usage, day, g)
				}
			}
			if aws.ToString(out.NextPageToken) == "" {
				break
			}
			in.NextPageToken = out.NextPageToken
		}
	}
	agg.stats.Files = append(agg.stats.Files, fs)
	log.Info("read Cost Explorer", "requests", requests, "from", from.Format(time.DateOnly), "to", to.Format(time.DateOnly))
	res := &IngestResult{Stats: agg.Stats(), Requests: requests}
	res.RequestCost = MustMoney(CostExplorerRequestPrice).MulRat(big.NewRat(int64(requests), 1))
	if err := storeRollups(ctx, st, o.Now, agg, res); err != nil {
		return nil, err
	}
	return res, nil
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
	amount := func(metric string) (Money, error) {
		v, ok := g.Metrics[metric]
		if !ok || v.Amount == nil {
			return Money{}, nil
		}
		mo, err := ParseMoney(*v.Amount)
		if err != nil {
			return Money{}, fmt.Errorf("%s %q is not a number", metric, truncate(*v.Amount, 40))
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
	k := aggKey{day: d, source: a.source, period: periodString(y, m), service: service,
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
	v := a.m[k]
	if v == nil {
		v = &aggVal{}
		a.m[k] = v
	}
	v.billed = v.billed.Add(billed)
	v.effective = v.effective.Add(effective)
	v.lines++
	fs.Billed = fs.Billed.Add(billed)
	a.stats.Billed = a.stats.Billed.Add(billed)
}

package cost

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/steward-sre/steward/internal/cost/bill"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/money"
)

// CostExplorerSource is the source name Cost Explorer rollups are stored
// under, apart from any export of the same bill.
const CostExplorerSource = "cost-explorer"

// CostExplorerRequestPrice is what AWS charges per GetCostAndUsage
// request (each page is one request), in USD.
const CostExplorerRequestPrice = "0.01"

// CostExplorerAPI is the part of the Cost Explorer client ingest uses.
type CostExplorerAPI = bill.CostExplorerAPI

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
		return i18n.Wrap(i18n.Say("cost.ctx.ce"), i18n.Say("cost.err.ce.fromto", money.Format(MustMoney(CostExplorerRequestPrice), money.USD)).Err())
	case !o.From.Before(o.To):
		return i18n.Wrap(i18n.Say("cost.ctx.ce"), i18n.Say("cost.err.ce.order", o.From.Format(time.DateOnly), o.To.Format(time.DateOnly)).Err())
	case o.TagKey == "":
		return fmt.Errorf("cost explorer: TagKey is required")
	case o.Now.IsZero():
		return fmt.Errorf("cost explorer: Now is required")
	}
	return nil
}

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
	agg, requests, err := bill.ReadCostExplorer(ctx, o.Client, CostExplorerSource, o.TagKey, from, to)
	if err != nil {
		return nil, err
	}
	log.Info("read Cost Explorer", "requests", requests, "from", from.Format(time.DateOnly), "to", to.Format(time.DateOnly))
	res := &IngestResult{Stats: agg.Stats(), Requests: requests}
	res.RequestCost = MustMoney(CostExplorerRequestPrice).MulRat(big.NewRat(int64(requests), 1))
	if err := storeRollups(ctx, st, o.Now, agg, res); err != nil {
		return nil, err
	}
	return res, nil
}

package cli

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/costexplorer"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/costreport"
)

// runCostExplorer is `steward cost ingest --cost-explorer --from --to`.
func (c *CostIngestCmd) runCostExplorer(ctx context.Context, r *runner) error {
	switch {
	case !c.CostExplorer:
		return usageError{i18n.Say("cli.err.ce.fromto").Err()}
	case len(c.Paths) > 0 || c.Demo:
		return usageError{i18n.Say("cli.err.ce.both").Err()}
	}
	from, err := parseDay("--from", c.From)
	if err != nil {
		return err
	}
	to, err := parseDay("--to", c.To)
	if err != nil {
		return err
	}
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	o := cost.CostExplorerOptions{From: from, To: to, TagKey: cfg.Tags.SystemKey, Now: r.env.Now().UTC(), Logger: r.log}
	if err := o.Validate(); err != nil {
		return usageError{err}
	}
	// Cost Explorer answers in us-east-1, with the accounts' credentials.
	acfg, err := aws.BaseConfig(ctx, r.awsOptions(cfg))
	if err != nil {
		return usageError{fmt.Errorf("cost explorer: %w", err)}
	}
	acfg.Region = "us-east-1"
	o.Client = costexplorer.NewFromConfig(acfg)
	st, cs, err := r.costStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := cost.IngestCostExplorer(ctx, cs, o)
	if err != nil {
		return err
	}
	return costreport.Ingest(r.env.Stdout, res, r.costOutput(c.Format))
}

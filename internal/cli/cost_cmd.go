package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/costdb"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/costreport"
	"github.com/steward-sre/steward/internal/store"
)

// CostCmd groups the cost subcommands.
type CostCmd struct {
	Ingest    CostIngestCmd    `cmd:"" help:"Read FOCUS or CUR billing exports (CSV, Parquet, gzipped; files, folders, s3://) into the store."`
	Show      CostShowCmd      `cmd:"" help:"Cost by system, env, owner, service, account, resource or tag."`
	Waste     CostWasteCmd     `cmd:"" help:"Money recoverable per month from waste findings, by owner, priced from the bill where it can be."`
	Anomalies CostAnomaliesCmd `cmd:"" help:"Rises in spend that stand out from each system's own history, with what is behind them."`
	Check     CostCheckCmd     `cmd:"" help:"Exit 1 when a budget or an anomaly threshold is breached (for CI and cron)."`
	Recommend CostRecommendCmd `cmd:"" help:"Changes that save money per month (gp3, newer instances, Fargate Spot, office hours, idle NAT and databases), each explained."`
}

// CostIngestCmd ingests billing files.
type CostIngestCmd struct {
	Paths  []string `arg:"" optional:"" help:"Export files, folders or s3://bucket/prefix." placeholder:"PATH"`
	Source string   `help:"Name of the bill (default: the payer account of each line)."`
	Demo   bool     `help:"Ingest a synthetic bill that matches the demo estate (see steward demo)."`
	Format string   `help:"Output: table or json." default:"table" enum:"table,json" short:"f"`
	// AcceptSkipped stores a bill however many of its lines are unreadable.
	AcceptSkipped bool `name:"accept-skipped" help:"Store what was read even when more of a file's lines are unreadable than cost.max_skipped allows (default 1%); by default nothing is stored then."`
	// Cost Explorer instead of export files (cost_costexplorer_cmd.go).
	CostExplorer bool   `name:"cost-explorer" help:"Read daily cost by system tag and service from the Cost Explorer API instead of files: coarser than an export, and each request costs $0.01."`
	From         string `help:"With --cost-explorer: first day (YYYY-MM-DD), widened to the start of its month." placeholder:"DATE"`
	To           string `help:"With --cost-explorer: day after the last (YYYY-MM-DD)." placeholder:"DATE"`
}

// Run ingests.
func (c *CostIngestCmd) Run(ctx context.Context, r *runner) error {
	if c.CostExplorer || c.From != "" || c.To != "" {
		return c.runCostExplorer(ctx, r)
	}
	if len(c.Paths) == 0 && !c.Demo {
		return r.usage("cli.ingestpaths")
	}
	defer tuneGC(os.Getenv, ingestGCPercent, ingestMemLimit)()
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	st, cs, err := r.costStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	paths := c.Paths
	if c.Demo {
		p, cleanup, err := r.writeDemoBill()
		if err != nil {
			return err
		}
		defer cleanup()
		paths = append(paths, p)
	}
	o := cost.IngestOptions{
		Paths: paths, Source: c.Source, Now: r.env.Now().UTC(), Logger: r.log,
		MaxSkipped: cfg.Cost.MaxSkippedShare(), AcceptSkipped: c.AcceptSkipped,
	}
	if anyS3(paths) {
		if o.S3, err = r.s3Client(ctx, cfg); err != nil {
			return err
		}
	}
	res, err := cost.Ingest(ctx, cs, o)
	if err != nil {
		return ingestError(err)
	}
	return costreport.Ingest(r.env.Stdout, res, r.costOutput(c.Format))
}

// ingestError sorts an ingest's failure: the store's, the disk's or the
// network's is steward's own (exit 4, worth a retry), anything else is
// the bill's or the paths' (exit 2).
func ingestError(err error) error {
	var se *cost.StoreError
	var ie *cost.IOError
	if err == nil || errors.As(err, &se) || errors.As(err, &ie) {
		return err
	}
	return usageError{err}
}

// writeDemoBill writes the demo estate's bill to a temporary file.
func (r *runner) writeDemoBill() (string, func(), error) {
	dir, err := os.MkdirTemp("", "steward-demo-bill-")
	if err != nil {
		return "", nil, fmt.Errorf("demo bill: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	p := filepath.Join(dir, "demo-focus.csv")
	f, err := os.Create(p)
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("demo bill: %w", err)
	}
	now := r.env.Now().UTC()
	err = cost.GenerateDemoBill(now, demo.Estate(now), f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("demo bill: %w", err)
	}
	return p, cleanup, nil
}

// CostFlags are the flags every reporting cost command takes.
type CostFlags struct {
	Format string `help:"Output: table, json, csv, markdown." default:"table" enum:"table,json,csv,markdown" short:"f"`
}

// CostWasteCmd prices waste findings by owner.
type CostWasteCmd struct{ CostFlags }

// Run reports waste. It is priced from the price table where there is no
// bill: it still answers, and says how to make it exact.
func (c *CostWasteCmd) Run(ctx context.Context, r *runner) error {
	return r.withCostCommon(ctx, func(o cost.Common) error {
		end, err := cost.DataEnd(ctx, o.Store)
		switch {
		case errors.Is(err, cost.ErrNoBill):
			fmt.Fprintln(r.env.Stderr, "steward: "+r.lang.T("cost.err.nobill"))
		case err != nil:
			return err
		default:
			o.Now = dataNow(o.Now, end)
		}
		res, err := cost.Waste(ctx, o)
		if err != nil {
			return err
		}
		return costreport.Waste(r.env.Stdout, res, r.costOutput(c.Format))
	})
}

// CostAnomaliesCmd finds rises in spend.
type CostAnomaliesCmd struct{ CostFlags }

// Run reports anomalies, measured from the last day billed.
func (c *CostAnomaliesCmd) Run(ctx context.Context, r *runner) error {
	return r.withCostCommon(ctx, func(o cost.Common) error {
		end, err := billedEnd(ctx, r, o)
		if err != nil {
			return err
		}
		o.Now = dataNow(o.Now, end)
		res, err := cost.Anomalies(ctx, o)
		if err != nil {
			return err
		}
		return costreport.Anomalies(r.env.Stdout, res, r.costOutput(c.Format))
	})
}

// billedEnd is the day after the last day billed. With no bill ingested
// there is nothing to compare: the exit is "incomplete", so that a check
// cannot pass every CI gate.
func billedEnd(ctx context.Context, r *runner, o cost.Common) (time.Time, error) {
	end, err := cost.DataEnd(ctx, o.Store)
	if errors.Is(err, cost.ErrNoBill) {
		return time.Time{}, exitError{ExitIncomplete, "steward: " + r.lang.T("cost.err.nobill")}
	}
	return end, err
}

// CostCheckCmd is the budget and anomaly gate for CI.
type CostCheckCmd struct{ CostFlags }

// Run checks; a breach exits 1.
func (c *CostCheckCmd) Run(ctx context.Context, r *runner) error {
	return r.withCostCommon(ctx, func(o cost.Common) error {
		if _, err := billedEnd(ctx, r, o); err != nil {
			return err
		}
		res, err := cost.Check(ctx, o)
		if err != nil {
			return err
		}
		out := r.costOutput(c.Format)
		if err := costreport.Check(r.env.Stdout, res, out); err != nil {
			return err
		}
		if err := costreport.CheckFailed(res, out.Lang); err != nil {
			return exitError{ExitFindings, "steward: " + err.Error()}
		}
		return nil
	})
}

// withCostCommon runs f with what the reporting commands share.
func (r *runner) withCostCommon(ctx context.Context, f func(cost.Common) error) error {
	o, closeFn, err := r.costCommon(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	return f(o)
}

// CostShowCmd breaks cost down.
type CostShowCmd struct {
	CostFlags
	By        string `help:"system, env, owner, service, account, resource, or tag:KEY." default:"system"`
	From      string `help:"First day (YYYY-MM-DD); default 30 days before --to." placeholder:"DATE"`
	To        string `help:"Day after the last (YYYY-MM-DD); default the day after the last day of ingested bills (or today, if sooner)." placeholder:"DATE"`
	Amortized bool   `help:"Show amortised (effective) cost instead of billed."`
	Top       int    `help:"Largest groups and untagged resources to list (default: every group and 10 untagged resources)."`
}

// Run shows.
func (c *CostShowCmd) Run(ctx context.Context, r *runner) error {
	if err := cost.ValidBy(c.By); err != nil {
		return err
	}
	defer tuneGC(os.Getenv, reportGCPercent, noMemLimitChange)()
	from, err := parseDay("--from", c.From)
	if err != nil {
		return err
	}
	to, err := parseDay("--to", c.To)
	if err != nil {
		return err
	}
	o, closeFn, err := r.costCommon(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	end, err := cost.DataEnd(ctx, o.Store)
	if errors.Is(err, cost.ErrNoBill) {
		return exitError{ExitIncomplete, "steward: " + r.lang.T("cost.err.nobill")}
	}
	if err != nil {
		return err
	}
	if from.IsZero() && to.IsZero() {
		// With no dates: the last 30 days of the data there is, not of
		// the calendar (a bill from an earlier month would show nothing).
		to = dataNow(o.Now, end).AddDate(0, 0, 1)
		to = time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	}
	res, err := cost.Show(ctx, cost.ShowOptions{Common: o, By: c.By, From: from, To: to, Amortized: c.Amortized, Top: c.Top})
	if err != nil {
		return err
	}
	return costreport.Show(r.env.Stdout, res, r.costOutput(c.Format))
}

// dataNow is "today" for a report over bills: now, or the last day billed
// when the bills end before now.
func dataNow(now, end time.Time) time.Time {
	if last := end.AddDate(0, 0, -1); last.Before(now) {
		return last
	}
	return now
}

func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageError{i18n.Say("cli.date.form", flag, s).Err()}
	}
	return t, nil
}

// costOutput is how a cost command writes for its reader: the format
// asked for, the terminal's width and the run's language.
func (r *runner) costOutput(format string) costreport.Options {
	return costreport.Options{Format: format, Width: r.tableWidth(), Lang: r.lang}
}

// costStore opens the store and the cost tables kept in the same database.
func (r *runner) costStore(ctx context.Context, cfg *config.Config) (store.Store, cost.RollupStore, error) {
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	sd, ok := st.(store.SQLDatabase)
	if !ok {
		st.Close()
		return nil, nil, usageError{i18n.Say("cli.err.nocoststore").Err()}
	}
	cs, err := costdb.Open(ctx, sd.SQLDB())
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("open cost tables: %w", err)
	}
	return st, cs, nil
}

// costStoreForReading opens the store and its cost tables for a report,
// which never writes: it works on a store this user may only read.
func (r *runner) costStoreForReading(ctx context.Context, cfg *config.Config) (store.Store, cost.RollupStore, error) {
	st, err := r.openStoreForReading(ctx, cfg)
	if errors.Is(err, store.ErrNotFound) {
		return r.costStore(ctx, cfg) // nothing saved yet: an empty store, as a writer makes it
	}
	if err != nil {
		return nil, nil, err
	}
	sd, ok := st.(store.SQLDatabase)
	if !ok {
		st.Close()
		return nil, nil, usageError{i18n.Say("cli.err.nocoststore").Err()}
	}
	cs, err := costdb.Open(ctx, sd.SQLDB())
	if err == nil {
		return st, cs, nil
	}
	st.Close()
	if !store.IsReadOnly(err) {
		return nil, nil, fmt.Errorf("open cost tables: %w", err)
	}
	// The cost tables are missing or older than this steward's: a writable
	// store gets them made as for any writer.
	wst, wcs, werr := r.costStore(ctx, cfg)
	if werr != nil && store.IsReadOnly(werr) {
		return nil, nil, fmt.Errorf("open cost tables: %w (its cost tables are missing or older than this steward's: run `steward cost ingest` once with write access)", werr)
	}
	return wst, wcs, werr
}

// costCommon gathers what the reporting commands share: the rollups, the
// configuration, and the latest scan's resources and findings (which name
// owners and price waste), when there is a scan.
func (r *runner) costCommon(ctx context.Context) (cost.Common, func(), error) {
	cfg, err := r.config(ctx)
	if err != nil {
		return cost.Common{}, nil, err
	}
	st, cs, err := r.costStoreForReading(ctx, cfg)
	if err != nil {
		return cost.Common{}, nil, err
	}
	o := cost.Common{
		Store: cs, Cost: cfg.Cost,
		Keys:     cost.Keys{System: cfg.Tags.SystemKey, Env: cfg.Tags.EnvKey, Owner: cfg.Tags.OwnerKey},
		Naming:   cfg.NamingRule(),
		Currency: cfg.Currency.Code, Rate: cfg.Currency.Rate,
		Now: r.env.Now().UTC(), Logger: r.log,
		Schedules: cfg.ScheduleResolver(),
	}
	s, err := st.LatestScan(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		r.log.Info("no scan in the store: costs are attributed from bill tags and the naming rule only")
	case err != nil:
		st.Close()
		return cost.Common{}, nil, fmt.Errorf("read latest scan: %w", err)
	default:
		if o.Resources, err = st.Resources(ctx, s.ID); err == nil {
			o.Findings, err = st.Findings(ctx, s.ID)
		}
		if err != nil {
			st.Close()
			return cost.Common{}, nil, fmt.Errorf("read latest scan: %w", err)
		}
	}
	return o, func() { st.Close() }, nil
}

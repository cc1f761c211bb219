package cli

import (
	"context"
	"fmt"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/store"
)

// StoreCmd looks after the store itself.
type StoreCmd struct {
	Prune StorePruneCmd `cmd:"" help:"Remove the scans the retention (retention.scans, retention.days in steward.yaml) does not keep; the history of what changed in them is kept."`
}

// StorePruneCmd is `steward store prune [--dry-run]`.
type StorePruneCmd struct {
	DryRun bool   `help:"Say which scans would go; change nothing."`
	Scans  *int   `help:"Keep the latest N scans (overrides retention.scans; 0: no limit by count)." placeholder:"N"`
	Days   *int   `help:"Keep the scans of the last D days (overrides retention.days; 0: no limit by age)." placeholder:"D"`
	Format string `help:"Output: table or json." default:"table" short:"f" enum:"table,json"`
}

// Run prunes the store.
func (c *StorePruneCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	keep, err := c.retention(cfg)
	if err != nil {
		return err
	}
	if keep.Off() {
		if c.Format == "json" {
			return r.writeJSON(store.PruneResult{Scans: []string{}, DryRun: c.DryRun})
		}
		_, err := fmt.Fprintln(r.env.Stdout, r.lang.T("cli.prune.off"))
		return err
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.Prune(ctx, keep, r.env.Now(), c.DryRun)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		return r.writeJSON(res)
	}
	switch {
	case len(res.Scans) == 0:
		_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("cli.prune.none"))
	case c.DryRun:
		_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("cli.prune.dry", len(res.Scans), res.KeptFrom.Format(stampMilli)))
	default:
		_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("cli.prune.done", len(res.Scans), res.KeptFrom.Format(stampMilli), res.Events, res.Resolved))
	}
	return err
}

// retention is steward.yaml's retention with the flags over it.
func (c *StorePruneCmd) retention(cfg *config.Config) (store.Retention, error) {
	keep := RetentionOf(cfg)
	if c.Scans != nil {
		if *c.Scans < 0 {
			return keep, usageError{i18n.Say("cli.err.scans", *c.Scans).Err()}
		}
		keep.Scans = *c.Scans
	}
	if c.Days != nil {
		if *c.Days < 0 {
			return keep, usageError{i18n.Say("cli.err.days", *c.Days).Err()}
		}
		keep.Days = *c.Days
	}
	return keep, nil
}

// RetentionOf is the store's retention as steward.yaml sets it.
func RetentionOf(cfg *config.Config) store.Retention {
	return store.Retention{Scans: cfg.Retention.Scans, Days: cfg.Retention.Days}
}

package cli

import (
	"context"
	"fmt"
)

// ConfigCmd groups the config subcommands.
type ConfigCmd struct {
	Validate ConfigValidateCmd `cmd:"" help:"Check steward.yaml and the policy files it names; exit 2 with file:line on the first problem."`
}

// ConfigValidateCmd validates the configuration and the policies it loads.
type ConfigValidateCmd struct {
	Path string `arg:"" optional:"" help:"The file to check (default: --config, else ./steward.yaml)." placeholder:"FILE"`
}

// Run validates.
func (c *ConfigValidateCmd) Run(ctx context.Context, r *runner) error {
	if c.Path != "" {
		r.g.Config = c.Path
	}
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	eng, err := r.engine(ctx, cfg)
	if err != nil {
		return err
	}
	name := r.cfgPath
	if name == "" {
		name = r.lang.T("cli.config.defaults")
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("cli.config.ok", name, len(eng.Policies()), cfg.NamingRule().String(), cfg.Currency.Code))
	return err
}

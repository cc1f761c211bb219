package cli

import (
	"context"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/iac"
	"github.com/steward-sre/steward/internal/inventory"
)

// IaCCmd reports which resources infrastructure-as-code manages.
type IaCCmd struct {
	Source     string   `help:"Where resources come from: demo, aws, file:PATH, config:PATH." default:"aws" short:"s"`
	State      []string `help:"Terraform/OpenTofu state: a file, a glob (states/**/*.tfstate), s3://bucket/key or s3://bucket/prefix/, or - for terraform show -json on stdin. Repeatable." placeholder:"PATH"`
	TrailLog   []string `help:"CloudTrail log files (local or s3://) to learn who created what. Repeatable." name:"trail-log" placeholder:"PATH"`
	Ignore     string   `help:"An ignore file in .driftignore syntax (type.id, *, !)." placeholder:"FILE" type:"path"`
	Defaults   bool     `help:"Count the default VPC, its subnets and security group too."`
	Format     string   `help:"Output: table, json." default:"table" enum:"table,json" short:"f"`
	Import     bool     `help:"Print Terraform import {} blocks for the unmanaged resources instead of the report."`
	System     string   `help:"With --import: only this system." placeholder:"NAME"`
	Env        string   `help:"With --import: only this env." placeholder:"NAME"`
	Account    string   `help:"With --import: only this account." placeholder:"ID"`
	Type       string   `help:"With --import: only this resource type (AWS::EC2::Instance or aws_instance)." placeholder:"TYPE"`
	FailOnGaps bool     `help:"Exit 3 when a state could not be read." default:"true" negatable:""`
	Creators   bool     `help:"With --source aws: look up who created each resource in CloudTrail (LookupEvents, 2 calls a second per account and region)." default:"true" negatable:""`
}

// Run runs the IaC report.
func (c *IaCCmd) Run(ctx context.Context, r *runner) error {
	live, isDemo := c.Source == "aws", c.Source == "demo"
	if len(c.State) == 0 && !live && !isDemo {
		return r.usage("cli.iacinput")
	}
	if !c.Import && (c.System != "" || c.Env != "" || c.Account != "" || c.Type != "") {
		return usageError{i18n.Say("cli.err.iac.import").Err()}
	}
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	src, err := r.source(ctx, c.Source, cfg)
	if err != nil {
		return err
	}
	format := c.Format
	if c.Import {
		format = "imports"
	}
	opts := iac.RunOptions{
		Source: src, States: c.State, TrailLogs: c.TrailLog, IgnoreFile: c.Ignore,
		IncludeDefaults: c.Defaults, Format: format,
		// The demo comes with the states and trail log its team would have.
		DemoStates: isDemo && len(c.State) == 0, DemoTrail: isDemo && len(c.TrailLog) == 0,
		Import: iac.ImportFilter{System: c.System, Env: c.Env, Account: c.Account, Type: c.Type},
		Stdin:  r.env.Stdin, Now: r.env.Now().UTC(), Logger: r.log, Width: r.tableWidth(), Lang: r.lang,
	}
	if opts.MaxBytes, err = r.g.maxInput(); err != nil {
		return err
	}
	if live {
		if opts.Stacks, opts.Trails, err = liveIaC(src, c.Creators); err != nil {
			return err
		}
	}
	if anyS3(c.State, c.TrailLog) {
		client, err := r.s3Client(ctx, cfg)
		if err != nil {
			return err
		}
		opts.S3 = client
	}
	out, err := iac.Run(ctx, opts, r.env.Stdout)
	if err != nil {
		return usageError{err}
	}
	if unread := out.Unread(); len(unread) > 0 {
		// The table says which inputs were not read; other formats carry
		// them in their own fields, so stderr says it once here.
		if format != "table" {
			for _, u := range unread {
				r.log.Warn("iac input not read", "err", u)
			}
		}
		if c.FailOnGaps {
			return exitError{ExitIncomplete, r.lang.T("cli.iacproblems", len(unread))}
		}
	}
	return nil
}

// iacEnricher sets managed-by and creators during a scan and adds the iac
// findings; states or logs it could not read become coverage gaps, so the
// scan says it is partial instead of calling resources unmanaged.
type iacEnricher struct {
	opts iac.RunOptions
}

// iacEnricher reads the IaC inputs f names and, when src is the live AWS
// source, the CloudFormation stacks and CloudTrail creators of the accounts
// and regions src reads, with the same credentials; for the demo source,
// the demo's trail log.
func (r *runner) iacEnricher(ctx context.Context, f IaCFlags, src inventory.Source, cfg *config.Config) (*iacEnricher, error) {
	o := iac.RunOptions{States: f.State, TrailLogs: f.TrailLog, IgnoreFile: f.Ignore,
		Stdin: r.env.Stdin, Now: r.env.Now().UTC(), Logger: r.log, Lang: r.lang,
		// The demo's trail log says who made its resources; its states
		// only when asked for (--state), as every unmanaged resource
		// would otherwise be a finding of the demo's report.
		DemoTrail: src.Name() == "demo" && len(f.TrailLog) == 0}
	var err error
	if o.MaxBytes, err = r.g.maxInput(); err != nil {
		return nil, err
	}
	if o.Stacks, o.Trails, err = liveIaC(src, true); err != nil {
		return nil, err
	}
	if anyS3(f.State, f.TrailLog) {
		client, err := r.s3Client(ctx, cfg)
		if err != nil {
			return nil, err
		}
		o.S3 = client
	}
	return &iacEnricher{opts: o}, nil
}

func (e *iacEnricher) Enrich(ctx context.Context, c *inventory.Collection) ([]finding.Finding, error) {
	out, err := iac.Enrich(ctx, e.opts, c)
	if err != nil {
		return nil, usageError{err}
	}
	for _, u := range out.Unread() {
		c.Coverage = append(c.Coverage, inventory.Coverage{Service: "iac", Error: u, ErrorKind: "error"})
	}
	return out.Findings, nil
}

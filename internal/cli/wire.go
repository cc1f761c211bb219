package cli

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/iac"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/policy"
)

// policyOptions hands the policy engine what it needs of the configuration.
func policyOptions(cfg *config.Config, r *runner) policy.Options {
	return policy.Options{
		Naming:         cfg.NamingRule(),
		NamingTypes:    cfg.Naming.Types,
		Required:       cfg.Tags.Required,
		RequiredOn:     cfg.Tags.RequiredOn,
		RequiredExempt: cfg.Tags.Exempt,
		OwnerKey:       cfg.Tags.OwnerKey,
		SystemKey:      cfg.Tags.SystemKey,
		EnvKey:         cfg.Tags.EnvKey,
		Currency:       cfg.Currency.Code,
		Rate:           cfg.Currency.Rate,
		Params:         cfg.Policies.Params,
		Severity:       cfg.Policies.Severity,
		Disable:        cfg.Policies.Disable,
		Now:            r.env.Now().UTC(),
		Pricer:         policy.ListPrices{},
		Logger:         r.log,
	}
}

// awsSource builds the live collector from the accounts and regions of the
// configuration. Credentials are checked here, before any scanning starts.
func (r *runner) awsSource(ctx context.Context, cfg *config.Config) (inventory.Source, error) {
	src, err := aws.New(ctx, r.awsOptions(cfg), r.log)
	if err != nil {
		// Credentials and account discovery fail before any scanning: the
		// message says which profile or role and how to fix it.
		return nil, usageError{err}
	}
	return src, nil
}

// awsOptions are the accounts, roles and regions of the configuration:
// the scan's and, through aws.BaseConfig, those of every other AWS read.
func (r *runner) awsOptions(cfg *config.Config) aws.Options {
	opts := aws.Options{Regions: cfg.Regions, Now: r.env.Now, ConfigAggregator: cfg.ConfigAggregator}
	for _, a := range cfg.Accounts {
		switch {
		case a.RoleARN != "":
			opts.Roles = append(opts.Roles, aws.Role{ARN: a.RoleARN, ExternalID: a.ExternalID, SessionName: a.SessionName})
		case a.Profile != "":
			opts.Profiles = append(opts.Profiles, a.Profile)
		}
	}
	if cfg.Organization != nil {
		opts.OrgRoleName = cfg.Organization.RoleName
	}
	return opts
}

// s3Client reads bills, states and trail objects in S3 with the
// credentials of the configuration's accounts (aws.BaseConfig);
// AWS_ENDPOINT_URL is honoured.
func (r *runner) s3Client(ctx context.Context, cfg *config.Config) (*s3.Client, error) {
	opts := r.awsOptions(cfg)
	acfg, err := aws.BaseConfig(ctx, opts)
	if err != nil {
		return nil, usageError{i18n.Wrap(i18n.Say("s3.ctx.inputs"), err)}
	}
	if acfg.Credentials == nil {
		return nil, usageError{i18n.Say("s3.err.nocreds").Err()}
	}
	return aws.NewS3(acfg, opts), nil
}

// anyS3 reports whether any path is an s3:// URL.
func anyS3(paths ...[]string) bool {
	for _, ps := range paths {
		if slices.ContainsFunc(ps, func(s string) bool { return strings.HasPrefix(s, "s3://") }) {
			return true
		}
	}
	return false
}

// liveIaC gives IaC coverage the CloudFormation (and, with creators,
// CloudTrail) clients of every account and region the live AWS source
// reads; other sources have none.
func liveIaC(src inventory.Source, creators bool) ([]iac.CloudFormationAPI, []iac.CloudTrailAPI, error) {
	if src == nil || src.Name() != "aws" {
		return nil, nil, nil
	}
	clients, err := aws.Clients(src)
	if err != nil {
		return nil, nil, err
	}
	var stacks []iac.CloudFormationAPI
	var trails []iac.CloudTrailAPI
	for _, c := range clients {
		stacks = append(stacks, c.Stacks)
		if creators {
			trails = append(trails, c.Events)
		}
	}
	return stacks, trails, nil
}

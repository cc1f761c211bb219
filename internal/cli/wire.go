package cli

import (
	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/config"
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
		Lang:           r.lang,
	}
}

// awsSource builds the live collector from the accounts and regions of the
// configuration. Credentials are checked here, before any scanning starts.
func (r *runner) awsSource(cfg *config.Config) (inventory.Source, error) {
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
	src, err := aws.New(r.ctx, opts, r.log)
	if err != nil {
		// Credentials and account discovery fail before any scanning: the
		// message says which profile or role and how to fix it.
		return nil, usageError{err}
	}
	return src, nil
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

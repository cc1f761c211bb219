package aws

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// loadConfig builds the SDK config of one profile ("" is the default chain)
// with adaptive retries for throttling and steward's call counter.
func (s *Source) loadConfig(ctx context.Context, profile string) (sdkaws.Config, error) {
	lo := []func(*config.LoadOptions) error{
		config.WithRetryMode(sdkaws.RetryModeAdaptive),
		config.WithAPIOptions([]func(*middleware.Stack) error{countCalls}),
	}
	if profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(profile))
	}
	if s.opts.MaxAttempts > 0 {
		lo = append(lo, config.WithRetryMaxAttempts(s.opts.MaxAttempts))
	}
	if s.opts.EndpointURL != "" {
		lo = append(lo, config.WithBaseEndpoint(s.opts.EndpointURL))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return cfg, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
		if len(s.opts.Regions) > 0 {
			cfg.Region = s.opts.Regions[0]
		}
	}
	return cfg, nil
}

// usesEmulator reports whether calls go to a custom endpoint, where S3
// bucket names cannot be host names.
func (s *Source) usesEmulator() bool {
	return s.opts.EndpointURL != "" || os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
}

func profileLabel(p string) string { return profilePhrase(p).In(i18n.EN) }

// profilePhrase names the credentials of profile p ("" the default
// chain) in the reader's language.
func profilePhrase(p string) i18n.Phrase {
	if p == "" {
		return i18n.Say("aws.label.default")
	}
	return i18n.Say("aws.label.profile", p)
}

// profileFix says what to run when the credentials of profile p fail.
func profileFix(p string) i18n.Phrase {
	if p == "" {
		return i18n.Say("aws.fix.default")
	}
	return i18n.Say("aws.fix.profile", p)
}

// identify checks the credentials of cfg with sts:GetCallerIdentity, which
// needs no permission, and returns the account and partition.
func identify(ctx context.Context, cfg sdkaws.Config) (acct, partition, caller string, err error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", "", err
	}
	arn := sdkaws.ToString(out.Arn)
	partition = "aws"
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[1] != "" {
		partition = parts[1]
	}
	return sdkaws.ToString(out.Account), partition, arn, nil
}

func (s *Source) assume(src sdkaws.Config, r Role) sdkaws.Config {
	cfg := src.Copy()
	session := r.SessionName
	if session == "" {
		session = "steward"
	}
	prov := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(src), r.ARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = session
		if r.ExternalID != "" {
			o.ExternalID = sdkaws.String(r.ExternalID)
		}
	})
	cfg.Credentials = sdkaws.NewCredentialsCache(prov)
	return cfg
}

func (s *Source) resolveAccounts(ctx context.Context) error {
	profiles := s.opts.Profiles
	if len(profiles) == 0 {
		profiles = []string{""}
	}
	type base struct {
		acct   *account
		caller string
	}
	var bases []base
	for _, p := range profiles {
		cfg, err := s.loadConfig(ctx, p)
		if err != nil {
			return i18n.Say("aws.err.loadconfig", profilePhrase(p), err.Error(), profileFix(p)).ErrOf(err)
		}
		id, part, caller, err := identify(ctx, cfg)
		if err != nil {
			return i18n.Say("aws.err.creds", profilePhrase(p), err.Error(), profileFix(p)).ErrOf(err)
		}
		bases = append(bases, base{&account{id: id, partition: part, label: profileLabel(p), cfg: cfg}, caller})
	}
	src := bases[0]
	s.baseAccount, s.baseRegion, s.baseCfg = src.acct.id, src.acct.cfg.Region, src.acct.cfg
	var accts []*account
	if len(s.opts.Profiles) > 0 || (len(s.opts.Roles) == 0 && s.opts.OrgRoleName == "") {
		for _, b := range bases {
			accts = append(accts, b.acct)
		}
	}
	for _, r := range s.opts.Roles {
		cfg := s.assume(src.acct.cfg, r)
		id, part, _, err := identify(ctx, cfg)
		if err != nil {
			return i18n.Say("aws.err.role", r.ARN, src.caller, err.Error(), src.caller, externalIDHint(r)).ErrOf(err)
		}
		accts = append(accts, &account{id: id, partition: part, label: "role " + r.ARN, cfg: cfg})
	}
	if s.opts.OrgRoleName != "" {
		org, err := s.orgAccounts(ctx, src.acct, src.caller)
		if err != nil {
			return err
		}
		accts = append(accts, org...)
	}
	seen := map[string]bool{}
	for _, a := range accts {
		if seen[a.id] {
			continue
		}
		seen[a.id] = true
		s.accounts = append(s.accounts, a)
	}
	if len(s.accounts) == 0 {
		return fmt.Errorf("aws: %w (see the gaps: %d accounts failed)", errNoAccounts, len(s.setupGaps))
	}
	return s.resolveRegions(ctx)
}

func externalIDHint(r Role) i18n.Phrase {
	if r.ExternalID != "" {
		return i18n.Say("aws.hint.extid")
	}
	return i18n.Say("aws.hint.noextid")
}

// orgAccounts lists the organization's active accounts and assumes the
// role into each. An account that cannot be entered is a coverage gap, not
// a failed scan: organizations often hold accounts steward has no role in.
func (s *Source) orgAccounts(ctx context.Context, mgmt *account, caller string) ([]*account, error) {
	var api organizationsAPI = organizations.NewFromConfig(mgmt.cfg)
	pg := organizations.NewListAccountsPaginator(api, &organizations.ListAccountsInput{})
	var ids []string
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, i18n.Say("aws.err.org", caller, err.Error()).ErrOf(err)
		}
		for _, a := range page.Accounts {
			if a.Status == orgtypes.AccountStatusActive || a.State == orgtypes.AccountStateActive {
				ids = append(ids, sdkaws.ToString(a.Id))
			}
		}
	}
	accts := make([]*account, len(ids))
	var mu sync.Mutex
	parallel(ctx, len(ids), s.opts.Concurrency, func(i int) {
		id := ids[i]
		if id == mgmt.id {
			accts[i] = mgmt
			return
		}
		arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", mgmt.partition, id, s.opts.OrgRoleName)
		cfg := s.assume(mgmt.cfg, Role{ARN: arn})
		got, part, _, err := identify(ctx, cfg)
		if err != nil {
			mu.Lock()
			s.setupGaps = append(s.setupGaps, inventory.Coverage{Account: id, Region: "global", Service: "sts",
				ErrorKind: Classify(err), Error: fmt.Sprintf("assume %s: %v", arn, err)})
			mu.Unlock()
			s.logger.Warn("organization account not reachable", "account", id, "role", arn, "err", err)
			return
		}
		accts[i] = &account{id: got, partition: part, label: "role " + arn, cfg: cfg}
	})
	var out []*account
	for _, a := range accts {
		if a != nil {
			out = append(out, a)
		}
	}
	return out, nil
}

// regionsAPI is the call that lists an account's enabled regions.
type regionsAPI interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
}

// organizationsAPI is the call that lists an organization's accounts.
type organizationsAPI interface {
	organizations.ListAccountsAPIClient
}

// resolveRegions fills each account's regions: the configured list, or
// every region enabled in the account. Only regions of the account's
// partition are read (commercial credentials cannot sign in to aws-cn), and
// a configured region the account has not enabled is said once, in the log,
// rather than as one failed read per service. The list and where it came
// from are logged once per account.
func (s *Source) resolveRegions(ctx context.Context) error {
	errs := make([]error, len(s.accounts))
	parallel(ctx, len(s.accounts), s.opts.Concurrency, func(i int) {
		a := s.accounts[i]
		var api regionsAPI = ec2.NewFromConfig(a.cfg)
		regions, from, err := accountRegions(ctx, api, a, s.opts.Regions, s.logger)
		if err != nil {
			errs[i] = err
			return
		}
		a.regions = regions
		s.logger.Info("regions to read", "account", a.id, "partition", a.partition, "from", from, "regions", strings.Join(regions, ","))
	})
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("aws: resolve regions: %w", err)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// accountRegions decides the regions of one account and says where the
// list came from.
func accountRegions(ctx context.Context, api regionsAPI, a *account, configured []string, logger *slog.Logger) (regions []string, from string, err error) {
	// AllRegions lists the regions an account has not opted in to as well,
	// with their status, so a configured one can be told apart.
	out, derr := api.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: sdkaws.Bool(len(configured) > 0)})
	status := map[string]string{}
	if derr == nil {
		for _, r := range out.Regions {
			status[sdkaws.ToString(r.RegionName)] = sdkaws.ToString(r.OptInStatus)
		}
	}
	if len(configured) == 0 {
		if derr != nil {
			return nil, "", fmt.Errorf("aws account %s (%s): list enabled regions: %w; fix: allow ec2:DescribeRegions or set the regions to scan", a.id, a.label, derr)
		}
		for r, st := range status {
			if st != "not-opted-in" && regionPartition(r) == a.partition {
				regions = append(regions, r)
			}
		}
		slices.Sort(regions)
		return regions, "the account's enabled regions (ec2:DescribeRegions)", nil
	}
	if derr != nil {
		logger.Debug("cannot list the account's regions; reading the configured ones as they are", "account", a.id, "err", derr)
	}
	for _, r := range configured {
		switch {
		case regionPartition(r) != a.partition:
			logger.Warn("region not read: it is in another partition than the account's credentials",
				"account", a.id, "region", r, "region_partition", regionPartition(r), "partition", a.partition)
		case status[r] == "not-opted-in":
			logger.Warn("region not read: not enabled for this account, so nothing can run there (enable it in the account settings to scan it)",
				"account", a.id, "region", r)
		default:
			regions = append(regions, r)
		}
	}
	return regions, "the configured regions", nil
}

// regionPartition names the partition a region belongs to, by the
// documented prefixes of the partitions other than the commercial one.
func regionPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	}
	return "aws"
}

// BaseConfig is the SDK config the scan starts from under opts, for
// steward's other AWS inputs (bills, states and trail logs in S3, Cost
// Explorer): the first profile, else the default chain with the first
// role assumed when the accounts are roles, with the scan's retries and
// endpoint. So `cost ingest s3://...` reads with the credentials of
// steward.yaml's accounts, not only whatever the default chain finds.
func BaseConfig(ctx context.Context, opts Options) (sdkaws.Config, error) {
	s := &Source{opts: opts}
	profile := ""
	if len(opts.Profiles) > 0 {
		profile = opts.Profiles[0]
	}
	cfg, err := s.loadConfig(ctx, profile)
	if err != nil {
		return cfg, i18n.Say("aws.err.basecreds", profilePhrase(profile), err.Error(), profileFix(profile)).ErrOf(err)
	}
	if profile == "" && len(opts.Roles) > 0 {
		cfg = s.assume(cfg, opts.Roles[0])
	}
	return cfg, nil
}

// NewS3 is an S3 client of cfg, with path-style addressing when calls go
// to an emulator (where bucket names cannot be host names).
func NewS3(cfg sdkaws.Config, opts Options) *s3.Client {
	s := &Source{opts: opts}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = s.usesEmulator() })
}

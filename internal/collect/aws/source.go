package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/steward-sre/steward/internal/inventory"
)

// Role is an IAM role to assume into an account.
type Role struct {
	ARN         string
	ExternalID  string
	SessionName string // default "steward"
}

// Options says which accounts, regions and services to collect and how.
type Options struct {
	// Profiles are shared config profiles, each one account. Empty: the
	// SDK's default chain (env, AWS_PROFILE, SSO, instance or task role),
	// unless Roles or OrgRoleName name the accounts instead.
	Profiles []string
	// Roles are assumed with the first profile (or the default chain).
	Roles []Role
	// OrgRoleName turns on AWS Organizations discovery: every active
	// account of the organization is read through this role name.
	OrgRoleName string
	// Regions to read; empty means every region enabled in each account.
	Regions []string
	// Services to read (coverage names: ec2, rds, s3 ...); empty means all.
	Services []string
	// Concurrency bounds the units of work in flight; 0 means 16.
	Concurrency int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Wait pauses a throttled call for d (LookupEvents' quota); nil means
	// a timer. Tests pass one that advances their clock instead.
	Wait func(ctx context.Context, d time.Duration) error
	// EndpointURL sends every call to one endpoint (an emulator).
	// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> work without it.
	EndpointURL string
	// MaxAttempts per call including retries; 0 keeps the SDK default.
	MaxAttempts int
	// UnitTimeout bounds one account x region x service; 0 means 5 minutes.
	UnitTimeout time.Duration
	// ConfigAggregator names an AWS Config configuration aggregator in the
	// account and default region of the first credentials. When set, the
	// EC2 and RDS resources of every account and region it holds up to
	// date are read from it with one advanced query per service instead
	// of the services' describe calls (see the package doc).
	ConfigAggregator string
}

// Services lists the service names Options.Services accepts.
func Services() []string {
	names := make([]string, 0, len(collectors))
	for _, c := range collectors {
		names = append(names, c.service)
	}
	sort.Strings(names)
	return names
}

// Validate checks the options and names the field at fault.
func (o *Options) Validate() error {
	if o.Concurrency < 0 {
		return fmt.Errorf("concurrency %d: must be 0 (default 16) or more", o.Concurrency)
	}
	if o.MaxAttempts < 0 {
		return fmt.Errorf("max attempts %d: must be 0 (SDK default) or more", o.MaxAttempts)
	}
	valid := Services()
	for _, s := range o.Services {
		if !slices.Contains(valid, s) {
			return fmt.Errorf("services: unknown service %q (valid: %s)", s, strings.Join(valid, ", "))
		}
	}
	for i, r := range o.Roles {
		if _, err := accountOfRoleARN(r.ARN); err != nil {
			return fmt.Errorf("roles[%d]: %w", i, err)
		}
	}
	if strings.ContainsAny(o.OrgRoleName, ":/ ") {
		return fmt.Errorf("org role name %q: give the role name only (e.g. OrganizationAccountAccessRole), not an ARN or path", o.OrgRoleName)
	}
	if o.ConfigAggregator != "" && !aggregatorNameRe.MatchString(o.ConfigAggregator) {
		return fmt.Errorf("config aggregator %q: give the aggregator's name (letters, digits, _ and -, at most 256), not an ARN", o.ConfigAggregator)
	}
	for i, r := range o.Regions {
		if r == "" || strings.ContainsAny(r, " /:") {
			return fmt.Errorf("regions[%d]: %q is not a region name (e.g. ap-northeast-1)", i, r)
		}
	}
	return nil
}

func accountOfRoleARN(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || len(parts[4]) != 12 || !strings.HasPrefix(parts[5], "role/") {
		return "", fmt.Errorf("role arn %q: want arn:aws:iam::123456789012:role/NAME", arn)
	}
	return parts[4], nil
}

// account is one AWS account steward can read, with working credentials.
type account struct {
	id        string
	partition string
	label     string // how the account was reached, for messages
	cfg       sdkaws.Config
	regions   []string
}

var _ inventory.Source = (*Source)(nil)

// Source collects live AWS (an inventory.Source). It holds the accounts,
// regions and SDK clients New resolved, never a context.
type Source struct {
	opts     Options
	logger   *slog.Logger
	accounts []*account
	// setupGaps are accounts found (in the organization) but not reachable.
	setupGaps []inventory.Coverage
	selected  []collector
	// base is the first credentials (profile or default chain): where the
	// configuration aggregator lives.
	baseAccount string
	baseRegion  string
	baseCfg     sdkaws.Config

	// planOnce makes units (plan) and unitAt, each unit's index by name,
	// once: a server reads an organisation's thousands of units one job
	// at a time, each looked up by name.
	planOnce sync.Once
	units    []unit
	unitAt   map[string]int
}

// New resolves credentials, accounts and regions before any scanning, so a
// bad profile or role fails at once with one line naming it and the fix.
func New(ctx context.Context, opts Options, logger *slog.Logger) (*Source, error) {
	return newSource(ctx, opts, logger)
}

func newSource(ctx context.Context, opts Options, logger *slog.Logger) (*Source, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("aws options: %w", err)
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 16
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UnitTimeout == 0 {
		opts.UnitTimeout = 5 * time.Minute
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Source{opts: opts, logger: logger.With("component", "collect/aws")}
	for _, c := range collectors {
		if len(opts.Services) == 0 || slices.Contains(opts.Services, c.service) {
			s.selected = append(s.selected, c)
		}
	}
	if err := s.resolveAccounts(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Source) Name() string { return "aws" }

// target is what one unit of work reads: an account in a region.
type target struct {
	account   string
	partition string
	region    string // "global" for global services
	cfg       sdkaws.Config
	now       time.Time
	logger    *slog.Logger
	// pathStyle makes S3 use path-style addresses, for emulators where
	// bucket.host names do not resolve.
	pathStyle bool
}

func (t *target) arn(service, resource string) string {
	region := t.region
	if region == "global" {
		region = ""
	}
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", t.partition, service, region, t.account, resource)
}

// unitOut is what one unit of work produced.
type unitOut struct {
	resources []inventory.Resource
	// regionAttrs are attrs of the account's Steward::Account::Region
	// resource for the unit's region, set only from successful reads.
	regionAttrs map[string]any
	// side are coverage rows of services read on behalf of this unit
	// (CloudWatch metrics), so their gaps show without failing the unit.
	side []inventory.Coverage
	// tags by ARN, from the tagging API.
	tags map[string]map[string]string
	// edges are relations from resources other units own (an instance is
	// target-of a target group the ELB unit reads), added when merging.
	edges map[string][]inventory.Relation
	// settled: resources are kept as the estate keeps them (settle).
	settled bool
}

func (o *unitOut) edge(from, kind, to string) {
	if o.edges == nil {
		o.edges = map[string][]inventory.Relation{}
	}
	o.edges[from] = append(o.edges[from], inventory.Relation{Kind: kind, Target: to})
}

func (o *unitOut) add(r inventory.Resource) { o.resources = append(o.resources, r) }

func (o *unitOut) setRegionAttr(k string, v any) {
	if o.regionAttrs == nil {
		o.regionAttrs = map[string]any{}
	}
	o.regionAttrs[k] = v
}

func (o *unitOut) sideRead(t *target, service string, err error) {
	row := inventory.Coverage{Account: t.account, Region: t.region, Service: service, OK: err == nil}
	if err != nil {
		row.ErrorKind = Classify(err)
		row.Error = err.Error()
	}
	o.side = append(o.side, row)
}

// collector reads one service for one target.
type collector struct {
	service string
	global  bool
	// untagged: the service's describe calls return no tags, so tags come
	// from the Resource Groups Tagging API in one bulk read per region.
	untagged bool
	run      func(ctx context.Context, t *target, out *unitOut) error
	// fromConfig, when set, runs instead of run for a unit whose resource
	// listing a configuration aggregator gave: it adds those resources and
	// reads only what Config does not record.
	fromConfig func(ctx context.Context, t *target, out *unitOut, rs []inventory.Resource) error
}

type unit struct {
	acct   *account
	region string
	c      collector
}

// Collect reads every selected service in every account and region. Failed
// units become coverage gaps; Collect fails only when nothing was read.
func (s *Source) Collect(ctx context.Context, p inventory.Progress) (*inventory.Collection, error) {
	if p == nil {
		p = inventory.NoProgress{}
	}
	counter, ok := ctx.Value(counterKey{}).(*callCounter)
	if !ok {
		counter = newCallCounter()
		ctx = withCounter(ctx, counter)
	}
	now := s.opts.Now()

	var fromConfig *configRead
	if s.opts.ConfigAggregator != "" {
		fromConfig = s.readAggregator(ctx, configservice.NewFromConfig(s.baseCfg))
	}

	units := s.plan()

	outs := make([]*unitOut, len(units))
	rows := make([]inventory.Coverage, len(units))
	var mu sync.Mutex
	done, failed := 0, 0
	p.Update(0, len(units), 0, 0)
	parallel(ctx, len(units), s.opts.Concurrency, func(i int) {
		u := units[i]
		out, row := s.runUnit(ctx, u, now, fromConfig)
		outs[i], rows[i] = out, row
		mu.Lock()
		done++
		if !row.OK {
			failed++
		}
		p.Update(done, len(units), counter.total(), failed)
		mu.Unlock()
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("aws scan interrupted: %w", err)
	}

	var extra []inventory.Coverage
	if fromConfig != nil {
		extra = fromConfig.rows
	}
	return s.merge(units, outs, rows, extra, counter.byService(), &inventory.Interner{})
}

func (s *Source) runUnit(ctx context.Context, u unit, now time.Time, fromConfig *configRead) (*unitOut, inventory.Coverage) {
	cfg := u.acct.cfg.Copy()
	cfg.Region = u.region
	if u.region == "global" {
		cfg.Region = homeRegion(u.acct)
	}
	t := &target{account: u.acct.id, partition: u.acct.partition, region: u.region, cfg: cfg, now: now,
		logger:    s.logger.With("account", u.acct.id, "region", u.region, "service", u.c.service),
		pathStyle: s.usesEmulator()}
	uctx, cancel := context.WithTimeout(ctx, s.opts.UnitTimeout)
	defer cancel()
	out := &unitOut{}
	var err error
	given := 0
	if rs, ok := fromConfig.fromConfig(u.acct.id, u.region, u.c.service); ok && u.c.fromConfig != nil {
		err = u.c.fromConfig(uctx, t, out, slices.Clone(rs))
		given = len(rs)
	} else {
		err = u.c.run(uctx, t, out)
	}
	// The config row counts what Config gave; the service's row what its
	// API read.
	row := inventory.Coverage{Account: u.acct.id, Region: u.region, Service: u.c.service, OK: err == nil, Resources: len(out.resources) - given}
	if err != nil {
		row.ErrorKind = Classify(err)
		row.Error = err.Error()
		t.logger.Warn("service not read", "kind", row.ErrorKind, "err", err)
	}
	return out, row
}

func (s *Source) baselineSelected() bool {
	for _, c := range s.selected {
		if slices.Contains(baselineServices, c.service) {
			return true
		}
	}
	return false
}

// homeRegion is where global services (IAM, S3 bucket listing, CloudFront)
// are called: us-east-1 in the commercial partition.
func homeRegion(a *account) string {
	switch a.partition {
	case "aws-cn":
		return "cn-north-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// tagRegions are the regions whose tagging API holds tags of the account's
// resources: every scanned region, and the home region for global services.
func tagRegions(a *account) []string {
	rs := append([]string(nil), a.regions...)
	if h := homeRegion(a); !slices.Contains(rs, h) {
		rs = append(rs, h)
	}
	return rs
}

// accountRegionARN names the Steward::Account::Region resource of an account
// and region; steward invents this type so "GuardDuty is off" has a subject.
func accountRegionARN(partition, acct, region string) string {
	return fmt.Sprintf("arn:%s:steward:%s:%s:account-region/%s", partition, region, acct, region)
}

func accountRegion(a *account, region string, attrs map[string]any) inventory.Resource {
	return inventory.Resource{
		ARN:     accountRegionARN(a.partition, a.id, region),
		Account: a.id,
		Region:  region,
		Type:    "Steward::Account::Region",
		ID:      a.id + "/" + region,
		Name:    region,
		Attrs:   inventory.AttrsOf(attrs),
	}
}

func dedupe(rs []inventory.Resource) []inventory.Resource {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].ARN < rs[j].ARN })
	out := rs[:0]
	for i := range rs {
		if len(out) > 0 && out[len(out)-1].ARN == rs[i].ARN {
			continue
		}
		out = append(out, rs[i])
	}
	return out
}

// mergeCoverage folds rows with the same account, region and service into
// one: ok only if all were ok, with the first error.
func mergeCoverage(rows []inventory.Coverage) []inventory.Coverage {
	type key struct{ a, r, s string }
	idx := map[key]int{}
	var out []inventory.Coverage
	for _, c := range rows {
		k := key{c.Account, c.Region, c.Service}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, c)
			continue
		}
		m := &out[i]
		m.Resources += c.Resources
		if m.OK && !c.OK {
			m.OK, m.ErrorKind, m.Error = false, c.ErrorKind, c.Error
		}
	}
	inventory.SortCoverage(out)
	return out
}

// parallel runs f(0..n-1) with at most limit in flight, and stops starting
// new work once ctx is done.
func parallel(ctx context.Context, n, limit int, f func(i int)) {
	if limit < 1 {
		limit = 1
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case sem <- struct{}{}:
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

var errNoAccounts = errors.New("no account could be reached")

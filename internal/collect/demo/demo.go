package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

var demoAccounts = accountSet{dev: DevAccount, stg: StgAccount, prod: ProdAccount}

// Source is the demo estate as an inventory source.
type Source struct {
	now time.Time
}

// New returns the demo source. Every time in the estate (creation, launch,
// stop, last use) is relative to the start of now's day (UTC), so the same
// findings come out whatever the date (a snapshot is always 400 days old),
// and two demo scans on one day see identical resources: history shows no
// change that did not happen.
func New(now time.Time) inventory.Source { return &Source{now: now.UTC().Truncate(24 * time.Hour)} }

// Name is "demo".
func (s *Source) Name() string { return "demo" }

// Collect builds the estate. Its coverage has one ok row per account x
// region x service the demo stands for, as a complete live scan would.
func (s *Source) Collect(ctx context.Context, p inventory.Progress) (*inventory.Collection, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if p == nil {
		p = inventory.NoProgress{}
	}
	rs := Estate(s.now)
	cov := Coverage(rs)
	for i := range cov {
		p.Update(i+1, len(cov), 0, 0)
	}
	return &inventory.Collection{Resources: rs, Coverage: cov}, nil
}

// Estate is the demo estate as of now; two calls with the same now are equal.
func Estate(now time.Time) []inventory.Resource {
	b := &builder{now: now, res: make([]inventory.Resource, 0, 512)}
	b.estate(demoAccounts)
	return b.res
}

// regionalServices are the coverage services read in every account x region.
var regionalServices = []string{
	"account", "autoscaling", "cloudtrail", "config", "ec2", "ecr", "ecs", "elasticloadbalancing",
	"elasticloadbalancingv2", "guardduty", "inspector2", "lambda", "logs", "rds", "s3", "securityhub",
}

// globalServices are read once per account, under region "global".
var globalServices = []string{"account", "cloudfront", "iam"}

// Coverage is one ok row per account x region x service for the accounts
// and regions of rs, with the resources each row read, sorted.
func Coverage(rs []inventory.Resource) []inventory.Coverage {
	type key struct{ account, region, service string }
	counts := map[key]int{}
	regions := map[[2]string]bool{}
	accounts := map[string]bool{}
	for i := range rs {
		r := &rs[i]
		counts[key{r.Account, r.Region, r.Service()}]++
		accounts[r.Account] = true
		if r.Region != globalRegion {
			regions[[2]string{r.Account, r.Region}] = true
		}
	}
	rows := make(map[key]bool, len(counts))
	for k := range counts {
		rows[k] = true
	}
	for ar := range regions {
		for _, svc := range regionalServices {
			rows[key{ar[0], ar[1], svc}] = true
		}
	}
	for a := range accounts {
		for _, svc := range globalServices {
			rows[key{a, globalRegion, svc}] = true
		}
	}
	cov := make([]inventory.Coverage, 0, len(rows))
	for k := range rows {
		cov = append(cov, inventory.Coverage{Account: k.account, Region: k.region, Service: k.service, OK: true, Resources: counts[k]})
	}
	inventory.SortCoverage(cov)
	return cov
}

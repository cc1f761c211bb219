package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/steward-sre/steward/internal/collect/awsconfig"
	"github.com/steward-sre/steward/internal/inventory"
)

// aggregatorAPI is the AWS Config calls of the aggregator fast path: which
// accounts and regions the aggregator holds, and one advanced query per
// group of resource types across all of them.
type aggregatorAPI interface {
	configservice.DescribeConfigurationAggregatorSourcesStatusAPIClient
	configservice.SelectAggregateResourceConfigAPIClient
}

// configGroup is a service whose resource listing an aggregator can
// replace: the types one query reads, and the types among them that are
// steward resources (the rest only inform the mapping).
type configGroup struct {
	service string
	types   []string
}

// configGroups are the services read from an aggregator when one is set.
// What Config does not record stays with the API collectors (see the
// package doc): EBS snapshots (not a Config type), NAT bytes and database
// connections (CloudWatch).
var configGroups = []configGroup{
	{service: "ec2", types: []string{
		"AWS::EC2::Instance", "AWS::EC2::Volume", "AWS::EC2::EIP", "AWS::EC2::SecurityGroup", "AWS::EC2::VPC",
		"AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::NatGateway",
	}},
	{service: "rds", types: []string{
		"AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot",
	}},
}

// selectLimit is the most results one SelectAggregateResourceConfig page
// may carry.
const selectLimit = 100

// aggregatorNameRe is what AWS Config accepts as an aggregator name.
var aggregatorNameRe = regexp.MustCompile(`^[\w\-]{1,256}$`)

// configRead is what an aggregator gave one scan.
type configRead struct {
	// covered holds unitKey(account, region, service) of every unit whose
	// resources came from Config; its resources are in resources (none is
	// a fact: Config holds none).
	covered   map[string]bool
	resources map[string][]inventory.Resource
	rows      []inventory.Coverage
}

func unitKey(account, region, service string) string { return account + "/" + region + "/" + service }

// fromConfig returns the resources Config gave for a unit, and whether it
// gave them at all.
func (c *configRead) fromConfig(account, region, service string) ([]inventory.Resource, bool) {
	if c == nil {
		return nil, false
	}
	k := unitKey(account, region, service)
	return c.resources[k], c.covered[k]
}

// readAggregator runs the fast path: it asks the aggregator which accounts
// and regions it holds, then reads each selected group's types across the
// scanned accounts with one paginated query. A unit is taken from Config
// only when the aggregator reports its account and region up to date and
// the group's query succeeded; every other unit is read by its API
// collector as without an aggregator. A failed call is a gap of the
// aggregator's account and region under "config", never a failed scan.
func (s *Source) readAggregator(ctx context.Context, api aggregatorAPI) *configRead {
	read := &configRead{covered: map[string]bool{}, resources: map[string][]inventory.Resource{}}
	name := s.opts.ConfigAggregator
	gap := func(err error) {
		read.rows = append(read.rows, inventory.Coverage{Account: s.baseAccount, Region: s.baseRegion, Service: "config",
			ErrorKind: Classify(err), Error: err.Error()})
		s.logger.Warn("config aggregator not read; its services are read by their APIs", "aggregator", name, "err", err)
	}

	var groups []configGroup
	for _, g := range configGroups {
		if slices.ContainsFunc(s.selected, func(c collector) bool { return c.service == g.service }) {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return read
	}

	fresh, err := aggregatorSources(ctx, api, name)
	if err != nil {
		gap(err)
		return read
	}
	scanned := map[string]bool{} // account/region the scan reads and Config holds
	var accounts []string
	for _, a := range s.accounts {
		for _, r := range a.regions {
			if fresh[a.id+"/"+r] {
				scanned[a.id+"/"+r] = true
				if !slices.Contains(accounts, a.id) {
					accounts = append(accounts, a.id)
				}
			}
		}
	}
	if len(accounts) == 0 {
		s.logger.Info("config aggregator holds none of the scanned accounts and regions up to date", "aggregator", name)
		return read
	}

	// The groups' queries go side by side: each is a chain of pages that
	// cannot be split, and the scan's units wait for all of them.
	results := make([][]json.RawMessage, len(groups))
	errs := make([]error, len(groups))
	parallel(ctx, len(groups), len(groups), func(i int) {
		results[i], errs[i] = selectTypes(ctx, api, name, groups[i].types, accounts)
	})
	for i, g := range groups {
		items, err := results[i], errs[i]
		if err != nil {
			gap(fmt.Errorf("%s (%s read by its API instead): %w", name, g.service, err))
			continue
		}
		rs, err := awsconfig.MapItems(items)
		if err != nil {
			gap(fmt.Errorf("%s (%s read by its API instead): %w", name, g.service, err))
			continue
		}
		for key := range scanned {
			acct, region, _ := strings.Cut(key, "/")
			read.covered[unitKey(acct, region, g.service)] = true
		}
		counts := map[string]int{}
		for _, r := range rs {
			k := unitKey(r.Account, r.Region, g.service)
			if !read.covered[k] || !keepFromConfig(r) {
				continue
			}
			nameAsAPI(&r)
			read.resources[k] = append(read.resources[k], r)
			counts[r.Account+"/"+r.Region]++
		}
		for key := range scanned {
			acct, region, _ := strings.Cut(key, "/")
			read.rows = append(read.rows, inventory.Coverage{Account: acct, Region: region, Service: "config", OK: true, Resources: counts[key]})
		}
	}
	return read
}

// aggregatorSources returns "account/region" of every source the
// aggregator holds with its last update succeeded.
func aggregatorSources(ctx context.Context, api aggregatorAPI, name string) (map[string]bool, error) {
	fresh := map[string]bool{}
	pg := configservice.NewDescribeConfigurationAggregatorSourcesStatusPaginator(api,
		&configservice.DescribeConfigurationAggregatorSourcesStatusInput{ConfigurationAggregatorName: sdkaws.String(name)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe configuration aggregator sources status of %s: %w", name, err)
		}
		for _, st := range page.AggregatedSourceStatusList {
			if st.LastUpdateStatus == cfgtypes.AggregatedSourceStatusTypeSucceeded {
				fresh[str(st.SourceId)+"/"+str(st.AwsRegion)] = true
			}
		}
	}
	return fresh, nil
}

// selectExpression is the advanced query that reads every resource of the
// types in the accounts: the envelope (*) and the documents the mapping
// reads.
func selectExpression(types, accounts []string) string {
	return "SELECT *, configuration, supplementaryConfiguration, relationships, tags WHERE resourceType IN (" +
		quoteAll(types) + ") AND accountId IN (" + quoteAll(accounts) + ")"
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// selectTypes runs one paginated advanced query and returns its results,
// each a configuration item as JSON.
func selectTypes(ctx context.Context, api aggregatorAPI, name string, types, accounts []string) ([]json.RawMessage, error) {
	var items []json.RawMessage
	pg := configservice.NewSelectAggregateResourceConfigPaginator(api, &configservice.SelectAggregateResourceConfigInput{
		ConfigurationAggregatorName: sdkaws.String(name),
		Expression:                  sdkaws.String(selectExpression(types, accounts)),
		Limit:                       selectLimit,
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("select aggregate resource config: %w", err)
		}
		for _, r := range page.Results {
			items = append(items, json.RawMessage(r))
		}
	}
	return items, nil
}

// keepFromConfig drops what the API collectors leave out too, so the path
// a scan takes does not change its inventory: automated database
// snapshots, which expire by themselves, and deleted NAT gateways.
func keepFromConfig(r inventory.Resource) bool {
	switch r.Type {
	case "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot":
		return r.Attrs.Value("snapshot_type") != "automated"
	case "AWS::EC2::NatGateway", "AWS::EC2::Instance":
		return r.State != "deleted" && r.State != "terminated"
	}
	return true
}

// nameAsAPI names a resource read from Config as its API collector does:
// EC2 resources by their Name tag (a security group by its group name
// without one), databases and snapshots by their identifier.
func nameAsAPI(r *inventory.Resource) {
	switch inventory.ServiceOf(r.Type) {
	case "ec2":
		r.Name = r.Tags.Value("Name")
		if r.Name == "" && r.Type == "AWS::EC2::SecurityGroup" {
			r.Name, _ = r.Attrs.Value("group_name").(string)
		}
	case "rds":
		r.Name = r.ID
	}
}

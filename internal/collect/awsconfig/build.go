package awsconfig

import (
	"fmt"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// result is what the files amount to once history is folded.
type result struct {
	resources []inventory.Resource
	coverage  []inventory.Coverage
	// skipped counts live items of types steward does not know, by type.
	skipped map[string]int
	// live are the folded items that describe live resources.
	live []*item
}

// estate is what mapping one item may need to know about the others.
type estate struct {
	// arns finds the ARN of an item by type|account|region|id-or-name, and
	// by type|account||id-or-name for global resources.
	arns map[string]string
	// routeTables by account|region|vpc, to tell public subnets.
	routeTables map[string][]routeTable
	// accountBlock is, per account, whether the account-level S3 public
	// access block has all four settings on; absent when not recorded.
	accountBlock map[string]bool
	// taskDefs by ARN, so a service can carry its task size.
	taskDefs map[string]*item
	// instanceStates by arnKey(instance type, account, region, id), so a
	// Classic Load Balancer can tell its registered instances are stopped.
	instanceStates map[string]string
	// services counts live ECS services by the arnKey of their cluster.
	services map[string]int
	// reverse holds edges found on the target's side (a target group lists
	// its instances), added to their source resources after mapping.
	reverse map[string][]inventory.Relation
}

func arnKey(typ, account, region, id string) string {
	return strings.ToLower(typ) + "|" + account + "|" + region + "|" + id
}

// resolve returns the ARN of a resource from its type and id or name,
// preferring the ARN of an item in the files.
func (e *estate) resolve(typ, partition, region, account, id string) string {
	if id == "" {
		return ""
	}
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	if a, ok := e.arns[arnKey(typ, account, region, id)]; ok {
		return a
	}
	if a, ok := e.arns[arnKey(typ, account, "", id)]; ok {
		return a
	}
	return buildARN(typ, partition, region, account, id)
}

// itemKey identifies a resource across files: its ARN, or its type and id
// when an item carries no ARN.
func itemKey(it *item) string {
	if it.arn != "" {
		return it.arn
	}
	return arnKey(it.typ, it.account, it.region, it.id)
}

// fold keeps the latest item per resource. History files carry several
// items per ARN; a folder may hold a snapshot and newer history. An item
// captured later wins; at equal capture time the one read later wins.
func fold(items []item) []*item {
	latest := make(map[string]*item, len(items))
	for i := range items {
		it := &items[i]
		k := itemKey(it)
		prev, ok := latest[k]
		if !ok || it.captured.After(prev.captured) || (it.captured.Equal(prev.captured) && it.seq > prev.seq) {
			latest[k] = it
		}
	}
	out := make([]*item, 0, len(latest))
	for _, it := range latest {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// build maps folded items to resources and coverage. Any error names the
// file, the item and the field; nothing partial is returned.
func build(items []item) (*result, error) {
	// Settle each item's type and ARN before folding, so that two spellings
	// of one resource fold into one and never surface as a duplicate.
	for i := range items {
		it := &items[i]
		if typ := canonicalType(it.typ); typ != "" {
			it.typ = typ
		}
		if it.typ == tLogGroup {
			// Config's log group ARN ends in :* (the streams); the
			// resource is the group.
			it.arn = strings.TrimSuffix(it.arn, ":*")
		}
		if it.arn == "" && inventory.KnownType(it.typ) {
			id := it.id
			if needsName(it.typ) && it.name != "" {
				id = it.name
			}
			it.arn = buildARN(it.typ, "aws", it.region, it.account, id)
		}
	}
	all := fold(items)
	e := &estate{
		arns:         map[string]string{},
		routeTables:  map[string][]routeTable{},
		accountBlock: map[string]bool{},
		taskDefs:     map[string]*item{},
		reverse:      map[string][]inventory.Relation{},

		instanceStates: map[string]string{},
		services:       map[string]int{},
	}
	res := &result{skipped: map[string]int{}}

	type covKey struct{ account, region, service string }
	cov := map[covKey]int{}
	var live []*item
	for _, it := range all {
		typ := canonicalType(it.typ)
		if inventory.KnownType(typ) {
			if it.account == "" {
				return nil, fmt.Errorf("%s: %s.awsAccountId: required for %s", it.file, it.where(), it.typ)
			}
			cov[covKey{it.account, it.region, inventory.ServiceOf(typ)}] += 0
		}
		if goneStatuses[it.status] {
			if typ == tInstance && strings.HasPrefix(it.status, "ResourceDeleted") {
				// A Classic Load Balancer still lists a terminated instance,
				// out of service.
				e.instanceStates[arnKey(tInstance, it.account, it.region, it.id)] = "terminated"
			}
			continue
		}
		if typ == "" {
			res.skipped[it.typ]++
			continue
		}
		if it.arn == "" && inventory.KnownType(typ) {
			return nil, fmt.Errorf("%s: %s.ARN: required for %s (the ARN cannot be derived from resourceId %q)", it.file, it.where(), typ, it.id)
		}
		live = append(live, it)
		for _, id := range []string{it.id, it.name} {
			if id == "" {
				continue
			}
			e.arns[arnKey(typ, it.account, it.region, id)] = it.arn
			e.arns[arnKey(typ, it.account, "", id)] = it.arn
		}
	}

	// Helper types first: their facts feed the resources' attrs.
	for _, it := range live {
		var r reader
		switch it.typ {
		case tRouteTable:
			rt := readRouteTable(&r, it)
			k := it.account + "|" + it.region + "|" + rt.vpc
			e.routeTables[k] = append(e.routeTables[k], rt)
		case tAccountPAB:
			if on, ok := allBlocked(&r, it.conf); ok {
				e.accountBlock[it.account] = on
			}
		case tTaskDef:
			e.taskDefs[it.arn] = it
		case tInstance:
			e.instanceStates[arnKey(tInstance, it.account, it.region, it.id)] = r.state(it.conf, "state")
		case tECSService:
			if cl, ok := r.str(it.conf, "Cluster"); ok && cl != "" {
				e.services[arnKey(tECSCluster, it.account, it.region, lastSegment(cl))]++
			}
		}
		if r.err != nil {
			return nil, fmt.Errorf("%s: %w", it.file, r.err)
		}
	}

	for _, it := range live {
		if !inventory.KnownType(it.typ) {
			continue
		}
		rs, err := e.mapItem(it)
		if err != nil {
			return nil, err
		}
		res.resources = append(res.resources, rs)
		cov[covKey{rs.Account, rs.Region, inventory.ServiceOf(rs.Type)}]++
	}
	for i := range res.resources {
		rs := &res.resources[i]
		for _, rel := range e.reverse[rs.ARN] {
			if rel.Target != rs.ARN {
				rs.Relations = append(rs.Relations, rel)
			}
		}
		rs.Relations = dedupeRelations(rs.Relations)
	}
	sort.Slice(res.resources, func(i, j int) bool { return res.resources[i].ARN < res.resources[j].ARN })
	if err := inventory.CheckUnique(res.resources); err != nil {
		return nil, err
	}

	res.live = live
	for k, n := range cov {
		res.coverage = append(res.coverage, inventory.Coverage{
			Account: k.account, Region: k.region, Service: k.service, OK: true, Resources: n,
		})
	}
	inventory.SortCoverage(res.coverage)
	return res, nil
}

// dedupeRelations drops repeated and empty edges, keeping first-seen order
// (the hash sorts them anyway).
func dedupeRelations(rels []inventory.Relation) []inventory.Relation {
	if len(rels) == 0 {
		return nil
	}
	seen := make(map[inventory.Relation]bool, len(rels))
	out := rels[:0:0]
	for _, r := range rels {
		if r.Kind == "" || r.Target == "" || seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// skippedSummary renders skipped types for the log, most frequent first.
func skippedSummary(skipped map[string]int) string {
	types := make([]string, 0, len(skipped))
	for t := range skipped {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if skipped[types[i]] != skipped[types[j]] {
			return skipped[types[i]] > skipped[types[j]]
		}
		return types[i] < types[j]
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s=%d", t, skipped[t])
	}
	return strings.Join(parts, " ")
}

// accountRegions gives each account and region the files hold items for
// its Steward::Account::Region resource, with the baseline attrs a Config
// item decides:
//   - guardduty_enabled, where the region holds a detector item (Config
//     records a detector that exists; a region with none is left unknown,
//     since a recorder that skips the type looks the same);
//   - cloudtrail_enabled: a trail covers the region when it lives there or
//     is multi-region, and is not recorded as not logging. An account with
//     no trail item in any region has none: trails are recorded in their
//     home region, and a Config delivery with no trail anywhere means the
//     account has no trail.
//
// Security Hub, Inspector and the recorder's own state are not Config
// items and stay unknown.
func accountRegions(live []*item, rs []inventory.Resource) []inventory.Resource {
	type key struct{ account, region string }
	regions := map[key]string{} // -> partition
	for _, it := range live {
		if it.account == "" || it.region == "" || it.region == "global" || it.region == "aws-global" {
			continue
		}
		k := key{it.account, it.region}
		if _, ok := regions[k]; !ok || it.arn != "" {
			regions[k] = partitionOf(it.arn)
		}
	}
	detectors := map[key]bool{}
	hasTrail := map[string]bool{}
	covered := map[key]bool{}
	everywhere := map[string]bool{}
	for _, r := range rs {
		k := key{r.Account, r.Region}
		switch r.Type {
		case tDetector:
			status, ok := r.Attrs.Value("status").(string)
			if !ok {
				continue
			}
			detectors[k] = detectors[k] || status == "ENABLED"
		case tTrail:
			hasTrail[r.Account] = true
			if logging, ok := r.Attrs.Value("logging").(bool); ok && !logging {
				continue
			}
			if multi, _ := r.Attrs.Value("multi_region").(bool); multi {
				everywhere[r.Account] = true
			}
			covered[k] = true
		}
	}
	out := make([]inventory.Resource, 0, len(regions))
	for k, part := range regions {
		attrs := map[string]any{
			"cloudtrail_enabled": everywhere[k.account] || covered[k],
		}
		if on, ok := detectors[k]; ok {
			attrs["guardduty_enabled"] = on
		}
		out = append(out, inventory.Resource{
			ARN:     fmt.Sprintf("arn:%s:steward:%s:%s:account-region/%s", part, k.region, k.account, k.region),
			Account: k.account, Region: k.region, Type: tAccountRgn,
			ID: k.account + "/" + k.region, Name: k.region, Attrs: inventory.AttrsOf(attrs),
		})
	}
	return out
}

package aws

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// An event (internal/collect/awsevent) names resources that changed; the
// server reads their units again (CollectUnit) and puts them into the
// latest scan's inventory in place of what that scan had read there
// (Refresh), so the result is a whole inventory again: a scan of its own,
// with history and findings worked out as for any scan.

// refreshed are the services an event reads again. Each is a tagged
// service (its describe calls return tags) whose resources no other unit
// adds to, but for the edges of refreshEdges: so its unit read alone is
// all there is to know of its resources.
var refreshed = []string{"ec2", "ecs", "rds", "s3"}

// refreshEdges are relations of a service's resources that other units
// add (a load balancer's unit says an instance is its target): carried
// over from the latest scan when the service's unit is read again alone.
var refreshEdges = map[string][]string{
	"ec2": {inventory.RelTargetOf, inventory.RelMemberOf},
}

// EventUnit names the unit (account/region/service) that reads the
// resource of arn again, for an event of account; false with the reason
// when steward does not read such resources again on an event.
func EventUnit(account, arn string) (string, bool, string) {
	p := splitARN(arn)
	if p[0] != "arn" || p[5] == "" {
		return "", false, "not an ARN"
	}
	service, region := p[2], p[3]
	if p[4] != "" {
		account = p[4]
	}
	if !slices.Contains(refreshed, service) {
		return "", false, "steward reads " + service + " resources at the next scan, not on an event"
	}
	if service == "s3" {
		region = "global"
	}
	if !eventAccount.MatchString(account) || !eventRegion.MatchString(region) {
		return "", false, "the ARN names no region or account"
	}
	return account + "/" + region + "/" + service, true, ""
}

var (
	eventAccount = regexp.MustCompile(`^[0-9]{12}$`)
	eventRegion  = regexp.MustCompile(`^[a-z0-9-]+$`)
)

// HasUnit says whether unit is one of the scan's: an event of an account
// or region steward does not scan names none.
func (s *Source) HasUnit(unit string) bool {
	_, at := s.planned()
	_, ok := at[unit]
	return ok
}

// Refresh puts units read again (their CollectUnit records) into base,
// the latest scan's inventory: the resources base had of each unit's
// account, region (any, for a global service) and service are replaced by
// what the unit read now, so a resource deleted since is gone; relations
// other units add are carried over; the units' coverage rows replace
// base's. Every record must be of a unit that was read (its row ok):
// a failed read is no evidence that anything changed.
func (s *Source) Refresh(base *inventory.Collection, records map[string][]byte) (*inventory.Collection, error) {
	type read struct {
		account, region, service string
	}
	var reads []read
	var fresh []inventory.Resource
	var rows []inventory.Coverage
	regionAttrs := map[string]map[string]any{}
	calls := map[string]int{}
	for _, name := range slices.Sorted(maps.Keys(records)) {
		parts := strings.Split(name, "/")
		if len(parts) != 3 || !slices.Contains(refreshed, parts[2]) {
			return nil, fmt.Errorf("unit %q: steward reads only %s units again on an event", name, strings.Join(refreshed, ", "))
		}
		var rec unitRecord
		if err := json.Unmarshal(records[name], &rec); err != nil {
			return nil, fmt.Errorf("unit %s: decode its record: %w", name, err)
		}
		if !rec.Coverage.OK {
			return nil, fmt.Errorf("unit %s was not read (%s): nothing of it is replaced", name, rec.Coverage.Error)
		}
		reads = append(reads, read{parts[0], parts[1], parts[2]})
		rs := slices.Clone(rec.Resources)
		for i := range rs {
			rs[i].Relations = append(rs[i].Relations, rec.Edges[rs[i].ARN]...)
			if rs[i].Tags.IsZero() {
				if t, ok := rec.Tags[rs[i].ARN]; ok {
					rs[i].Tags = inventory.TagsOf(t)
				}
			}
			if rs[i].Name == "" {
				rs[i].Name = rs[i].Tags.Value("Name")
			}
		}
		fresh = append(fresh, rs...)
		rows = append(rows, rec.Coverage)
		rows = append(rows, rec.Side...)
		if rec.RegionAttrs != nil {
			regionAttrs[parts[0]+"/"+parts[1]] = rec.RegionAttrs
		}
		for k, v := range rec.APICalls {
			calls[k] += v
		}
	}
	owned := func(r inventory.Resource) bool {
		return slices.ContainsFunc(reads, func(u read) bool {
			return r.Account == u.account && (u.region == "global" || r.Region == u.region) && inventory.ServiceOf(r.Type) == u.service
		})
	}
	before := map[string]*inventory.Resource{}
	var resources []inventory.Resource
	for i := range base.Resources {
		r := base.Resources[i]
		if owned(r) {
			before[r.ARN] = &base.Resources[i]
			continue
		}
		if r.Type == "Steward::Account::Region" && regionAttrs[r.Account+"/"+r.Region] != nil {
			attrs := r.Attrs.Map()
			if attrs == nil {
				attrs = map[string]any{}
			}
			maps.Copy(attrs, regionAttrs[r.Account+"/"+r.Region])
			r.Attrs = inventory.AttrsOf(attrs)
		}
		resources = append(resources, r)
	}
	for _, r := range fresh {
		if old := before[r.ARN]; old != nil {
			for _, rel := range old.Relations {
				if slices.Contains(refreshEdges[inventory.ServiceOf(r.Type)], rel.Kind) && !slices.Contains(r.Relations, rel) {
					r.Relations = append(r.Relations, rel)
				}
			}
		}
		resources = append(resources, r)
	}
	// A unit's own row replaces base's. A side row (CloudWatch read for
	// several units) also says how other units' side reads went, which
	// were not made again: it is merged with base's, ok only if both are.
	type key struct{ a, r, s string }
	newRows := map[key]inventory.Coverage{}
	for _, c := range mergeCoverage(rows) {
		newRows[key{c.Account, c.Region, c.Service}] = c
	}
	var coverage []inventory.Coverage
	for _, c := range base.Coverage {
		k := key{c.Account, c.Region, c.Service}
		n, ok := newRows[k]
		switch {
		case !ok:
			coverage = append(coverage, c)
			continue
		case !slices.ContainsFunc(reads, func(u read) bool { return k == key{u.account, u.region, u.service} }):
			n = mergeCoverage([]inventory.Coverage{c, n})[0]
		}
		coverage = append(coverage, n)
		delete(newRows, k)
	}
	for _, c := range mergeCoverage(rows) {
		if _, ok := newRows[key{c.Account, c.Region, c.Service}]; ok {
			coverage = append(coverage, c)
		}
	}
	return &inventory.Collection{Resources: dedupe(resources), Coverage: coverage, APICalls: calls}, nil
}

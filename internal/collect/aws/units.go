package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// A scan is made of units: one service in one account and region, as the
// coverage rows are. Collect runs them all in this process; a server with
// replicas runs each as a job of its own (internal/jobs), keeps what each
// read (CollectUnit's record) in the store, and puts the scan together
// with Assemble once every unit is done or given up. Both paths share
// plan, runUnit and merge, so a scan of units is the scan Collect makes.
// A configuration aggregator is read by Collect only: units read each
// service's own API.

// plan lists the scan's units: every selected service in every account
// and region, and the tagging API's reads where a tag-less service needs
// them.
func (s *Source) plan() []unit {
	var units []unit
	for _, a := range s.accounts {
		needTags := map[string]bool{} // region -> a tag-less service reads there
		for _, c := range s.selected {
			if c.global {
				units = append(units, unit{a, "global", c})
				if c.untagged {
					needTags[homeRegion(a)] = true
				}
				continue
			}
			for _, r := range a.regions {
				units = append(units, unit{a, r, c})
				if c.untagged {
					needTags[r] = true
				}
			}
		}
		for _, r := range tagRegions(a) {
			if needTags[r] {
				units = append(units, unit{a, r, taggingCollector})
			}
		}
	}
	return units
}

// planned is the scan's plan, made once, and each unit's index in it by
// name. The accounts and services are fixed when the source is made.
func (s *Source) planned() ([]unit, map[string]int) {
	s.planOnce.Do(func() {
		s.units = s.plan()
		s.unitAt = make(map[string]int, len(s.units))
		for i, u := range s.units {
			s.unitAt[u.name()] = i
		}
	})
	return s.units, s.unitAt
}

// name is the unit's key: account/region/service.
func (u unit) name() string { return u.acct.id + "/" + u.region + "/" + u.c.service }

// Units lists the names of the scan's units (account/region/service),
// each read by CollectUnit.
func (s *Source) Units() []string {
	units, _ := s.planned()
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = u.name()
	}
	return names
}

// UnitScope is what AWS throttles a unit's calls by: its account and
// service (account/service), the key of the shared concurrency limit.
func UnitScope(unit string) string {
	parts := strings.Split(unit, "/")
	if len(parts) != 3 {
		return unit
	}
	return parts[0] + "/" + parts[2]
}

// unitRecord is what one unit read, as kept between processes.
type unitRecord struct {
	Coverage    inventory.Coverage              `json:"coverage"`
	Resources   []inventory.Resource            `json:"resources,omitempty"`
	RegionAttrs map[string]any                  `json:"region_attrs,omitempty"`
	Side        []inventory.Coverage            `json:"side,omitempty"`
	Tags        map[string]map[string]string    `json:"tags,omitempty"`
	Edges       map[string][]inventory.Relation `json:"edges,omitempty"`
	APICalls    map[string]int                  `json:"api_calls,omitempty"`
}

// CollectUnit reads one unit and returns its record (for Assemble) and
// its coverage row. A unit that fails is not an error: its row says why
// (a throttled row may be worth another try later); an error means the
// unit is not one of this source's.
func (s *Source) CollectUnit(ctx context.Context, name string) ([]byte, inventory.Coverage, error) {
	units, at := s.planned()
	i, ok := at[name]
	if !ok {
		return nil, inventory.Coverage{}, fmt.Errorf("unit %q is not one of this scan's (accounts, regions or services differ from the replica that planned it)", name)
	}
	counter := newCallCounter()
	out, row := s.runUnit(withCounter(ctx, counter), units[i], s.opts.Now(), nil)
	rec := unitRecord{Coverage: row, Resources: out.resources, RegionAttrs: out.regionAttrs, Side: out.side,
		Tags: out.tags, Edges: out.edges, APICalls: counter.byService()}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, row, fmt.Errorf("unit %s: encode: %w", name, err)
	}
	return b, row, nil
}

// Assemble puts a scan together from its units' records, as Collect does
// from the units it ran. A unit without a record (given up: a replica died
// with it, or it straggled past the scan's deadline) becomes a coverage
// gap of kind gaps[name]'s words.
//
// Assemble takes records: each is dropped from the map once read, so an
// organisation's records (a gigabyte of JSON at a million resources) are
// let go while its resources are settled into the estate.
func (s *Source) Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error) {
	units, at := s.planned()
	for name := range records {
		if _, ok := at[name]; !ok {
			return nil, fmt.Errorf("unit %q is not one of this scan's (accounts, regions or services differ from the replica that planned it)", name)
		}
	}
	in := &inventory.Interner{}
	outs := make([]*unitOut, len(units))
	rows := make([]inventory.Coverage, len(units))
	calls := map[string]int{}
	for i, u := range units {
		name := u.name()
		b, ok := records[name]
		if !ok {
			why := gaps[name]
			if why == "" {
				why = "the unit was not read"
			}
			rows[i] = inventory.Coverage{Account: u.acct.id, Region: u.region, Service: u.c.service, ErrorKind: KindTimeout, Error: why}
			continue
		}
		var rec unitRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("unit %s: decode its record: %w", name, err)
		}
		delete(records, name)
		outs[i] = &unitOut{resources: rec.Resources, regionAttrs: rec.RegionAttrs, side: rec.Side, tags: rec.Tags, edges: rec.Edges}
		outs[i].settle(in)
		rows[i] = rec.Coverage
		for k, v := range rec.APICalls {
			calls[k] += v
		}
	}
	return s.merge(units, outs, rows, nil, calls, in)
}

// settle keeps the unit's resources as the estate does (in's copies),
// once.
func (o *unitOut) settle(in *inventory.Interner) {
	if o.settled {
		return
	}
	for i := range o.resources {
		in.Resource(&o.resources[i])
	}
	o.settled = true
}

// merge puts the units' reads together: coverage (setup gaps, extra rows,
// one per unit and the side reads), resources with the tags and relations
// other units found, and the account-region resources. The resources are
// settled by in (the units' not settled yet are settled here), so the
// estate keeps one copy of what repeats, as one read from a file does.
func (s *Source) merge(units []unit, outs []*unitOut, rows, extra []inventory.Coverage, calls map[string]int, in *inventory.Interner) (*inventory.Collection, error) {
	coverage := append([]inventory.Coverage(nil), s.setupGaps...)
	coverage = append(coverage, extra...)
	coverage = append(coverage, rows...)
	var resources []inventory.Resource
	tags := map[string]map[string]string{}
	regionAttrs := map[string]map[string]any{}
	edges := map[string][]inventory.Relation{}
	for i, out := range outs {
		if out == nil {
			continue
		}
		out.settle(in)
		resources = append(resources, out.resources...)
		out.resources = nil
		coverage = append(coverage, out.side...)
		for arn, rels := range out.edges {
			edges[arn] = append(edges[arn], rels...)
		}
		for arn, t := range out.tags {
			tags[arn] = t
		}
		if out.regionAttrs != nil {
			k := units[i].acct.id + "/" + units[i].region
			if regionAttrs[k] == nil {
				regionAttrs[k] = map[string]any{}
			}
			for key, v := range out.regionAttrs {
				regionAttrs[k][key] = v
			}
		}
	}
	for i := range resources {
		if e := edges[resources[i].ARN]; len(e) > 0 {
			resources[i].Relations = in.Relations(append(slices.Clip(resources[i].Relations), e...))
		}
		if resources[i].Tags.IsZero() {
			if t, ok := tags[resources[i].ARN]; ok {
				resources[i].Tags = in.Tags(inventory.TagsOf(t))
			}
		}
		// A resource without a name of its own (a CloudFront
		// distribution) is called by its Name tag, as in the console.
		if resources[i].Name == "" {
			resources[i].Name = resources[i].Tags.Value("Name")
		}
	}
	if s.baselineSelected() {
		for _, a := range s.accounts {
			for _, r := range a.regions {
				ar := accountRegion(a, r, regionAttrs[a.id+"/"+r])
				in.Resource(&ar)
				resources = append(resources, ar)
			}
		}
	}
	resources = dedupe(resources)
	// Sorted by ARN now: a target naming one of them is found by search.
	in.ShareTargets(resources, func(arn string) (int, bool) {
		return slices.BinarySearchFunc(resources, arn, func(r inventory.Resource, arn string) int { return strings.Compare(r.ARN, arn) })
	})
	in.Compact(resources)
	coverage = mergeCoverage(coverage)
	anyOK := false
	for _, c := range coverage {
		anyOK = anyOK || c.OK
	}
	if !anyOK && len(coverage) > 0 {
		g := coverage[0]
		return nil, fmt.Errorf("aws scan read nothing: account %s region %s %s: %s", g.Account, g.Region, g.Service, g.Error)
	}
	return &inventory.Collection{Resources: resources, Coverage: coverage, APICalls: calls}, nil
}

package cost

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/schedule"
)

// Common is what every cost command reads: the store, the inventory and
// findings of the last scan, steward.yaml and its cost section, a clock.
type Common struct {
	Store RollupStore
	// Keys and Naming say who owns a resource (steward.yaml's tags and
	// naming sections); Currency and Rate are the display currency.
	Keys      Keys
	Naming    naming.Rule
	Currency  string
	Rate      float64
	Cost      Config
	Resources []inventory.Resource
	Findings  []finding.Finding
	Now       time.Time
	Logger    *slog.Logger
	// Schedules reads the tags that put a resource on an off-hours
	// schedule (steward.yaml's tags.schedule_key and offhours_key); nil
	// reads the default keys.
	Schedules *schedule.Resolver
}

func (c *Common) validate() error {
	switch {
	case c.Store == nil:
		return fmt.Errorf("cost: Store is required")
	case c.Keys == (Keys{}):
		return fmt.Errorf("cost: Keys are required (the owner, system and env tag keys)")
	case c.Now.IsZero():
		return fmt.Errorf("cost: Now is required")
	}
	c.Cost.Defaults()
	return c.Cost.Validate()
}

func (c *Common) attributor() *Attributor {
	return NewAttributor(c.Keys, c.Naming, c.Resources, c.Cost.VirtualTags)
}

// converter turns amounts in the bill's currency into the display
// currency at the configured rate (USD <-> JPY); same currency is exact.
type converter struct {
	to   string
	rate *big.Rat // display units per bill unit; nil means 1
}

func (c *Common) converter(billCurrency string) (converter, error) {
	cur := struct {
		Code string
		Rate float64
	}{cmp.Or(c.Currency, "USD"), c.Rate}
	if billCurrency == "" || billCurrency == cur.Code {
		return converter{to: cmp.Or(billCurrency, cur.Code)}, nil
	}
	r := new(big.Rat).SetFloat64(cur.Rate)
	if r == nil || r.Sign() <= 0 {
		return converter{}, fmt.Errorf("the bill is in %s and currency.rate is not set: set currency.code and rate in steward.yaml", billCurrency)
	}
	switch {
	case billCurrency == "USD" && cur.Code == "JPY":
		return converter{to: "JPY", rate: r}, nil
	case billCurrency == "JPY" && cur.Code == "USD":
		// Config keeps a rate only for JPY, so USD display of a yen bill
		// is not configurable: show it as billed.
		return converter{to: "JPY"}, nil
	}
	return converter{to: billCurrency}, nil
}

func (cv converter) conv(m Money) Money {
	if cv.rate == nil {
		return m
	}
	return m.MulRat(cv.rate)
}

// window is the [from, to) day range of a command: the last 30 days by
// default.
func window(now, from, to time.Time) (time.Time, time.Time) {
	if to.IsZero() {
		to = dayTime(dayOf(now) + 1)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	return dayTime(dayOf(from)), dayTime(dayOf(to))
}

// ShowOptions are the inputs of `steward cost show`.
type ShowOptions struct {
	Common
	// By is system, env, owner, service, account, resource or tag:KEY.
	By string
	// From and To bound the days shown, [From, To); zero means the last 30 days.
	From, To time.Time
	// Amortized shows effective cost instead of billed.
	Amortized bool
	// Top limits the groups and the untagged resources listed, largest
	// first; zero lists every group and 10 untagged resources.
	Top int
}

// Group is one line of a breakdown.
type Group struct {
	Key   string  `json:"key"`
	Cost  Money   `json:"cost"`
	Share float64 `json:"share"`
	// Via counts how the group's spend was attributed, by source.
	Via map[string]Money `json:"via,omitempty"`
}

// UntaggedResource is spend whose bill tags lack an owner key, with the
// fix: the missing keys and, where steward can tell, the value to set.
type UntaggedResource struct {
	Resource string   `json:"resource"`
	Service  string   `json:"service"`
	Account  string   `json:"account"`
	Cost     Money    `json:"cost"`
	Missing  []string `json:"missing"`
	Fix      string   `json:"fix"`
	// FixTags and FixVia are Fix's parts, for saying it in another
	// language: the tags to add (key=value ...) and where the values came
	// from (an owner source; empty when from tags or nowhere).
	FixTags string `json:"-"`
	FixVia  string `json:"-"`
}

// ShowResult is a cost breakdown.
type ShowResult struct {
	From     string  `json:"from"`
	To       string  `json:"to"` // exclusive
	By       string  `json:"by"`
	Basis    string  `json:"basis"` // billed or amortized
	Currency string  `json:"currency"`
	Total    Money   `json:"total"` // usage plus every other kind
	Usage    Money   `json:"usage"`
	Groups   []Group `json:"groups"` // usage only
	// MoreGroups and MoreCost are the groups past --top, left out of
	// Groups, and their usage cost.
	MoreGroups int   `json:"more_groups,omitempty"`
	MoreCost   Money `json:"more_cost,omitzero"`
	// Other holds credits, taxes, fees, purchases and adjustments, apart
	// from usage so the untagged share means something.
	Other         []Group            `json:"other"`
	Untagged      Money              `json:"untagged"`
	UntaggedShare float64            `json:"untagged_share"`
	TopUntagged   []UntaggedResource `json:"top_untagged"`
}

// ValidBy checks a --by value before any data is read.
func ValidBy(by string) error {
	switch by {
	case "system", "env", "owner", "service", "account", "resource":
		return nil
	}
	if k, ok := strings.CutPrefix(by, "tag:"); ok && k != "" {
		return nil
	}
	return &FieldError{Field: "--by", Err: i18n.Say("cost.err.by", by).Err()}
}

// Show computes a breakdown.
func Show(ctx context.Context, o ShowOptions) (*ShowResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	o.By = cmp.Or(o.By, "system")
	if err := ValidBy(o.By); err != nil {
		return nil, err
	}
	untaggedTop := o.Top
	if untaggedTop <= 0 {
		untaggedTop = 10
	}
	from, to := window(o.Now, o.From, o.To)
	if !from.Before(to) {
		return nil, i18n.Say("cli.date.order", from.Format(time.DateOnly), to.Format(time.DateOnly)).Err()
	}
	at := o.attributor()
	res := &ShowResult{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), By: o.By, Basis: "billed"}
	if o.Amortized {
		res.Basis = "amortized"
	}
	groups := map[string]*groupSum{}
	other := map[string]*Group{}
	untagged := map[string]*UntaggedResource{}
	// Rollups come day by day, each day's in the same order: the group
	// (or tag set) after a rollup's is most often the one that came after
	// it the day before, which a compare finds without a map lookup (a
	// million of those, in a map of a resource-level bill's groups, were a
	// third of a report by resource).
	var lastGroup *groupSum
	group := func(key string) *groupSum {
		if lastGroup != nil && lastGroup.next != nil && lastGroup.next.Key == key {
			lastGroup = lastGroup.next
			return lastGroup
		}
		g := groups[key]
		if g == nil {
			g = &groupSum{Group: Group{Key: key, Via: map[string]Money{}}}
			groups[key] = g
		}
		if lastGroup != nil {
			lastGroup.next = g
		}
		lastGroup = g
		return g
	}
	// A month of a resource-level bill is a million rollups with a few
	// hundred tag sets: what a tag set says (its attribution when the
	// tags alone make it, the owner keys it lacks, its group when the
	// breakdown is by what tags say) is worked out once per set, and the
	// cost of the rollups whose group their tags decide is summed per set
	// and added to the groups at the end (exact money, so the same sums).
	byTags := o.By == "system" || o.By == "env" || o.By == "owner" || strings.HasPrefix(o.By, "tag:")
	facts := map[Tags]*tagFacts{}
	var lastFacts *tagFacts
	fold := func() {
		for _, f := range facts {
			if f.cost.Sign() != 0 || f.n > 0 {
				group(f.key).add(f.a.Via, f.cost)
				f.cost, f.n = Money{}, 0
			}
		}
		clear(facts)
		lastFacts = nil
	}
	currency := ""
	err := o.Store.Scan(ctx, Filter{From: from, To: to}, func(r Rollup) error {
		if currency == "" {
			currency = r.Currency
		} else if r.Currency != "" && r.Currency != currency {
			return fmt.Errorf("the bill mixes currencies %s and %s between %s and %s; show one period at a time", currency, r.Currency, res.From, res.To)
		}
		c := r.Cost(o.Amortized)
		res.Total = res.Total.Add(c)
		if r.Kind != KindUsage {
			g := other[string(r.Kind)]
			if g == nil {
				g = &Group{Key: string(r.Kind)}
				other[string(r.Kind)] = g
			}
			g.Cost = g.Cost.Add(c)
			return nil
		}
		res.Usage = res.Usage.Add(c)
		var f *tagFacts
		if lastFacts != nil && lastFacts.next != nil && lastFacts.next.tags == r.Tags {
			f = lastFacts.next
		} else {
			f = facts[r.Tags]
			if f == nil {
				if len(facts) >= maxTagSets {
					fold()
				}
				f = &tagFacts{tags: r.Tags}
				f.a, f.done = at.TagsAttribution(r.Tags)
				f.miss = at.MissingTags(&r)
				f.untagged = slices.Contains(f.miss, at.keys.System)
				if f.done && byTags {
					f.key = groupKey(o.By, &r, f.a, at)
				}
				facts[r.Tags] = f
			}
			if lastFacts != nil {
				lastFacts.next = f
			}
		}
		lastFacts = f
		a := f.a
		if f.done && byTags {
			f.cost = f.cost.Add(c)
			f.n++
		} else {
			if !f.done {
				a = at.Attribute(&r)
			}
			group(groupKey(o.By, &r, a, at)).add(a.Via, c)
		}
		if f.untagged {
			res.Untagged = res.Untagged.Add(c)
			id := cmp.Or(r.Resource, "(no resource id) "+r.Service+" "+r.UsageType)
			u := untagged[id]
			if u == nil {
				u = &UntaggedResource{Resource: id, Service: r.Service, Account: r.Account, Missing: f.miss}
				u.Fix, u.FixTags, u.FixVia = fixFor(at.keys, f.miss, a)
				untagged[id] = u
			}
			u.Cost = u.Cost.Add(c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost show: %w", err)
	}
	fold()
	cv, err := o.converter(currency)
	if err != nil {
		return nil, err
	}
	res.Currency = cv.to
	res.Total, res.Usage, res.Untagged = cv.conv(res.Total), cv.conv(res.Usage), cv.conv(res.Untagged)
	for _, g := range groups {
		g.done()
		g.Cost = cv.conv(g.Cost)
		for k, v := range g.Via {
			g.Via[k] = cv.conv(v)
		}
		g.Share = share(g.Cost, res.Usage)
		res.Groups = append(res.Groups, g.Group)
	}
	for _, g := range other {
		g.Cost = cv.conv(g.Cost)
		res.Other = append(res.Other, *g)
	}
	for _, u := range untagged {
		u.Cost = cv.conv(u.Cost)
		res.TopUntagged = append(res.TopUntagged, *u)
	}
	byCost := func(a, b Group) int { return cmp.Or(b.Cost.Cmp(a.Cost), cmp.Compare(a.Key, b.Key)) }
	slices.SortFunc(res.Groups, byCost)
	slices.SortFunc(res.Other, byCost)
	slices.SortFunc(res.TopUntagged, func(a, b UntaggedResource) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), cmp.Compare(a.Resource, b.Resource))
	})
	if len(res.TopUntagged) > untaggedTop {
		res.TopUntagged = res.TopUntagged[:untaggedTop]
	}
	if o.Top > 0 && len(res.Groups) > o.Top {
		for _, g := range res.Groups[o.Top:] {
			res.MoreCost = res.MoreCost.Add(g.Cost)
		}
		res.MoreGroups = len(res.Groups) - o.Top
		res.Groups = res.Groups[:o.Top]
	}
	res.UntaggedShare = share(res.Untagged, res.Usage)
	return res, nil
}

func share(part, whole Money) float64 {
	if whole.Sign() == 0 {
		return 0
	}
	return part.Float64() / whole.Float64()
}

func groupKey(by string, r *Rollup, a Attribution, at *Attributor) string {
	var k string
	switch by {
	case "system":
		k = a.System
	case "env":
		k = a.Env
	case "owner":
		k = a.Owner
	case "service":
		k = r.Service
	case "account":
		k = r.Account
	case "resource":
		k = r.Resource
	default:
		k, _ = at.Tag(r, strings.TrimPrefix(by, "tag:"))
	}
	if k == "" {
		return Unattributed
	}
	return k
}

// fixFor says which tags to add, with the values steward inferred from
// naming, managed-by or virtual tags when it could.
func fixFor(keys Keys, missing []string, a Attribution) (fix, tags, via string) {
	var parts []string
	for _, k := range missing {
		v := ""
		switch k {
		case keys.System:
			v = a.System
		case keys.Env:
			v = a.Env
		case keys.Owner:
			v = a.Owner
		}
		parts = append(parts, k+"="+cmp.Or(v, "?"))
	}
	tags = strings.Join(parts, " ")
	fix = "add tags " + tags
	if a.Via != "tag" && a.Via != "unattributed" {
		fix += " (values from " + a.Via + ")"
		via = a.Via
	}
	return fix, tags, via
}

// tagFacts is what Show works out once per tag set.
type tagFacts struct {
	tags Tags
	// next is the set of the rollup after the last one of this set.
	next *tagFacts
	a    Attribution
	done bool // a is the tags' own, whole
	miss []string
	// untagged: the tags lack the system key.
	untagged bool
	// key is the group when the tags decide it; cost and n are the usage
	// of the rollups added to it, not yet in the group.
	key  string
	cost Money
	n    int
}

// groupSum is a Group being summed. Its spend mostly comes one way, so
// the last source's cost is kept beside the Via map and added to it only
// when another source comes.
type groupSum struct {
	Group
	// next is the group of the rollup after the last one of this group.
	next    *groupSum
	via     string
	viaCost Money
	viaSet  bool
}

func (g *groupSum) add(via string, c Money) {
	g.Cost = g.Cost.Add(c)
	if g.viaSet && via != g.via {
		g.Via[g.via] = g.Via[g.via].Add(g.viaCost)
		g.viaCost = Money{}
	}
	g.via, g.viaSet = via, true
	g.viaCost = g.viaCost.Add(c)
}

// done adds the last source's cost to Via.
func (g *groupSum) done() {
	if g.viaSet {
		g.Via[g.via] = g.Via[g.via].Add(g.viaCost)
		g.viaSet, g.viaCost = false, Money{}
	}
}

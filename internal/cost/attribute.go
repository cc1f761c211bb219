package cost

import (
	"cmp"
	"path"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/owner"
)

// Keys name the tags that say who owns a resource (config.Tags).
type Keys struct {
	System, Env, Owner string
}

// Attribution is who a cost belongs to. Via says where the system (or,
// without one, the owner) came from: one of the owner package's sources
// (tag, inventory-tag, naming, managed-by, creator, virtual-tag) or
// unattributed.
type Attribution struct {
	System string `json:"system"`
	Env    string `json:"env"`
	Owner  string `json:"owner"`
	Via    string `json:"via"`
}

// Unattributed is the label of spend no rule could place.
const Unattributed = "(unattributed)"

// Attributor resolves rollups to system, env and owner in the owner
// package's order (the one findings use), the bill's tags first; virtual
// tags come last, for spend nothing else places.
type Attributor struct {
	keys    Keys
	owners  *owner.Resolver
	byID    map[string]*inventory.Resource
	virtual []VirtualTag
	cache   map[attrKey]Attribution
	// tagMaps and missing remember, per distinct tag set, its decoded
	// tags and the owner keys it lacks: a month of a resource-level bill
	// is a million rollups with a few hundred tag sets, and decoding the
	// JSON of each rollup's was most of a report's time.
	tagMaps map[Tags]map[string]string
	missing map[Tags][]string
	// byTags are the attributions the bill's tags make on their own: with
	// owner, system and env all tagged, nothing else is asked, so the
	// resource need not be looked up.
	byTags map[Tags]tagAttribution
}

type tagAttribution struct {
	done bool
	at   Attribution
}

type attrKey struct {
	account, service, usage, resource, rname string
	tags                                     Tags
}

// NewAttributor indexes the inventory by ARN and by native id, since
// bills name resources both ways.
func NewAttributor(keys Keys, rule naming.Rule, resources []inventory.Resource, virtual []VirtualTag) *Attributor {
	if keys.System == "" {
		keys.System = "system"
	}
	if keys.Env == "" {
		keys.Env = "env"
	}
	if keys.Owner == "" {
		keys.Owner = "owner"
	}
	a := &Attributor{keys: keys, owners: owner.New(owner.Keys{Owner: keys.Owner, System: keys.System, Env: keys.Env}, rule), byID: map[string]*inventory.Resource{}, virtual: virtual, cache: map[attrKey]Attribution{},
		tagMaps: map[Tags]map[string]string{}, missing: map[Tags][]string{}, byTags: map[Tags]tagAttribution{}}
	for i := range resources {
		r := &resources[i]
		a.byID[r.ARN] = r
		if r.ID != "" {
			if _, dup := a.byID[r.ID]; !dup {
				a.byID[r.ID] = r
			}
		}
	}
	return a
}

// Resource finds the inventory resource a bill line names, if any.
func (a *Attributor) Resource(id string) *inventory.Resource {
	if id == "" {
		return nil
	}
	if r, ok := a.byID[id]; ok {
		return r
	}
	if i := strings.LastIndexAny(id, "/:"); i >= 0 {
		return a.byID[id[i+1:]]
	}
	return nil
}

func tagOf(m map[string]string, key string) string { return owner.TagValue(m, key) }

// TagsAttribution is what the bill tags t say on their own, and whether
// that is whole (owner, system and env all tagged): then Attribute of any
// rollup with these tags returns it, whatever its resource.
func (a *Attributor) TagsAttribution(t Tags) (Attribution, bool) {
	ta, ok := a.byTags[t]
	if !ok {
		tags := a.tagMap(t)
		o := a.owners.Resolve(owner.Subject{Tags: tags})
		ta = tagAttribution{done: o.Done(), at: Attribution{System: o.System, Env: o.Env, Owner: o.Owner, Via: cmp.Or(o.SystemVia, o.OwnerVia, "unattributed")}}
		if len(a.byTags) >= maxTagSets {
			clear(a.byTags)
		}
		a.byTags[t] = ta
	}
	return ta.at, ta.done
}

// Attribute resolves one rollup.
func (a *Attributor) Attribute(r *Rollup) Attribution {
	if at, done := a.TagsAttribution(r.Tags); done {
		return at
	}
	k := attrKey{r.Account, r.Service, r.UsageType, r.Resource, r.ResourceName, r.Tags}
	if at, ok := a.cache[k]; ok {
		return at
	}
	at := a.resolve(r)
	if len(a.cache) > 200_000 {
		clear(a.cache)
	}
	a.cache[k] = at
	return at
}

// tagMap is t decoded, shared: callers must not change it.
func (a *Attributor) tagMap(t Tags) map[string]string {
	if m, ok := a.tagMaps[t]; ok {
		return m
	}
	m := t.Map()
	if m == nil {
		m = map[string]string{}
	}
	if len(a.tagMaps) >= maxTagSets {
		clear(a.tagMaps)
	}
	a.tagMaps[t] = m
	return m
}

// maxTagSets bounds the caches by tag set, so memory stays flat however
// varied the tags.
const maxTagSets = 50_000

// Tag is a rollup's tag by exact key, then case-insensitively (as
// Tags.Get).
func (a *Attributor) Tag(r *Rollup, key string) (string, bool) {
	m := a.tagMap(r.Tags)
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

func (a *Attributor) resolve(r *Rollup) Attribution {
	tags := a.tagMap(r.Tags)
	o := a.owners.Resolve(owner.Subject{Tags: tags, Resource: a.Resource(r.Resource), Name: a.name(r), Lookup: a.Resource})
	if !o.Done() {
		for _, v := range a.virtual {
			if glob(v.Account, r.Account) && glob(v.Service, r.Service) && glob(v.UsageType, r.UsageType) && glob(v.Resource, r.Resource) {
				o.Fill(v.Owner, v.System, v.Env, owner.VirtualTag)
			}
		}
	}
	return Attribution{System: o.System, Env: o.Env, Owner: o.Owner, Via: cmp.Or(o.SystemVia, o.OwnerVia, "unattributed")}
}

// name is what the naming rule reads when the inventory has no name for
// the resource: the bill's resource name, else the id's last segment (a
// bucket, a function).
func (a *Attributor) name(r *Rollup) string {
	if r.ResourceName != "" {
		return r.ResourceName
	}
	id := r.Resource
	if i := strings.LastIndexAny(id, "/:"); i >= 0 {
		id = id[i+1:]
	}
	return id
}

func glob(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

// MissingTags says which of the owner keys a rollup's bill tags lack.
// The slice is shared: callers must not change it.
func (a *Attributor) MissingTags(r *Rollup) []string {
	if miss, ok := a.missing[r.Tags]; ok {
		return miss
	}
	tags := a.tagMap(r.Tags)
	var miss []string
	for _, k := range []string{a.keys.System, a.keys.Env, a.keys.Owner} {
		if tagOf(tags, k) == "" {
			miss = append(miss, k)
		}
	}
	if len(a.missing) >= maxTagSets {
		clear(a.missing)
	}
	a.missing[r.Tags] = miss
	return miss
}

// Keys returns the tag keys in use.
func (a *Attributor) Keys() Keys { return a.keys }

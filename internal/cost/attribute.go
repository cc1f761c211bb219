package cost

import (
	"path"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
)

// Keys name the tags that say who owns a resource (config.Tags).
type Keys struct {
	System, Env, Owner string
}

// Attribution is who a cost belongs to. Via says where the system (or,
// without one, the owner) came from: tag, inventory-tag, naming,
// managed-by, virtual-tag or unattributed.
type Attribution struct {
	System string `json:"system"`
	Env    string `json:"env"`
	Owner  string `json:"owner"`
	Via    string `json:"via"`
}

// Unattributed is the label of spend no rule could place.
const Unattributed = "(unattributed)"

// Attributor resolves rollups to system, env and owner in the order the
// issue fixes: the bill's tags (and the inventory's tags for the same
// resource, for tags not activated for cost allocation), the naming rule,
// the inventory's managed-by (CloudFormation stack, parent service),
// virtual tags, else unattributed. Each field takes the first source
// that has it.
type Attributor struct {
	keys    Keys
	rule    naming.Rule
	byID    map[string]*inventory.Resource
	virtual []VirtualTag
	cache   map[attrKey]Attribution
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
	a := &Attributor{keys: keys, rule: rule, byID: map[string]*inventory.Resource{}, virtual: virtual, cache: map[attrKey]Attribution{}}
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

type fields struct{ sys, env, own, sysVia, ownVia string }

func (f *fields) fill(sys, env, own, via string) {
	if f.sys == "" && sys != "" {
		f.sys, f.sysVia = sys, via
	}
	if f.env == "" {
		f.env = env
	}
	if f.own == "" && own != "" {
		f.own, f.ownVia = own, via
	}
}

func (f *fields) done() bool { return f.sys != "" && f.env != "" && f.own != "" }

func tagOf(m map[string]string, key string) string {
	if v, ok := m[key]; ok {
		return strings.TrimSpace(v)
	}
	for k, v := range m {
		if strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Attribute resolves one rollup.
func (a *Attributor) Attribute(r *Rollup) Attribution {
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

func (a *Attributor) resolve(r *Rollup) Attribution {
	var f fields
	tags := r.Tags.Map()
	f.fill(tagOf(tags, a.keys.System), tagOf(tags, a.keys.Env), tagOf(tags, a.keys.Owner), "tag")
	inv := a.Resource(r.Resource)
	if !f.done() && inv != nil {
		f.fill(tagOf(inv.Tags, a.keys.System), tagOf(inv.Tags, a.keys.Env), tagOf(inv.Tags, a.keys.Owner), "inventory-tag")
	}
	if !f.done() {
		if p, ok := a.rule.Parse(a.name(r, inv)); ok {
			f.fill(p["system"], p["env"], p["owner"], "naming")
		}
	}
	if !f.done() && inv != nil {
		switch inv.ManagedBy.Kind {
		case "cloudformation":
			if p, ok := a.rule.Parse(inv.ManagedBy.Ref); ok {
				f.fill(p["system"], p["env"], p["owner"], "managed-by")
			} else {
				f.fill(inv.ManagedBy.Ref, "", "", "managed-by")
			}
		case "service":
			if parent := a.Resource(inv.ManagedBy.Ref); parent != nil {
				f.fill(tagOf(parent.Tags, a.keys.System), tagOf(parent.Tags, a.keys.Env), tagOf(parent.Tags, a.keys.Owner), "managed-by")
				if p, ok := a.rule.Parse(parent.Name); ok {
					f.fill(p["system"], p["env"], p["owner"], "managed-by")
				}
			}
		}
	}
	if !f.done() {
		for _, v := range a.virtual {
			if glob(v.Account, r.Account) && glob(v.Service, r.Service) && glob(v.UsageType, r.UsageType) && glob(v.Resource, r.Resource) {
				f.fill(v.System, v.Env, v.Owner, "virtual-tag")
			}
		}
	}
	via := f.sysVia
	if via == "" {
		via = f.ownVia
	}
	if via == "" {
		via = "unattributed"
	}
	return Attribution{System: f.sys, Env: f.env, Owner: f.own, Via: via}
}

// name is what the naming rule reads: the bill's resource name, the
// inventory's name, else the id's last segment (a bucket, a function).
func (a *Attributor) name(r *Rollup, inv *inventory.Resource) string {
	switch {
	case r.ResourceName != "":
		return r.ResourceName
	case inv != nil && inv.Name != "":
		return inv.Name
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
func (a *Attributor) MissingTags(r *Rollup) []string {
	tags := r.Tags.Map()
	var miss []string
	for _, k := range []string{a.keys.System, a.keys.Env, a.keys.Owner} {
		if tagOf(tags, k) == "" {
			miss = append(miss, k)
		}
	}
	return miss
}

// Keys returns the tag keys in use.
func (a *Attributor) Keys() Keys { return a.keys }

package cost

import (
	"fmt"
	"path"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
)

// Config is the cost section of steward.yaml (under `cost:`).
type Config struct {
	// Budgets are monthly limits per system and/or env.
	Budgets []Budget `yaml:"budgets"`
	// VirtualTags attribute spend no tag can carry (shared NAT traffic,
	// support fees) by rules over account, service, usage type, resource.
	VirtualTags []VirtualTag `yaml:"virtual_tags"`
	Anomaly     Anomaly      `yaml:"anomaly"`
	// Recommend tunes recommendations: office hours, production envs,
	// the Fargate Spot discount.
	Recommend RecommendConfig `yaml:"recommend"`
	// MaxSkipped is the share of a bill file's lines that may be
	// unreadable (bad cost or date) before `cost ingest` stores nothing,
	// as a percentage (default 1%); see MaxSkippedShare.
	MaxSkipped string `yaml:"max_skipped"`
}

// MaxSkippedShare is MaxSkipped read (Validate has checked it).
func (c *Config) MaxSkippedShare() Percent {
	p, err := ParsePercent(c.MaxSkipped)
	if err != nil {
		return DefaultMaxSkipped
	}
	return p
}

// Budget is a monthly limit. System and Env may each be empty (any); at
// least one must be set. Amount is in the display currency.
type Budget struct {
	System  string `yaml:"system"`
	Env     string `yaml:"env"`
	Monthly Money  `yaml:"monthly"`
}

// VirtualTag sets system, env and owner on spend matching every given
// glob (path.Match syntax; an empty field matches anything).
type VirtualTag struct {
	Account   string `yaml:"account"`
	Service   string `yaml:"service"`
	UsageType string `yaml:"usage_type"`
	Resource  string `yaml:"resource"`
	System    string `yaml:"system"`
	Env       string `yaml:"env"`
	Owner     string `yaml:"owner"`
}

// Anomaly tunes anomaly detection.
type Anomaly struct {
	// WindowDays of history form the baseline (default 56: eight of each weekday).
	WindowDays int `yaml:"window_days"`
	// MinHistoryDays before any anomaly is reported (default 21).
	MinHistoryDays int `yaml:"min_history_days"`
	// Score is how many robust deviations above expected a day must be (default 4).
	Score float64 `yaml:"score"`
	// MinImpact per day, in the bill's currency, below which a rise is noise (default 1).
	MinImpact Money `yaml:"min_impact"`
	// FailImpact: `steward cost check` fails on an anomaly whose total impact
	// is at least this (default: any reported anomaly).
	FailImpact Money `yaml:"fail_impact"`
}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	if c.Anomaly.WindowDays == 0 {
		c.Anomaly.WindowDays = 56
	}
	if c.Anomaly.MinHistoryDays == 0 {
		c.Anomaly.MinHistoryDays = 21
	}
	if c.Anomaly.Score == 0 {
		c.Anomaly.Score = 4
	}
	if c.Anomaly.MinImpact.IsZero() {
		c.Anomaly.MinImpact = MustMoney("1")
	}
	c.Recommend.defaults()
	if c.MaxSkipped == "" {
		c.MaxSkipped = DefaultMaxSkipped.String()
	}
}

// FieldError is a problem with one field of the cost section; Field is
// its path in steward.yaml (cost.budgets[0].monthly), so the caller can
// point at the line.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Validate names the field and the fix.
func (c *Config) Validate() error {
	for i, b := range c.Budgets {
		if b.System == "" && b.Env == "" {
			return &FieldError{Field: fmt.Sprintf("cost.budgets[%d]", i), Err: fmt.Errorf("set system, env or both")}
		}
		if b.Monthly.Sign() <= 0 {
			return &FieldError{Field: fmt.Sprintf("cost.budgets[%d].monthly", i), Err: fmt.Errorf("must be a positive amount, e.g. monthly: 500")}
		}
	}
	for i, v := range c.VirtualTags {
		for _, g := range []struct{ name, glob string }{{"account", v.Account}, {"service", v.Service}, {"usage_type", v.UsageType}, {"resource", v.Resource}} {
			if _, err := path.Match(g.glob, ""); err != nil {
				return &FieldError{Field: fmt.Sprintf("cost.virtual_tags[%d].%s", i, g.name), Err: fmt.Errorf("%q is not a glob: %w", g.glob, err)}
			}
		}
		if v.System == "" && v.Env == "" && v.Owner == "" {
			return &FieldError{Field: fmt.Sprintf("cost.virtual_tags[%d]", i), Err: fmt.Errorf("set system, env or owner")}
		}
	}
	if _, err := ParsePercent(c.MaxSkipped); err != nil && c.MaxSkipped != "" {
		return &FieldError{Field: "cost.max_skipped", Err: err}
	}
	a := c.Anomaly
	switch {
	case a.WindowDays < 14:
		return &FieldError{Field: "cost.anomaly.window_days", Err: fmt.Errorf("%d is too short, use at least 14", a.WindowDays)}
	case a.MinHistoryDays < 7 || a.MinHistoryDays > a.WindowDays:
		return &FieldError{Field: "cost.anomaly.min_history_days", Err: fmt.Errorf("%d must be between 7 and window_days (%d)", a.MinHistoryDays, a.WindowDays)}
	case a.Score <= 0:
		return &FieldError{Field: "cost.anomaly.score", Err: fmt.Errorf("must be positive, e.g. 4")}
	}
	return c.Recommend.validate()
}

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

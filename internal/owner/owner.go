// Package owner decides who answers for a resource: its owner, system and
// env, and where each came from. Findings, cost attribution and reports all
// ask this package, so `findings --group-by owner` and `cost show --by
// owner` name the same owner for the same resource.
//
// The resolution order, written down once. Each field (owner, system, env)
// takes the first source below that has a value for it:
//
//  1. tag: the subject's own tags. For a bill line these are the tags the
//     bill carries (the tags at the time of spending); then the inventory
//     resource's tags, labelled inventory-tag, for tags not activated for
//     cost allocation. For a resource they are its tags.
//  2. naming: the fields the naming rule reads from the resource's name
//     (the inventory's name, else the name the caller saw, such as the
//     bill's resource name or the last segment of its id).
//  3. managed-by: the inventory's managed-by. A CloudFormation stack: the
//     fields the naming rule reads from the stack name, else the stack name
//     as the system. A service-managed resource: its parent's tags, then the
//     fields of the parent's name.
//  4. creator: the name of the CloudTrail creator's principal (owner
//     only; PrincipalName).
//  5. virtual-tag: rules in steward.yaml over bill lines (cost only; the
//     caller applies them with Fill after Resolve, since they match bill
//     fields a resource does not have).
//
// Tag keys match exactly first, then case-insensitively; values are
// trimmed. The package knows resources and the naming rule, nothing of
// bills, policies or AWS.
package owner

import (
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
)

// Sources, in the order Resolve tries them (VirtualTag is the caller's).
const (
	Tag          = "tag"
	InventoryTag = "inventory-tag"
	Naming       = "naming"
	ManagedBy    = "managed-by"
	Creator      = "creator"
	VirtualTag   = "virtual-tag"
)

// Keys name the tags that say who owns a resource (steward.yaml tags).
type Keys struct {
	Owner, System, Env string
}

// WithDefaults fills the keys left empty with owner, system and env.
func (k Keys) WithDefaults() Keys {
	if k.Owner == "" {
		k.Owner = "owner"
	}
	if k.System == "" {
		k.System = "system"
	}
	if k.Env == "" {
		k.Env = "env"
	}
	return k
}

// Owner is who answers for a resource, each field with its source (one of
// the constants above; empty when no source had it).
type Owner struct {
	Owner, System, Env          string
	OwnerVia, SystemVia, EnvVia string
}

// Fill sets each empty field to the value given, if any, with via as its
// source.
func (o *Owner) Fill(owner, system, env, via string) {
	if o.Owner == "" && owner != "" {
		o.Owner, o.OwnerVia = owner, via
	}
	if o.System == "" && system != "" {
		o.System, o.SystemVia = system, via
	}
	if o.Env == "" && env != "" {
		o.Env, o.EnvVia = env, via
	}
}

// Done reports whether every field has a value.
func (o *Owner) Done() bool { return o.Owner != "" && o.System != "" && o.Env != "" }

// Subject is what a caller knows about the thing to resolve.
type Subject struct {
	// Tags are the subject's own tags when it is not the resource itself
	// (a bill line's); nil for a resource.
	Tags map[string]string
	// Resource is the inventory resource, nil when the inventory has none.
	Resource *inventory.Resource
	// Name is read by the naming rule when the resource is unknown or has
	// no name.
	Name string
	// NameBroken says the caller already found that the resource's name
	// breaks the naming rule, so parsing it again is skipped.
	NameBroken bool
	// Lookup finds a resource by ARN or native id, for the parent of a
	// service-managed resource; nil when the caller has no index.
	Lookup func(ref string) *inventory.Resource
}

// Resolver resolves subjects with one set of tag keys and one naming rule.
type Resolver struct {
	keys Keys
	rule naming.Rule
}

// New returns a resolver; keys left empty take their defaults.
func New(keys Keys, rule naming.Rule) *Resolver {
	return &Resolver{keys: keys.WithDefaults(), rule: rule}
}

// Keys returns the tag keys in use.
func (r *Resolver) Keys() Keys { return r.keys }

// Resolve applies the order in the package doc.
func (r *Resolver) Resolve(s Subject) Owner {
	var o Owner
	res := s.Resource
	resVia := Tag
	if s.Tags != nil {
		o.Fill(r.tagOwner(s.Tags), r.tagSys(s.Tags), r.tagEnv(s.Tags), Tag)
		resVia = InventoryTag
	}
	if res != nil && !o.Done() {
		o.Fill(ResourceTagValue(res, r.keys.Owner), ResourceTagValue(res, r.keys.System), ResourceTagValue(res, r.keys.Env), resVia)
	}
	if !o.Done() {
		name, broken := s.Name, false
		if res != nil && res.Name != "" {
			name, broken = res.Name, s.NameBroken
		}
		if !broken {
			r.fillNaming(&o, name, Naming)
		}
	}
	if !o.Done() && res != nil {
		switch res.ManagedBy().Kind {
		case "cloudformation":
			if !r.fillNaming(&o, res.ManagedBy().Ref, ManagedBy) {
				o.Fill("", res.ManagedBy().Ref, "", ManagedBy)
			}
		case "service":
			if s.Lookup != nil {
				if parent := s.Lookup(res.ManagedBy().Ref); parent != nil {
					o.Fill(ResourceTagValue(parent, r.keys.Owner), ResourceTagValue(parent, r.keys.System), ResourceTagValue(parent, r.keys.Env), ManagedBy)
					r.fillNaming(&o, parent.Name, ManagedBy)
				}
			}
		}
	}
	if res != nil && res.Creator() != nil {
		o.Fill(PrincipalName(res.Creator().Principal), "", "", Creator)
	}
	return o
}

// PrincipalName is the name a CloudTrail principal goes by as an owner:
// an IAM user's name (arn:aws:iam::1:user/ops/sato: sato), an assumed
// role's session name (under IAM Identity Center, the person's sign-in
// name), "root" for an account's root user; anything else (a service
// such as autoscaling.amazonaws.com) as it is, trimmed.
func PrincipalName(p string) string {
	p = strings.TrimSpace(p)
	parts := strings.SplitN(p, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || (parts[2] != "iam" && parts[2] != "sts") {
		return p
	}
	res := parts[5]
	switch {
	case res == "root":
		return "root"
	case strings.HasPrefix(res, "user/"):
		return res[strings.LastIndex(res, "/")+1:]
	case strings.HasPrefix(res, "assumed-role/"):
		if f := strings.Split(res, "/"); len(f) >= 3 && f[len(f)-1] != "" {
			return f[len(f)-1]
		}
	}
	return p
}

func (r *Resolver) fillNaming(o *Owner, name, via string) bool {
	if name == "" {
		return false
	}
	p, ok := r.rule.Parse(name)
	if ok {
		o.Fill(p["owner"], p["system"], p["env"], via)
	}
	return ok
}

func (r *Resolver) tagOwner(m map[string]string) string { return TagValue(m, r.keys.Owner) }
func (r *Resolver) tagSys(m map[string]string) string   { return TagValue(m, r.keys.System) }
func (r *Resolver) tagEnv(m map[string]string) string   { return TagValue(m, r.keys.Env) }

// TagValue returns the trimmed value of a tag, matching the key exactly
// first and then case-insensitively (teams write Env, env and ENV for the
// same thing); empty when the tag is absent.
func TagValue(tags map[string]string, key string) string {
	if v, ok := tags[key]; ok {
		return strings.TrimSpace(v)
	}
	for k, v := range tags {
		if strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ResourceTagValue is TagValue of a resource's tags.
func ResourceTagValue(r *inventory.Resource, key string) string {
	v, _ := r.Tag(key)
	return strings.TrimSpace(v)
}

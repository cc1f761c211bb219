package policy

import (
	"fmt"
	"math"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"

	"github.com/steward-sre/steward/internal/money"
)

// resourceTypeName is the CEL object type of `r` and of the elements of
// related() and referrers(). Declaring it as an object type (rather than a
// dyn map) lets the checker reject r.atrs or r.tag at compile time.
const resourceTypeName = "steward.Resource"

var resourceType = types.NewObjectType(resourceTypeName)

// resVal is one resource as a CEL value. It is built once per resource per
// evaluation and shared by every policy of the resource's type; ev gives
// related() and referrers() the ARN index of the same evaluation without any
// state kept in the compiled programs.
type resVal struct {
	r  *inventory.Resource
	ev *evalState
	// boxed holds the scalar fields already read as CEL values, so the
	// policies of one resource box r.name or r.state once between them.
	boxed [cachedFields]ref.Val
	// memo holds what helpers returned for this resource: a policy's where
	// and its message often ask the same (missing_tags(r), price(r),
	// referrers(r, 'attached-to')), and so do several policies of a type.
	memo []memoEntry
	// req is the resource's required tags once requiredTags has read them.
	req    []reqTag
	reqSet bool
	// nameMatch is 1 when the name follows the naming rule, -1 when it
	// does not, 0 before name_ok() asked.
	nameMatch int8
}

// memoEntry is one helper result: the helper, its string argument (or
// none), and the value.
type memoEntry struct {
	helper helper
	arg    string
	val    ref.Val
}

// helper names the helper functions whose results are memoized.
type helper uint8

const (
	helperMissingTags helper = iota
	helperInvalidTags
	helperTagProblems
	helperPrice
	helperGP3Savings
	helperGenerationSavings
	helperRelated
	helperReferrers
)

// memoized returns the helper's value for this resource, computing it once.
// Helpers depend only on the resource, the estate and the options, all
// fixed during an evaluation, so the value cannot go stale.
func (v *resVal) memoized(h helper, arg string, compute func() ref.Val) ref.Val {
	for i := range v.memo {
		if m := &v.memo[i]; m.helper == h && m.arg == arg {
			return m.val
		}
	}
	val := compute()
	v.memo = append(v.memo, memoEntry{h, arg, val})
	return val
}

// field is a field kept in boxed (its slot above zero), read once per
// resource.
func (v *resVal) field(f resourceField) ref.Val {
	if b := v.boxed[f.slot-1]; b != nil {
		return b
	}
	b := f.get(v.r).(ref.Val)
	v.boxed[f.slot-1] = b
	return b
}

func (v *resVal) ConvertToNative(typeDesc reflect.Type) (any, error) {
	return nil, fmt.Errorf("a resource cannot be converted to %v", typeDesc)
}

func (v *resVal) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return resourceType
	}
	return types.NewErr("a resource cannot be converted to %s", t.TypeName())
}

func (v *resVal) Equal(other ref.Val) ref.Val {
	o, ok := other.(*resVal)
	return types.Bool(ok && o.r.ARN == v.r.ARN)
}

func (v *resVal) Type() ref.Type { return resourceType }
func (v *resVal) Value() any     { return v }

// evalState is what one Evaluate call shares between workers: the resources
// and, built on first use, the indexes that related() and referrers() read.
type evalState struct {
	rs []inventory.Resource

	arnOnce sync.Once
	byARN   map[string]int

	// refs lists, for the resource at index i, the relations pointing at it
	// in refs[refStart[i]:refStart[i+1]]: one allocation for the whole
	// estate instead of a slice per target.
	refOnce  sync.Once
	refStart []int32
	refs     []edge
}

type edge struct {
	kind string
	from int
}

func newEvalState(rs []inventory.Resource) *evalState { return &evalState{rs: rs} }

func (ev *evalState) index() map[string]int {
	ev.arnOnce.Do(func() {
		ev.byARN = make(map[string]int, len(ev.rs))
		for i := range ev.rs {
			ev.byARN[ev.rs[i].ARN] = i
		}
	})
	return ev.byARN
}

// referrersOf returns the relations that point at the resource with this
// ARN (at any index, should ARNs repeat), from any resource of the estate.
func (ev *evalState) referrersOf(arn string) []edge {
	ev.refOnce.Do(ev.buildReferrers)
	i, ok := ev.index()[arn]
	if !ok {
		return nil
	}
	return ev.refs[ev.refStart[i]:ev.refStart[i+1]]
}

// buildReferrers counts the relations per target, then places them, in
// resource order, so the edges come out as the map-of-slices built them.
// Each target is looked up once: the first pass keeps what it found.
func (ev *evalState) buildReferrers() {
	idx := ev.index()
	nrel := 0
	for i := range ev.rs {
		nrel += len(ev.rs[i].Relations)
	}
	target := make([]int32, 0, nrel)
	start := make([]int32, len(ev.rs)+1)
	for i := range ev.rs {
		for _, rel := range ev.rs[i].Relations {
			t, ok := idx[rel.Target]
			if !ok {
				target = append(target, -1)
				continue
			}
			target = append(target, int32(t))
			start[t+1]++
		}
	}
	for i := range len(ev.rs) {
		start[i+1] += start[i]
	}
	refs := make([]edge, start[len(ev.rs)])
	fill := slices.Clone(start[:len(ev.rs)])
	k := 0
	for i := range ev.rs {
		for _, rel := range ev.rs[i].Relations {
			if t := target[k]; t >= 0 {
				refs[fill[t]] = edge{rel.Kind, i}
				fill[t]++
			}
			k++
		}
	}
	ev.refStart, ev.refs = start, refs
}

// resourceField is one field of `r` as policies see it. Scalar getters
// return CEL values rather than Go ones: the interpreter would convert a Go
// string anyway, and boxing it twice costs an allocation per field read.
type resourceField struct {
	t   *types.Type
	get func(r *inventory.Resource) any
	set func(r *inventory.Resource) bool
	// slot, when above zero, is where resVal.boxed keeps the value (+1).
	slot int
	// str reads a string field as it is, for a planned comparison that
	// needs no CEL value (celplan.go).
	str func(r *inventory.Resource) string
}

// cachedFields is how many fields resVal.boxed keeps.
const cachedFields = 9

var resourceFields = map[string]resourceField{
	"arn":     stringField(1, func(r *inventory.Resource) string { return r.ARN }),
	"account": stringField(2, func(r *inventory.Resource) string { return r.Account }),
	"region":  stringField(3, func(r *inventory.Resource) string { return r.Region }),
	"type":    stringField(4, func(r *inventory.Resource) string { return r.Type }),
	"id":      stringField(5, func(r *inventory.Resource) string { return r.ID }),
	"name":    stringField(6, func(r *inventory.Resource) string { return r.Name }),
	"state":   stringField(7, func(r *inventory.Resource) string { return r.State }),
	"tags": {t: types.NewMapType(types.StringType, types.StringType), get: func(r *inventory.Resource) any {
		return newTagsVal(r.Tags)
	}, slot: 8},
	"created": {t: types.TimestampType, get: func(r *inventory.Resource) any { return types.Timestamp{Time: r.Created} },
		set: func(r *inventory.Resource) bool { return !r.Created.IsZero() }},
	"attrs": {t: types.NewMapType(types.StringType, types.DynType), get: func(r *inventory.Resource) any {
		return newAttrsVal(r.Attrs)
	}, slot: 9},
	"relations": {t: types.NewListType(types.NewMapType(types.StringType, types.StringType)), get: func(r *inventory.Resource) any {
		out := make([]any, len(r.Relations))
		for i, rel := range r.Relations {
			out[i] = map[string]string{"kind": rel.Kind, "target": rel.Target}
		}
		return out
	}},
	"managed_by": {t: types.NewMapType(types.StringType, types.StringType), get: func(r *inventory.Resource) any {
		return map[string]string{"kind": r.ManagedBy().Kind, "ref": r.ManagedBy().Ref, "source": r.ManagedBy().Source}
	}},
	"creator": {t: types.NewMapType(types.StringType, types.StringType), get: func(r *inventory.Resource) any {
		if r.Creator() == nil {
			return map[string]string{}
		}
		at := ""
		if !r.Creator().At.IsZero() {
			at = r.Creator().At.Format(time.RFC3339)
		}
		return map[string]string{"principal": r.Creator().Principal, "user_agent": r.Creator().UserAgent, "via": r.Creator().Via, "at": at}
	}, set: func(r *inventory.Resource) bool { return r.Creator() != nil }},
	"monthly_cost": {t: types.DoubleType, get: func(r *inventory.Resource) any { return types.Double(r.MonthlyCost) }},
}

// stringField is a string field of the resource, boxed in slot.
func stringField(slot int, str func(r *inventory.Resource) string) resourceField {
	return resourceField{t: types.StringType, get: func(r *inventory.Resource) any { return types.String(str(r)) }, str: str, slot: slot}
}

// provider adds steward.Resource to CEL's standard type registry.
type provider struct {
	*types.Registry
}

func (p provider) FindStructType(name string) (*types.Type, bool) {
	if name == resourceTypeName {
		return types.NewTypeTypeWithParam(resourceType), true
	}
	return p.Registry.FindStructType(name)
}

func (p provider) FindStructFieldNames(name string) ([]string, bool) {
	if name == resourceTypeName {
		names := make([]string, 0, len(resourceFields))
		for n := range resourceFields {
			names = append(names, n)
		}
		slices.Sort(names)
		return names, true
	}
	return p.Registry.FindStructFieldNames(name)
}

func (p provider) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if name != resourceTypeName {
		return p.Registry.FindStructFieldType(name, field)
	}
	f, ok := resourceFields[field]
	if !ok {
		return nil, false
	}
	return &types.FieldType{
		Type: f.t,
		IsSet: func(obj any) bool {
			v, ok := obj.(*resVal)
			if !ok {
				return false
			}
			return f.set == nil || f.set(v.r)
		},
		GetFrom: func(obj any) (any, error) {
			v, ok := obj.(*resVal)
			if !ok {
				return nil, fmt.Errorf("field %s: not a resource", field)
			}
			if f.slot == 0 {
				return f.get(v.r), nil
			}
			return v.field(f), nil
		},
	}, true
}

func (p provider) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if name == resourceTypeName {
		return types.NewErr("resources cannot be built in an expression")
	}
	return p.Registry.NewValue(name, fields)
}

// Pricer is where price(), gp3_savings(), generation_savings(),
// previous_generation() and current_generation() get their numbers, in USD
// per month. The engine takes it as an interface so that it knows prices,
// not a price list; savings are computed by the pricer, never here.
type Pricer interface {
	Estimate(r *inventory.Resource) (usdPerMonth float64, ok bool)
	GP3Savings(r *inventory.Resource) (usdPerMonth float64, ok bool)
	GenerationSavings(r *inventory.Resource) (usdPerMonth float64, ok bool)
	PreviousGeneration(instanceType string) bool
	CurrentGenerationOf(instanceType string) (string, bool)
}

// funcs holds what the CEL helper functions need from the options. It is
// immutable after Compile, so the functions are safe for concurrent use.
type funcs struct {
	now         time.Time
	rule        naming.Rule
	namingTypes map[string]bool // empty: the rule applies to every type
	required    map[string][]string
	requiredKey []string
	// requiredOn and requiredExempt scope required keys to types;
	// requiredFor caches, per type, which keys apply (a []bool beside
	// requiredKey), since evaluation is parallel.
	requiredOn     map[string][]string
	requiredExempt []string
	requiredFor    sync.Map
	// everyKey is keysFor's answer when no key is scoped and no type
	// exempt: every key applies to every type.
	everyKeyOnce sync.Once
	everyKey     []bool
	pricer       Pricer
	currency     string
	rate         float64
	// lang is the language of the texts helpers write (name_problem).
	lang i18n.Lang
}

// inLang is f for helpers called from a message in lang: the same
// options, its caches of its own.
func (f *funcs) inLang(lang i18n.Lang) *funcs {
	return &funcs{
		now: f.now, rule: f.rule, namingTypes: f.namingTypes, required: f.required, requiredKey: f.requiredKey,
		requiredOn: f.requiredOn, requiredExempt: f.requiredExempt, pricer: f.pricer,
		currency: f.currency, rate: f.rate, lang: lang,
	}
}

func (f *funcs) env() (*cel.Env, error) {
	reg, err := types.NewRegistry()
	if err != nil {
		return nil, fmt.Errorf("cel registry: %w", err)
	}
	prov := provider{reg}
	resT := cel.ObjectType(resourceTypeName)
	resList := cel.ListType(resT)
	return cel.NewEnv(
		cel.ParserExpressionSizeLimit(MaxExpressionSize),
		cel.ASTValidators(cel.ValidateComprehensionNestingLimit(MaxComprehensionNesting)),
		cel.CustomTypeProvider(prov),
		cel.CustomTypeAdapter(reg),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Math(),
		ext.Lists(),
		ext.Sets(),
		ext.Bindings(),
		cel.Variable("r", resT),
		cel.Variable("params", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),

		cel.Function("age",
			cel.Overload("age_resource", []*cel.Type{resT}, cel.DurationType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					r := v.(*resVal).r
					if r.Created.IsZero() {
						return types.NewErr("age: %s has no created time; test has(r.created) first", r.ARN)
					}
					return types.Duration{Duration: f.now.Sub(r.Created)}
				}))),
		cel.Function("since",
			cel.Overload("since_dyn", []*cel.Type{cel.DynType}, cel.DurationType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					switch t := v.(type) {
					case types.String:
						return f.since(string(t))
					case types.Timestamp:
						return types.Duration{Duration: f.now.Sub(t.Time)}
					}
					return types.NewErr("since: want an RFC 3339 time, got %s", v.Type().TypeName())
				}))),
		cel.Function("days",
			cel.Overload("days_dyn", []*cel.Type{cel.DynType}, cel.DurationType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					switch n := v.(type) {
					case types.Int:
						return types.Duration{Duration: time.Duration(n) * 24 * time.Hour}
					case types.Uint:
						return types.Duration{Duration: time.Duration(n) * 24 * time.Hour}
					case types.Double:
						return types.Duration{Duration: time.Duration(float64(n) * 24 * float64(time.Hour))}
					}
					return types.NewErr("days: want a number, got %s", v.Type().TypeName())
				}))),
		cel.Function("in_days",
			cel.Overload("in_days_duration", []*cel.Type{cel.DurationType}, cel.IntType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					return types.Int(v.(types.Duration).Duration / (24 * time.Hour))
				}))),
		cel.Function("tag",
			cel.Overload("tag_resource_string", []*cel.Type{resT, cel.StringType}, cel.StringType,
				cel.BinaryBinding(func(v, k ref.Val) ref.Val {
					s, _ := v.(*resVal).r.Tag(string(k.(types.String)))
					return types.String(s)
				}))),
		cel.Function("aws_default",
			cel.Overload("aws_default_resource", []*cel.Type{resT}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					return types.Bool(v.(*resVal).r.AWSDefault())
				}))),
		cel.Function("has_tag",
			cel.Overload("has_tag_resource_string", []*cel.Type{resT, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(v, k ref.Val) ref.Val {
					s, ok := v.(*resVal).r.Tag(string(k.(types.String)))
					return types.Bool(ok && strings.TrimSpace(s) != "")
				}))),
		cel.Function("related",
			cel.Overload("related_resource_string", []*cel.Type{resT, cel.StringType}, resList,
				cel.BinaryBinding(func(v, k ref.Val) ref.Val {
					rv, kind := v.(*resVal), string(k.(types.String))
					return rv.memoized(helperRelated, kind, func() ref.Val { return related(reg, rv, kind) })
				}))),
		cel.Function("referrers",
			cel.Overload("referrers_resource_string", []*cel.Type{resT, cel.StringType}, resList,
				cel.BinaryBinding(func(v, k ref.Val) ref.Val {
					rv, kind := v.(*resVal), string(k.(types.String))
					return rv.memoized(helperReferrers, kind, func() ref.Val { return referrers(reg, rv, kind) })
				}))),
		cel.Function("name_ok",
			cel.Overload("name_ok_resource", []*cel.Type{resT}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return types.Bool(f.nameOK(v.(*resVal))) }))),
		cel.Function("name_problem",
			cel.Overload("name_problem_resource", []*cel.Type{resT}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					rv := v.(*resVal)
					if f.nameOK(rv) {
						return types.String("")
					}
					return types.String(f.rule.ExplainIn(rv.r.Name, f.lang))
				}))),
		cel.Function("tag_problems",
			cel.Overload("tag_problems_resource", []*cel.Type{resT}, cel.ListType(cel.StringType),
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					rv := v.(*resVal)
					return rv.memoized(helperTagProblems, "", func() ref.Val { return stringList(reg, f.tagProblems(f.requiredTags(rv))) })
				}))),
		cel.Function("missing_tags",
			cel.Overload("missing_tags_resource", []*cel.Type{resT}, cel.ListType(cel.StringType),
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					rv := v.(*resVal)
					return rv.memoized(helperMissingTags, "", func() ref.Val { return stringList(reg, f.missingTags(f.requiredTags(rv))) })
				}))),
		cel.Function("invalid_tags",
			cel.Overload("invalid_tags_resource", []*cel.Type{resT}, cel.ListType(cel.StringType),
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					rv := v.(*resVal)
					return rv.memoized(helperInvalidTags, "", func() ref.Val { return stringList(reg, f.invalidTags(f.requiredTags(rv))) })
				}))),
		cel.Function("sum",
			cel.Overload("sum_list", []*cel.Type{cel.ListType(cel.DynType)}, cel.DoubleType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					l := v.(traits.Lister)
					total := 0.0
					for i := range int(l.Size().(types.Int)) {
						n, ok := number(l.Get(types.Int(i)))
						if !ok {
							return types.NewErr("sum: element %d is not a number", i)
						}
						total += n
					}
					return types.Double(total)
				}))),
		cel.Function("generation_savings",
			cel.Overload("generation_savings_resource", []*cel.Type{resT}, cel.DoubleType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					rv := v.(*resVal)
					return rv.memoized(helperGenerationSavings, "", func() ref.Val { return types.Double(f.generationSavings(rv.r)) })
				}))),
		cel.Function("price",
			cel.Overload("price_resource", []*cel.Type{resT}, cel.DoubleType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					rv := v.(*resVal)
					return rv.memoized(helperPrice, "", func() ref.Val { return types.Double(f.price(rv.r)) })
				}))),
		cel.Function("gp3_savings",
			cel.Overload("gp3_savings_resource", []*cel.Type{resT}, cel.DoubleType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					if f.pricer == nil {
						return types.Double(0)
					}
					rv := v.(*resVal)
					return rv.memoized(helperGP3Savings, "", func() ref.Val {
						usd, _ := f.pricer.GP3Savings(rv.r)
						return types.Double(usd)
					})
				}))),
		cel.Function("previous_generation",
			cel.Overload("previous_generation_dyn", []*cel.Type{cel.DynType}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					return types.Bool(ok && f.pricer != nil && f.pricer.PreviousGeneration(string(s)))
				}))),
		cel.Function("current_generation",
			cel.Overload("current_generation_dyn", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok || f.pricer == nil {
						return types.String("")
					}
					c, _ := f.pricer.CurrentGenerationOf(string(s))
					return types.String(c)
				}))),
		cel.Function("world_open_ports",
			cel.Overload("world_open_ports_resource_list", []*cel.Type{resT, cel.ListType(cel.IntType)}, cel.ListType(cel.IntType),
				cel.BinaryBinding(func(v, ports ref.Val) ref.Val {
					open, err := worldOpenPorts(v.(*resVal).r, ports.(traits.Lister))
					if err != nil {
						return types.WrapErr(err)
					}
					return types.NewDynamicList(reg, open)
				}))),
		cel.Function("open_to_world",
			cel.Overload("open_to_world_resource_list", []*cel.Type{resT, cel.ListType(cel.IntType)}, cel.BoolType,
				cel.BinaryBinding(func(v, ports ref.Val) ref.Val {
					open, err := worldOpenPorts(v.(*resVal).r, ports.(traits.Lister))
					if err != nil {
						return types.WrapErr(err)
					}
					return types.Bool(len(open) > 0)
				}))),
		cel.Function("bytes_human",
			cel.Overload("bytes_human_dyn", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					n, ok := number(v)
					if !ok {
						return types.NewErr("bytes_human: want a number, got %s", v.Type().TypeName())
					}
					return types.String(bytesHuman(n))
				}))),
		cel.Function("money",
			cel.Overload("money_dyn", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					n, ok := number(v)
					if !ok {
						return types.NewErr("money: want a number of US dollars, got %s", v.Type().TypeName())
					}
					return types.String(formatMoney(n*f.rate, f.currency))
				}))),
	)
}

// since is the time elapsed since an RFC 3339 attr. An empty or malformed
// time is an evaluation error, never a zero or huge duration: a policy that
// forgets has(r.attrs.x) is reported in the log instead of silently matching
// every resource or none.
func (f *funcs) since(s string) ref.Val {
	if s == "" {
		return types.NewErr("since: empty time; test has() and != '' first")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return types.NewErr("since: %q is not an RFC 3339 time", s)
	}
	return types.Duration{Duration: f.now.Sub(t)}
}

// nameOK reports whether the resource's name follows the naming rule, for
// types the rule applies to. It keeps the answer on the value, so that
// resolving the owner of the finding it causes need not run the rule again.
func (f *funcs) nameOK(v *resVal) bool {
	if len(f.namingTypes) > 0 && !f.namingTypes[v.r.Type] {
		return true
	}
	if v.nameMatch == 0 {
		v.nameMatch = -1
		if f.rule.Match(v.r.Name) {
			v.nameMatch = 1
		}
	}
	return v.nameMatch > 0
}

// reqTag is one required tag as a resource has it: the trimmed value and
// whether the key is there at all.
type reqTag struct {
	v  string
	ok bool
	// na is set when the key is not required on the resource's type.
	na bool
}

// keysFor reports, beside requiredKey, which keys are required on a type.
func (f *funcs) keysFor(typ string) []bool {
	if len(f.requiredOn) == 0 && len(f.requiredExempt) == 0 {
		f.everyKeyOnce.Do(func() {
			f.everyKey = make([]bool, len(f.requiredKey))
			for i := range f.everyKey {
				f.everyKey[i] = true
			}
		})
		return f.everyKey
	}
	if v, ok := f.requiredFor.Load(typ); ok {
		return v.([]bool)
	}
	matches := func(pats []string) bool {
		return slices.ContainsFunc(pats, func(p string) bool { ok, _ := path.Match(p, typ); return ok })
	}
	exempt := matches(f.requiredExempt)
	out := make([]bool, len(f.requiredKey))
	for i, key := range f.requiredKey {
		pats, scoped := f.requiredOn[key]
		out[i] = !exempt && (!scoped || matches(pats))
	}
	f.requiredFor.Store(typ, out)
	return out
}

// requiredTags looks each required key up once per resource: Tag falls back
// to a case-insensitive scan of every tag when a key is missing, and the
// tagging helpers of a resource's policies and messages all ask.
func (f *funcs) requiredTags(v *resVal) []reqTag {
	if !v.reqSet {
		applies := f.keysFor(v.r.Type)
		for i, key := range f.requiredKey {
			if !applies[i] {
				v.req = append(v.req, reqTag{na: true})
				continue
			}
			val, ok := v.r.Tag(key)
			v.req = append(v.req, reqTag{v: strings.TrimSpace(val), ok: ok})
		}
		v.reqSet = true
	}
	return v.req
}

// tagProblems names each required tag that is missing, empty or outside its
// allowed values, in the order of the required keys.
func (f *funcs) tagProblems(tags []reqTag) []string {
	var out []string
	for i, key := range f.requiredKey {
		v, ok := tags[i].v, tags[i].ok
		allowed := f.required[key]
		switch {
		case tags[i].na:
		case !ok:
			out = append(out, "missing tag "+key)
		case v == "":
			out = append(out, "tag "+key+" is empty")
		case len(allowed) > 0 && !slices.Contains(allowed, v):
			out = append(out, fmt.Sprintf("%s=%q is not allowed (%s)", key, v, summarize(allowed, 6)))
		}
	}
	return out
}

// missingTags lists the required keys that are absent or blank.
func (f *funcs) missingTags(tags []reqTag) []string {
	var out []string
	for i, key := range f.requiredKey {
		if !tags[i].na && (!tags[i].ok || tags[i].v == "") {
			out = append(out, key)
		}
	}
	return out
}

// invalidTags lists key=value for required tags whose value is outside the
// allowed set.
func (f *funcs) invalidTags(tags []reqTag) []string {
	var out []string
	for i, key := range f.requiredKey {
		v := tags[i].v
		if !tags[i].ok || v == "" {
			continue // a missing tag is not an invalid one
		}
		if allowed := f.required[key]; len(allowed) > 0 && !slices.Contains(allowed, v) {
			out = append(out, key+"="+v)
		}
	}
	return out
}

// generationSavings is what moving an instance to the current generation
// of its family would save per month (the Pricer computes it); 0 when
// either price is unknown.
func (f *funcs) generationSavings(r *inventory.Resource) float64 {
	if f.pricer == nil {
		return 0
	}
	usd, ok := f.pricer.GenerationSavings(r)
	if !ok {
		return 0
	}
	return usd
}

func (f *funcs) price(r *inventory.Resource) float64 {
	if f.pricer == nil {
		return r.MonthlyCost
	}
	if usd, ok := f.pricer.Estimate(r); ok {
		return usd
	}
	return r.MonthlyCost
}

// noStrings is the value of a helper that finds nothing, which is what
// most resources get: one shared immutable list instead of one per call.
var noStrings = types.NewStringList(types.DefaultTypeAdapter, []string{})

func stringList(a types.Adapter, ss []string) ref.Val {
	if len(ss) == 0 {
		return noStrings
	}
	return types.NewStringList(a, ss)
}

func related(a types.Adapter, v *resVal, kind string) ref.Val {
	idx := v.ev.index()
	var buf [8]int
	to := buf[:0]
	for _, rel := range v.r.Relations {
		if rel.Kind != kind {
			continue
		}
		if i, ok := idx[rel.Target]; ok {
			to = append(to, i)
		}
	}
	return resList(a, v.ev, to)
}

func referrers(a types.Adapter, v *resVal, kind string) ref.Val {
	var buf [8]int
	from := buf[:0]
	for _, e := range v.ev.referrersOf(v.r.ARN) {
		if e.kind == kind {
			from = append(from, e.from)
		}
	}
	return resList(a, v.ev, from)
}

// noResources is the empty list related() and referrers() return most
// of the time: a list holds no state, so one serves every call.
var noResources = types.NewRefValList(types.DefaultTypeAdapter, nil)

// resList is a CEL list of the resources at these indexes, their values
// allocated together. at is not kept.
func resList(a types.Adapter, ev *evalState, at []int) ref.Val {
	if len(at) == 0 {
		return noResources
	}
	vals := make([]resVal, len(at))
	out := make([]ref.Val, len(at))
	for j, i := range at {
		vals[j] = resVal{r: &ev.rs[i], ev: ev}
		out[j] = &vals[j]
	}
	return types.NewRefValList(a, out)
}

// worldOpenPorts returns the ports of want that a security group's ingress
// opens to 0.0.0.0/0 or ::/0, over TCP or all protocols.
func worldOpenPorts(r *inventory.Resource, want traits.Lister) ([]int64, error) {
	rules, _ := r.Attrs.Value("ingress").([]any)
	var ports []int64
	n := int(want.Size().(types.Int))
	for i := range n {
		p, ok := want.Get(types.Int(i)).(types.Int)
		if !ok {
			return nil, fmt.Errorf("open_to_world: ports must be whole numbers")
		}
		ports = append(ports, int64(p))
	}
	var open []int64
	for _, p := range ports {
		for _, x := range rules {
			rule, ok := x.(map[string]any)
			if !ok {
				continue
			}
			cidr, _ := rule["cidr"].(string)
			if cidr != "0.0.0.0/0" && cidr != "::/0" {
				continue
			}
			proto, _ := rule["protocol"].(string)
			if proto == "-1" || proto == "all" {
				open = append(open, p)
				break
			}
			if proto != "tcp" && proto != "6" {
				continue
			}
			from, _ := rule["from_port"].(float64)
			to, _ := rule["to_port"].(float64)
			if float64(p) >= from && float64(p) <= to {
				open = append(open, p)
				break
			}
		}
	}
	return open, nil
}

func number(v ref.Val) (float64, bool) {
	switch n := v.(type) {
	case types.Double:
		return float64(n), true
	case types.Int:
		return float64(n), true
	case types.Uint:
		return float64(n), true
	}
	return 0, false
}

func bytesHuman(n float64) string {
	units := [...]string{"B", "KB", "MB", "GB", "TB", "PB"}
	i := 0
	for math.Abs(n) >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(n, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(n, 'f', 1, 64) + " " + units[i]
}

// formatMoney prints an amount already converted to the currency, as
// every amount a person reads is printed.
func formatMoney(n float64, currency string) string { return money.FormatFloat(n, currency) }

func summarize(vals []string, max int) string {
	if len(vals) <= max {
		return strings.Join(vals, ", ")
	}
	return strings.Join(vals[:max], ", ") + fmt.Sprintf(" and %d more", len(vals)-max)
}

package policy

import (
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/steward-sre/steward/internal/inventory"
)

// tagsVal is a resource's tags as a CEL map(string, string). Lookups
// (r.tags.env, 'env' in r.tags, has(r.tags.env), size(r.tags)) read the
// sorted pairs directly; what policies seldom do with tags (iterate them,
// compare maps, convert) goes through a CEL map built on first use.
type tagsVal struct {
	t inventory.Tags
	m traits.Mapper
}

var _ traits.Mapper = (*tagsVal)(nil)

func newTagsVal(t inventory.Tags) *tagsVal { return &tagsVal{t: t} }

func (v *tagsVal) asMap() traits.Mapper {
	if v.m == nil {
		m := v.t.Map()
		if m == nil {
			m = map[string]string{}
		}
		v.m = types.NewStringStringMap(types.DefaultTypeAdapter, m)
	}
	return v.m
}

// Find is what every lookup comes down to: a key not a string, or absent,
// is not found (as in CEL's own string maps).
func (v *tagsVal) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	s, ok := v.t.Get(string(k))
	if !ok {
		return nil, false
	}
	return types.String(s), true
}

func (v *tagsVal) Get(key ref.Val) ref.Val {
	if val, ok := v.Find(key); ok {
		return val
	}
	return types.ValOrErr(key, "no such key: %v", key)
}

func (v *tagsVal) Contains(key ref.Val) ref.Val {
	_, ok := v.Find(key)
	return types.Bool(ok)
}

func (v *tagsVal) Size() ref.Val { return types.Int(v.t.Len()) }

func (v *tagsVal) Iterator() traits.Iterator { return v.asMap().Iterator() }

func (v *tagsVal) ConvertToNative(t reflect.Type) (any, error) { return v.asMap().ConvertToNative(t) }

func (v *tagsVal) ConvertToType(t ref.Type) ref.Val { return v.asMap().ConvertToType(t) }

func (v *tagsVal) Equal(other ref.Val) ref.Val { return v.asMap().Equal(other) }

func (v *tagsVal) Type() ref.Type { return types.MapType }

func (v *tagsVal) Value() any { return v.asMap().Value() }

// attrsVal is a resource's attrs as a CEL map(string, dyn): r.attrs.K,
// has(r.attrs.K) and 'K' in r.attrs read the sorted pairs and convert
// only the value asked for; iterating or comparing the whole map goes
// through a CEL map built on first use.
type attrsVal struct {
	a inventory.Attrs
	m traits.Mapper
}

var _ traits.Mapper = (*attrsVal)(nil)

func newAttrsVal(a inventory.Attrs) *attrsVal { return &attrsVal{a: a} }

func (v *attrsVal) asMap() traits.Mapper {
	if v.m == nil {
		m := v.a.Map()
		if m == nil {
			m = map[string]any{}
		}
		v.m = types.NewStringInterfaceMap(types.DefaultTypeAdapter, m)
	}
	return v.m
}

func (v *attrsVal) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	val, ok := v.a.Typed(string(k))
	if !ok {
		return nil, false
	}
	return attrToVal(val), true
}

// attrToVal is the CEL value of an attr value: the scalars converted
// straight from their typed form, anything else by the type adapter, as
// a map(string, dyn) of the same values would give them.
func attrToVal(val inventory.AttrValue) ref.Val {
	switch val.Kind() {
	case inventory.AttrString:
		return types.String(val.Str())
	case inventory.AttrNumber:
		return types.Double(val.Number())
	case inventory.AttrBool:
		return types.Bool(val.Bool())
	case inventory.AttrNull:
		return types.NullValue
	}
	return types.DefaultTypeAdapter.NativeToValue(val.Any())
}

func (v *attrsVal) Get(key ref.Val) ref.Val {
	if val, ok := v.Find(key); ok {
		return val
	}
	return types.ValOrErr(key, "no such key: %v", key)
}

func (v *attrsVal) Contains(key ref.Val) ref.Val {
	k, ok := key.(types.String)
	return types.Bool(ok && v.a.Has(string(k)))
}

func (v *attrsVal) Size() ref.Val { return types.Int(v.a.Len()) }

func (v *attrsVal) Iterator() traits.Iterator { return v.asMap().Iterator() }

func (v *attrsVal) ConvertToNative(t reflect.Type) (any, error) { return v.asMap().ConvertToNative(t) }

func (v *attrsVal) ConvertToType(t ref.Type) ref.Val { return v.asMap().ConvertToType(t) }

func (v *attrsVal) Equal(other ref.Val) ref.Val { return v.asMap().Equal(other) }

func (v *attrsVal) Type() ref.Type { return types.MapType }

func (v *attrsVal) Value() any { return v.asMap().Value() }

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

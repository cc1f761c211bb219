package inventory

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"strings"
)

// Attr is one key and value of a resource's attrs.
type Attr struct {
	Key   string
	Value any
}

// Attrs is a resource's normalized describe output: pairs sorted by key,
// each key once, values JSON values only (string, float64, bool, nil,
// []any, map[string]any). One slice of pairs instead of a map per resource
// is about half the memory at five attrs (a Go map is at least one 8-slot
// group), and the scalars among the values are held typed, not boxed in
// an interface (see value): 32 bytes a pair.
//
// Attrs is a value: Set and Delete make new pairs rather than change the
// ones a copy of the same Attrs shares (the values themselves, lists and
// objects, are shared as a map's were). The zero value is no attrs. It
// encodes to JSON as the object a map[string]any would, byte for byte, so
// stored bodies and hashes do not change.
type Attrs struct {
	kv []attr
}

// attr is one pair as Attrs holds it.
type attr struct {
	key string
	v   value
}

// AttrsOf makes Attrs from a map (nil or empty: no attrs).
func AttrsOf(m map[string]any) Attrs {
	if len(m) == 0 {
		return Attrs{}
	}
	kv := make([]attr, 0, len(m))
	for k, v := range m {
		kv = append(kv, attr{k, valueOf(v)})
	}
	slices.SortFunc(kv, func(a, b attr) int { return strings.Compare(a.key, b.key) })
	return Attrs{kv}
}

func (a Attrs) find(key string) (int, bool) {
	return slices.BinarySearchFunc(a.kv, key, func(e attr, k string) int { return strings.Compare(e.key, k) })
}

// lookup returns the pair of the key.
func (a Attrs) lookup(key string) (value, bool) {
	if len(a.kv) <= 8 {
		for i := range a.kv {
			if a.kv[i].key == key {
				return a.kv[i].v, true
			}
		}
		return value{}, false
	}
	if i, ok := a.find(key); ok {
		return a.kv[i].v, true
	}
	return value{}, false
}

// Get returns the value of the key.
func (a Attrs) Get(key string) (any, bool) {
	v, ok := a.lookup(key)
	if !ok {
		return nil, false
	}
	return v.any(), true
}

// Typed returns the value of the key typed: a string, number or bool is
// read from it without an interface boxed, which Get must allocate.
func (a Attrs) Typed(key string) (AttrValue, bool) {
	v, ok := a.lookup(key)
	return AttrValue{v}, ok
}

// Value returns the value of the key, or nil when it is absent.
func (a Attrs) Value(key string) any {
	v, _ := a.Get(key)
	return v
}

// Has reports whether the key is present (with any value, null included).
func (a Attrs) Has(key string) bool {
	_, ok := a.lookup(key)
	return ok
}

// Len is the number of attrs.
func (a Attrs) Len() int { return len(a.kv) }

// IsZero reports whether there are no attrs (JSON omits them then).
func (a Attrs) IsZero() bool { return len(a.kv) == 0 }

// All yields the attrs in key order.
func (a Attrs) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, e := range a.kv {
			if !yield(e.key, e.v.any()) {
				return
			}
		}
	}
}

// Keys yields the keys in order.
func (a Attrs) Keys() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, e := range a.kv {
			if !yield(e.key) {
				return
			}
		}
	}
}

// Pairs returns the attrs in key order, as a new slice.
func (a Attrs) Pairs() []Attr {
	if len(a.kv) == 0 {
		return nil
	}
	out := make([]Attr, len(a.kv))
	for i, e := range a.kv {
		out[i] = Attr{e.key, e.v.any()}
	}
	return out
}

// Map returns the attrs as a new map (nil when there are none); the values
// are shared, not copied.
func (a Attrs) Map() map[string]any {
	if len(a.kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(a.kv))
	for _, e := range a.kv {
		m[e.key] = e.v.any()
	}
	return m
}

// Set gives the key a value, adding it when absent.
func (a *Attrs) Set(key string, v any) {
	i, ok := a.find(key)
	kv := make([]attr, len(a.kv), len(a.kv)+1)
	copy(kv, a.kv)
	if ok {
		kv[i].v = valueOf(v)
	} else {
		kv = slices.Insert(kv, i, attr{key, valueOf(v)})
	}
	a.kv = kv
}

// Delete removes the key, if present.
func (a *Attrs) Delete(key string) {
	i, ok := a.find(key)
	if !ok {
		return
	}
	if len(a.kv) == 1 {
		a.kv = nil
		return
	}
	a.kv = slices.Delete(slices.Clone(a.kv), i, i+1)
}

// Equal reports whether both hold the same keys with deeply equal values.
func (a Attrs) Equal(o Attrs) bool {
	if len(a.kv) != len(o.kv) {
		return false
	}
	for i := range a.kv {
		if a.kv[i].key != o.kv[i].key || !a.kv[i].v.equal(o.kv[i].v) {
			return false
		}
	}
	return true
}

// equal is reflect.DeepEqual of the values Get gives, without boxing the
// scalars.
func (v value) equal(o value) bool {
	k := v.kind()
	if k != o.kind() {
		return false
	}
	switch k {
	case AttrNull:
		return true
	case AttrString:
		return v.str() == o.str()
	case AttrNumber:
		return math.Float64frombits(v.n) == math.Float64frombits(o.n)
	case AttrBool:
		return v.n == o.n
	}
	return reflect.DeepEqual(v.any(), o.any())
}

// String is the attrs as key=value, in key order, for messages and tests.
func (a Attrs) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range a.kv {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%v", e.key, e.v.any())
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON writes the object encoding/json writes for the same
// map[string]any: keys in byte order, values as it writes them.
func (a Attrs) MarshalJSON() ([]byte, error) {
	return appendAttrs(make([]byte, 0, 32*len(a.kv)+2), a)
}

// UnmarshalJSON reads a JSON object (null: no attrs).
func (a *Attrs) UnmarshalJSON(b []byte) error {
	if v, ok := decodeAttrs(b); ok {
		*a = v
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*a = AttrsOf(m)
	return nil
}

// Update lets f change the attrs as a map (never nil), for code that
// fills attrs through helpers written for maps.
func (a *Attrs) Update(f func(m map[string]any)) {
	m := a.Map()
	if m == nil {
		m = map[string]any{}
	}
	f(m)
	*a = AttrsOf(m)
}

package inventory

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"strings"
	"unsafe"
)

// Attr is one key and value of a resource's attrs.
type Attr struct {
	Key   string
	Value any
}

// Attrs is a resource's normalized describe output: keys sorted, each
// once, values JSON values only (string, float64, bool, nil, []any,
// map[string]any). The keys and the values are held apart: resources of
// a type mostly have the same keys, and a reader shares one list of them
// (Interner), so a resource holds only its values, 16 bytes each; the
// scalars among them are held typed, not boxed in an interface (see
// value). A map per resource was about four times this at five attrs.
//
// Attrs is a value: Set and Delete make new keys and values rather than
// change the ones a copy of the same Attrs shares (the values themselves,
// lists and objects, are shared as a map's were, and never changed in
// place). The zero value is no attrs. It encodes to JSON as the object a
// map[string]any would, byte for byte, so stored bodies and hashes do not
// change.
type Attrs struct {
	// keys is the list of keys, vals the first of as many values; the
	// lists are never changed once an Attrs holds them.
	keys *[]string
	vals *value
}

// attr is one pair, as Attrs are built.
type attr struct {
	key string
	v   value
}

// makeAttrs holds keys and vals (of the same length, keys sorted and
// each once) as they are.
func makeAttrs(keys []string, vals []value) Attrs {
	if len(keys) == 0 {
		return Attrs{}
	}
	return Attrs{&keys, &vals[0]}
}

// attrsOfPairs makes Attrs of pairs sorted by key, each key once.
func attrsOfPairs(kv []attr) Attrs {
	if len(kv) == 0 {
		return Attrs{}
	}
	keys := make([]string, len(kv))
	vals := make([]value, len(kv))
	for i, e := range kv {
		keys[i], vals[i] = e.key, e.v
	}
	return makeAttrs(keys, vals)
}

// keyList and valList are the keys and the values; neither may be
// changed.
func (a Attrs) keyList() []string {
	if a.keys == nil {
		return nil
	}
	return *a.keys
}

func (a Attrs) valList() []value { return unsafe.Slice(a.vals, len(a.keyList())) }

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
	return attrsOfPairs(kv)
}

func (a Attrs) find(key string) (int, bool) {
	return slices.BinarySearch(a.keyList(), key)
}

// lookup returns the value of the key.
func (a Attrs) lookup(key string) (value, bool) {
	keys := a.keyList()
	if len(keys) <= 8 {
		for i := range keys {
			if keys[i] == key {
				return a.valList()[i], true
			}
		}
		return value{}, false
	}
	if i, ok := a.find(key); ok {
		return a.valList()[i], true
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
func (a Attrs) Len() int { return len(a.keyList()) }

// IsZero reports whether there are no attrs (JSON omits them then).
func (a Attrs) IsZero() bool { return a.Len() == 0 }

// All yields the attrs in key order.
func (a Attrs) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		vals := a.valList()
		for i, k := range a.keyList() {
			if !yield(k, vals[i].any()) {
				return
			}
		}
	}
}

// Keys yields the keys in order.
func (a Attrs) Keys() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, k := range a.keyList() {
			if !yield(k) {
				return
			}
		}
	}
}

// Pairs returns the attrs in key order, as a new slice.
func (a Attrs) Pairs() []Attr {
	if a.Len() == 0 {
		return nil
	}
	out := make([]Attr, a.Len())
	vals := a.valList()
	for i, k := range a.keyList() {
		out[i] = Attr{k, vals[i].any()}
	}
	return out
}

// Map returns the attrs as a new map (nil when there are none); the values
// are shared, not copied.
func (a Attrs) Map() map[string]any {
	if a.Len() == 0 {
		return nil
	}
	m := make(map[string]any, a.Len())
	vals := a.valList()
	for i, k := range a.keyList() {
		m[k] = vals[i].any()
	}
	return m
}

// Set gives the key a value, adding it when absent.
func (a *Attrs) Set(key string, v any) {
	i, ok := a.find(key)
	if ok {
		vals := slices.Clone(a.valList())
		vals[i] = valueOf(v)
		*a = makeAttrs(a.keyList(), vals)
		return
	}
	keys := slices.Insert(slices.Clip(a.keyList()), i, key)
	vals := slices.Insert(slices.Clip(a.valList()), i, valueOf(v))
	*a = makeAttrs(keys, vals)
}

// Delete removes the key, if present.
func (a *Attrs) Delete(key string) {
	i, ok := a.find(key)
	if !ok {
		return
	}
	if a.Len() == 1 {
		*a = Attrs{}
		return
	}
	*a = makeAttrs(slices.Delete(slices.Clone(a.keyList()), i, i+1), slices.Delete(slices.Clone(a.valList()), i, i+1))
}

// Equal reports whether both hold the same keys with deeply equal values.
func (a Attrs) Equal(o Attrs) bool {
	if a.Len() != o.Len() {
		return false
	}
	if a.keys != o.keys && !slices.Equal(a.keyList(), o.keyList()) {
		return false
	}
	av, ov := a.valList(), o.valList()
	for i := range av {
		if !av[i].equal(ov[i]) {
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
	vals := a.valList()
	for i, k := range a.keyList() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%v", k, vals[i].any())
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON writes the object encoding/json writes for the same
// map[string]any: keys in byte order, values as it writes them.
func (a Attrs) MarshalJSON() ([]byte, error) {
	return appendAttrs(make([]byte, 0, 32*a.Len()+2), a)
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

package inventory

import (
	"encoding/json"
	"fmt"
	"iter"
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
// group).
//
// Attrs is a value: Set and Delete make new pairs rather than change the
// ones a copy of the same Attrs shares (the values themselves, lists and
// objects, are shared as a map's were). The zero value is no attrs. It
// encodes to JSON as the object a map[string]any would, byte for byte, so
// stored bodies and hashes do not change.
type Attrs struct {
	kv []Attr
}

// AttrsOf makes Attrs from a map (nil or empty: no attrs).
func AttrsOf(m map[string]any) Attrs {
	if len(m) == 0 {
		return Attrs{}
	}
	kv := make([]Attr, 0, len(m))
	for k, v := range m {
		kv = append(kv, Attr{k, v})
	}
	slices.SortFunc(kv, func(a, b Attr) int { return strings.Compare(a.Key, b.Key) })
	return Attrs{kv}
}

func (a Attrs) find(key string) (int, bool) {
	return slices.BinarySearchFunc(a.kv, key, func(e Attr, k string) int { return strings.Compare(e.Key, k) })
}

// Get returns the value of the key.
func (a Attrs) Get(key string) (any, bool) {
	if len(a.kv) <= 8 {
		for i := range a.kv {
			if a.kv[i].Key == key {
				return a.kv[i].Value, true
			}
		}
		return nil, false
	}
	if i, ok := a.find(key); ok {
		return a.kv[i].Value, true
	}
	return nil, false
}

// Value returns the value of the key, or nil when it is absent.
func (a Attrs) Value(key string) any {
	v, _ := a.Get(key)
	return v
}

// Has reports whether the key is present (with any value, null included).
func (a Attrs) Has(key string) bool {
	_, ok := a.Get(key)
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
			if !yield(e.Key, e.Value) {
				return
			}
		}
	}
}

// Keys yields the keys in order.
func (a Attrs) Keys() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, e := range a.kv {
			if !yield(e.Key) {
				return
			}
		}
	}
}

// Pairs returns the attrs in key order. The slice is shared: do not change it.
func (a Attrs) Pairs() []Attr { return a.kv }

// Map returns the attrs as a new map (nil when there are none); the values
// are shared, not copied.
func (a Attrs) Map() map[string]any {
	if len(a.kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(a.kv))
	for _, e := range a.kv {
		m[e.Key] = e.Value
	}
	return m
}

// Set gives the key a value, adding it when absent.
func (a *Attrs) Set(key string, value any) {
	i, ok := a.find(key)
	kv := make([]Attr, len(a.kv), len(a.kv)+1)
	copy(kv, a.kv)
	if ok {
		kv[i].Value = value
	} else {
		kv = slices.Insert(kv, i, Attr{key, value})
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
		if a.kv[i].Key != o.kv[i].Key || !reflect.DeepEqual(a.kv[i].Value, o.kv[i].Value) {
			return false
		}
	}
	return true
}

// String is the attrs as key=value, in key order, for messages and tests.
func (a Attrs) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range a.kv {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%v", e.Key, e.Value)
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

package inventory

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"strconv"
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
	b := make([]byte, 0, 32*len(a.kv)+2)
	b = append(b, '{')
	for i, e := range a.kv {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.Key)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, e.Value); err != nil {
			return nil, fmt.Errorf("attrs.%s: %w", e.Key, err)
		}
	}
	return append(b, '}'), nil
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

// appendJSONValue appends v as encoding/json writes it: strings and
// numbers (what most attrs are) directly, anything else through it.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		return appendJSONFloat(b, v)
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// appendJSONFloat writes a float64 as encoding/json does: the shortest
// decimal that reads back the same, in exponent form below 1e-6 and from
// 1e21, with a two-digit negative exponent shortened (1e-07 -> 1e-7).
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
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

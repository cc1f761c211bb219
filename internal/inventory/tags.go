package inventory

import (
	"encoding/json"
	"iter"
	"slices"
	"strings"
)

// Tag is one key and value of a resource's tags.
type Tag struct {
	Key   string
	Value string
}

// Tags is a resource's tags: pairs sorted by key, each key once. A million
// resources carry a few tags each, and one slice of pairs is a third of the
// memory of a map per resource (a Go map is at least one 8-slot group).
//
// Tags is a value: Set and Delete make new pairs rather than change the
// ones a copy of the same Tags shares. The zero value is no tags. It
// encodes to JSON as the object a map[string]string would (keys sorted,
// the same escaping), so stored bodies and hashes do not change.
type Tags struct {
	// p holds the pairs: a pointer to a slice is 8 bytes in every
	// resource where the slice was 24, and resources tagged alike share
	// it (Interner).
	p *[]Tag
}

// tagsOf holds kv (sorted, each key once) as it is.
func tagsOf(kv []Tag) Tags {
	if len(kv) == 0 {
		return Tags{}
	}
	return Tags{&kv}
}

// list is the pairs, not to be changed.
func (t Tags) list() []Tag {
	if t.p == nil {
		return nil
	}
	return *t.p
}

// TagsOf makes Tags from a map (nil or empty: no tags).
func TagsOf(m map[string]string) Tags {
	if len(m) == 0 {
		return Tags{}
	}
	kv := make([]Tag, 0, len(m))
	for k, v := range m {
		kv = append(kv, Tag{k, v})
	}
	slices.SortFunc(kv, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return tagsOf(kv)
}

// NewTags makes Tags from key, value pairs; a key given twice keeps its
// last value. An odd count is a programming error.
func NewTags(kv ...string) Tags {
	if len(kv)%2 != 0 {
		panic("inventory: NewTags needs key, value pairs")
	}
	var t Tags
	for i := 0; i < len(kv); i += 2 {
		t.Set(kv[i], kv[i+1])
	}
	return t
}

// find returns where key is or would be.
func (t Tags) find(key string) (int, bool) {
	return slices.BinarySearchFunc(t.list(), key, func(e Tag, k string) int { return strings.Compare(e.Key, k) })
}

// Get returns the value of the key, matched exactly (Resource.Tag also
// matches case-insensitively).
func (t Tags) Get(key string) (string, bool) {
	// Few tags: a scan is faster than a binary search's comparisons.
	kv := t.list()
	if len(kv) <= 8 {
		for i := range kv {
			if kv[i].Key == key {
				return kv[i].Value, true
			}
		}
		return "", false
	}
	if i, ok := t.find(key); ok {
		return kv[i].Value, true
	}
	return "", false
}

// Value returns the value of the key, or "" when it is absent.
func (t Tags) Value(key string) string {
	v, _ := t.Get(key)
	return v
}

// Has reports whether the key is present (with any value, blank included).
func (t Tags) Has(key string) bool {
	_, ok := t.Get(key)
	return ok
}

// Len is the number of tags.
func (t Tags) Len() int { return len(t.list()) }

// IsZero reports whether there are no tags (JSON omits them then).
func (t Tags) IsZero() bool { return len(t.list()) == 0 }

// All yields the tags in key order.
func (t Tags) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, e := range t.list() {
			if !yield(e.Key, e.Value) {
				return
			}
		}
	}
}

// Keys yields the keys in order.
func (t Tags) Keys() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, e := range t.list() {
			if !yield(e.Key) {
				return
			}
		}
	}
}

// Pairs returns the tags in key order. The slice is shared: do not change it.
func (t Tags) Pairs() []Tag { return t.list() }

// Map returns the tags as a new map (nil when there are none), for code
// that hands them to something that takes a map.
func (t Tags) Map() map[string]string {
	if len(t.list()) == 0 {
		return nil
	}
	m := make(map[string]string, len(t.list()))
	for _, e := range t.list() {
		m[e.Key] = e.Value
	}
	return m
}

// Set gives the key a value, adding it when absent.
func (t *Tags) Set(key, value string) {
	i, ok := t.find(key)
	kv := make([]Tag, len(t.list()), len(t.list())+1)
	copy(kv, t.list())
	if ok {
		kv[i].Value = value
	} else {
		kv = slices.Insert(kv, i, Tag{key, value})
	}
	*t = tagsOf(kv)
}

// Delete removes the key, if present.
func (t *Tags) Delete(key string) {
	i, ok := t.find(key)
	if !ok {
		return
	}
	if len(t.list()) == 1 {
		*t = Tags{}
		return
	}
	*t = tagsOf(slices.Delete(slices.Clone(t.list()), i, i+1))
}

// Equal reports whether both hold the same tags.
func (t Tags) Equal(o Tags) bool { return slices.Equal(t.list(), o.list()) }

// String is the tags as key=value, in key order, for messages and tests.
func (t Tags) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range t.list() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Key)
		b.WriteByte('=')
		b.WriteString(e.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON writes the object encoding/json writes for the same
// map[string]string: keys in byte order, strings escaped alike.
func (t Tags) MarshalJSON() ([]byte, error) {
	n := 2
	for _, e := range t.list() {
		n += len(e.Key) + len(e.Value) + 6
	}
	return appendTags(make([]byte, 0, n), t), nil
}

// UnmarshalJSON reads a JSON object of strings (null: no tags).
func (t *Tags) UnmarshalJSON(b []byte) error {
	if v, ok := decodeTags(b); ok {
		*t = v
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = TagsOf(m)
	return nil
}

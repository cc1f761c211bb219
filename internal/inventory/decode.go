package inventory

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Attrs and tags are decoded straight into their sorted pairs: a million
// resources read from a file no longer build a map each to sort it into
// pairs and drop it. The fast path reads what stored scans are made of
// (keys and strings without escapes, numbers, bools, null) and hands a
// list or an object to encoding/json; anything else (an escape, a byte
// that is not plain ASCII, a syntax error) is decoded by encoding/json
// into a map as before, so the values and the errors are encoding/json's.
// FuzzDecodeAttrs and FuzzDecodeTags hold the two to each other.

// objectReader walks one JSON object's members.
type objectReader struct {
	b []byte
	i int
}

func (d *objectReader) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next is the next byte after white space, or 0 at the end.
func (d *objectReader) next() byte {
	d.ws()
	if d.i >= len(d.b) {
		return 0
	}
	return d.b[d.i]
}

// plainString reads a string that needs no decoding: valid UTF-8
// without escapes or control characters. ok is false for anything else,
// which the caller leaves to encoding/json.
func (d *objectReader) plainString() (string, bool) {
	if d.next() != '"' {
		return "", false
	}
	ascii := true
	for j := d.i + 1; j < len(d.b); j++ {
		c := d.b[j]
		if c == '"' {
			raw := d.b[d.i+1 : j]
			if !ascii && !utf8.Valid(raw) {
				return "", false
			}
			d.i = j + 1
			return string(raw), true
		}
		if c < 0x20 || c == '\\' {
			return "", false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return "", false
}

// end reports whether nothing but white space is left.
func (d *objectReader) end() bool {
	d.ws()
	return d.i >= len(d.b)
}

// literal reads lit (true, false, null) when it is next.
func (d *objectReader) literal(lit string) bool {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		return false
	}
	d.i += len(lit)
	return true
}

// number reads a JSON number (the grammar of RFC 8259, which
// strconv.ParseFloat alone would widen).
func (d *objectReader) number() (float64, bool) {
	b, j := d.b, d.i
	digits := func() bool {
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case !digits():
		return 0, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if !digits() {
			return 0, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if !digits() {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(b[d.i:j]), 64)
	if err != nil {
		return 0, false
	}
	d.i = j
	return f, true
}

// composite reads a list or an object with encoding/json.
func (d *objectReader) composite() (any, bool) {
	end, ok := valueEnd(d.b, d.i)
	if !ok {
		return nil, false
	}
	var v any
	if err := json.Unmarshal(d.b[d.i:end], &v); err != nil {
		return nil, false
	}
	d.i = end
	return v, true
}

// valueEnd is where the list or object starting at b[i] ends: its
// brackets matched outside strings. Whether what lies between is valid is
// for encoding/json to say.
func valueEnd(b []byte, i int) (int, bool) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			for j++; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					j++
				}
			}
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return j + 1, true
			}
		}
	}
	return 0, false
}

// members reads an object of plain keys, calling member for each value
// with the reader at it; member reads the value and reports whether it
// could. ok is false when the fast path cannot read the object.
func (d *objectReader) members(member func(key string) bool) (ok bool) {
	if d.next() != '{' {
		return false
	}
	d.i++
	if d.next() == '}' {
		d.i++
		return d.end()
	}
	for {
		k, ok := d.plainString()
		if !ok || d.next() != ':' {
			return false
		}
		d.i++
		d.ws()
		if !member(k) {
			return false
		}
		switch d.next() {
		case ',':
			d.i++
		case '}':
			d.i++
			return d.end()
		default:
			return false
		}
	}
}

// isNull reports whether b is the JSON null.
func isNull(b []byte) bool {
	d := objectReader{b: b}
	d.ws()
	return d.literal("null") && d.end()
}

// decodeAttrs is the fast path of Attrs.UnmarshalJSON.
func decodeAttrs(b []byte) (Attrs, bool) {
	if isNull(b) {
		return Attrs{}, true
	}
	d := objectReader{b: b}
	// The pairs are gathered on the stack and kept in a slice of their
	// exact size: a resource holds them for the life of the scan.
	var buf [16]attr
	kv := buf[:0]
	ok := d.members(func(k string) bool {
		var v value
		switch c := d.next(); {
		case c == '"':
			s, ok := d.plainString()
			if !ok {
				return false
			}
			v = stringValue(s)
		case c == '-' || c >= '0' && c <= '9':
			f, ok := d.number()
			if !ok {
				return false
			}
			v = valueOf(f)
		case c == 't' && d.literal("true"):
			v = valueOf(true)
		case c == 'f' && d.literal("false"):
			v = valueOf(false)
		case c == 'n' && d.literal("null"):
		case c == '[' || c == '{':
			x, ok := d.composite()
			if !ok {
				return false
			}
			v = valueOf(x)
		default:
			return false
		}
		kv = append(kv, attr{k, v})
		return true
	})
	if !ok {
		return Attrs{}, false
	}
	if len(kv) == 0 {
		return Attrs{}, true
	}
	// A key given twice keeps its last value, as in a map.
	slices.SortStableFunc(kv, func(a, b attr) int { return strings.Compare(a.key, b.key) })
	kv = lastOfEach(kv, func(e attr) string { return e.key })
	return attrsOfPairs(kv), true
}

// decodeTags is the fast path of Tags.UnmarshalJSON.
func decodeTags(b []byte) (Tags, bool) {
	if isNull(b) {
		return Tags{}, true
	}
	d := objectReader{b: b}
	var buf [16]Tag
	kv := buf[:0]
	ok := d.members(func(k string) bool {
		v, ok := d.plainString()
		if !ok {
			return false
		}
		kv = append(kv, Tag{k, v})
		return true
	})
	if !ok {
		return Tags{}, false
	}
	if len(kv) == 0 {
		return Tags{}, true
	}
	slices.SortStableFunc(kv, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	kv = lastOfEach(kv, func(e Tag) string { return e.Key })
	return tagsOf(slices.Clone(kv)), true
}

// lastOfEach keeps the last of each run of pairs with the same key in a
// sorted slice.
func lastOfEach[E any](kv []E, key func(E) string) []E {
	out := kv[:0]
	for i, e := range kv {
		if i+1 < len(kv) && key(kv[i+1]) == key(e) {
			continue
		}
		out = append(out, e)
	}
	return out
}

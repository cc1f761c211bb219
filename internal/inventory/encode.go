package inventory

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON appends the resource's JSON, byte for byte what
// encoding/json.Marshal gives (the store's content hashes are of that
// text, so a hash must not change with the encoder), without reflection:
// a big scan encodes every resource at each save, and reflection over the
// attrs' maps was most of that time. The attrs' JSON values (string,
// float64, bool, nil, []any, map[string]any) are written here; any other
// value is left to encoding/json. FuzzEncode holds it to encoding/json.
func (r *Resource) appendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"arn":`...)
	b = appendString(b, r.ARN)
	b = append(b, `,"account":`...)
	b = appendString(b, r.Account)
	b = append(b, `,"region":`...)
	b = appendString(b, r.Region)
	b = append(b, `,"type":`...)
	b = appendString(b, r.Type)
	b = append(b, `,"id":`...)
	b = appendString(b, r.ID)
	if r.Name != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, r.Name)
	}
	if r.Tags.Len() > 0 {
		b = append(b, `,"tags":`...)
		b = appendTags(b, r.Tags)
	}
	if !r.Created.IsZero() {
		b = append(b, `,"created":`...)
		if b, err = appendTime(b, r.Created); err != nil {
			return nil, fmt.Errorf("created: %w", err)
		}
	}
	if r.State != "" {
		b = append(b, `,"state":`...)
		b = appendString(b, r.State)
	}
	if r.Attrs.Len() > 0 {
		b = append(b, `,"attrs":`...)
		if b, err = appendAttrs(b, r.Attrs); err != nil {
			return nil, fmt.Errorf("attrs: %w", err)
		}
	}
	if len(r.Relations) > 0 {
		b = append(b, `,"relations":[`...)
		for i, rel := range r.Relations {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"kind":`...)
			b = appendString(b, rel.Kind)
			b = append(b, `,"target":`...)
			b = appendString(b, rel.Target)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if m := r.ManagedBy(); m != (ManagedBy{}) {
		b = append(b, `,"managed_by":{`...)
		first := true
		b, first = appendField(b, first, "kind", m.Kind)
		b, first = appendField(b, first, "ref", m.Ref)
		b, _ = appendField(b, first, "source", m.Source)
		b = append(b, '}')
	}
	if c := r.Creator(); c != nil {
		b = append(b, `,"creator":{`...)
		first := true
		b, first = appendField(b, first, "principal", c.Principal)
		b, first = appendField(b, first, "user_agent", c.UserAgent)
		b, first = appendField(b, first, "via", c.Via)
		if !c.At.IsZero() {
			if !first {
				b = append(b, ',')
			}
			b = append(b, `"at":`...)
			if b, err = appendTime(b, c.At); err != nil {
				return nil, fmt.Errorf("creator: %w", err)
			}
		}
		b = append(b, '}')
	}
	if r.MonthlyCost != 0 {
		b = append(b, `,"monthly_cost":`...)
		if b, err = appendFloat(b, r.MonthlyCost); err != nil {
			return nil, fmt.Errorf("monthly_cost: %w", err)
		}
	}
	return append(b, '}'), nil
}

// appendField writes a string field of an object unless it is empty
// (omitempty); first says no field was written before it.
func appendField(b []byte, first bool, name, value string) ([]byte, bool) {
	if value == "" {
		return b, first
	}
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return appendString(b, value), false
}

func appendTime(b []byte, t time.Time) ([]byte, error) {
	j, err := t.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// appendTags appends tags as encoding/json writes a map[string]string:
// keys in byte order (the order Tags keeps them in).
func appendTags(b []byte, t Tags) []byte {
	b = append(b, '{')
	for i, e := range t.list() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.Key)
		b = append(b, ':')
		b = appendString(b, e.Value)
	}
	return append(b, '}')
}

// appendAttrs appends attrs as encoding/json writes a map[string]any.
func appendAttrs(b []byte, a Attrs) ([]byte, error) {
	b = append(b, '{')
	var err error
	vals := a.valList()
	for i, key := range a.keyList() {
		e := attr{key, vals[i]}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.key)
		b = append(b, ':')
		switch e.v.kind() {
		case AttrNull:
			b = append(b, "null"...)
		case AttrString:
			b = appendString(b, e.v.str())
		case AttrNumber:
			if b, err = appendFloat(b, math.Float64frombits(e.v.n)); err != nil {
				return nil, fmt.Errorf("%s: %w", e.key, err)
			}
		case AttrBool:
			b = strconv.AppendBool(b, e.v.n != 0)
		default:
			if b, err = appendValue(b, e.v.any()); err != nil {
				return nil, fmt.Errorf("%s: %w", e.key, err)
			}
		}
	}
	return append(b, '}'), nil
}

func appendMap(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		if b, err = appendValue(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendValue(b []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, v), nil
	case float64:
		return appendFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v), nil
	case map[string]any:
		return appendMap(b, v)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	default:
		j, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return append(b, j...), nil
	}
}

// appendFloat writes a float64 as encoding/json does: like ES6, the
// shortest text that reads back the same, exponent form only for very
// small or large magnitudes.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("unsupported value: %s", strconv.FormatFloat(f, 'g', -1, 64))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendString writes a JSON string as encoding/json does, HTML characters
// escaped: <, > and & as \u003c, \u003e and \u0026, invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

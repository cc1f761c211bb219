package awsconfig

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// obj is one decoded JSON object and where it sits in its file, so that a
// value of the wrong kind can be reported by path
// (configurationItems[12].configuration.ipPermissions).
type obj struct {
	m    map[string]any
	path string
}

// present reports whether the object was in the file at all.
func (o obj) present() bool { return o.m != nil }

// lookup finds a key exactly, then case-insensitively: Config spells the
// same field dBClusterIdentifier, dbclusterIdentifier or DBClusterIdentifier
// depending on the resource type and the year the item was recorded.
// A JSON null counts as absent.
func (o obj) lookup(key string) (string, any, bool) {
	if v, ok := o.m[key]; ok {
		return key, v, v != nil
	}
	var match []string
	for k := range o.m {
		if strings.EqualFold(k, key) {
			match = append(match, k)
		}
	}
	if len(match) == 0 {
		return key, nil, false
	}
	sort.Strings(match) // deterministic when a file has both spellings
	v := o.m[match[0]]
	return match[0], v, v != nil
}

// reader pulls typed values out of decoded JSON and keeps the first error,
// so mapping code reads top to bottom and checks once at the end.
type reader struct {
	err error
}

func (r *reader) fail(path, want string, got any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: expected %s, got %s", path, want, kindOf(got))
	}
}

func (r *reader) failf(path, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
}

func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("a string (%q)", v)
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// str reads a string field.
func (r *reader) str(o obj, key string) (string, bool) {
	k, v, ok := o.lookup(key)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		r.fail(join(o.path, k), "a string", v)
		return "", false
	}
	return s, true
}

// num reads a number. Config's API format writes some numbers as strings
// ("256"), so a string holding a number is accepted.
func (r *reader) num(o obj, key string) (float64, bool) {
	k, v, ok := o.lookup(key)
	if !ok {
		return 0, false
	}
	return r.asNum(join(o.path, k), v)
}

func (r *reader) asNum(path string, v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case string:
		if v == "" {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err == nil {
			return f, true
		}
	}
	r.fail(path, "a number", v)
	return 0, false
}

// boolean reads a boolean; "true" and "false" strings are accepted for the
// same reason as in num.
func (r *reader) boolean(o obj, key string) (bool, bool) {
	k, v, ok := o.lookup(key)
	if !ok {
		return false, false
	}
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, true
		}
	}
	r.fail(join(o.path, k), "a boolean", v)
	return false, false
}

// object reads a nested object. A string holding JSON is decoded: the
// Config API and older deliveries carry configuration and supplementary
// configuration as JSON text, sometimes encoded twice.
func (r *reader) object(o obj, key string) (obj, bool) {
	k, v, ok := o.lookup(key)
	if !ok {
		return obj{path: join(o.path, key)}, false
	}
	return r.asObject(join(o.path, k), v)
}

func (r *reader) asObject(path string, v any) (obj, bool) {
	for range 3 {
		s, isStr := v.(string)
		if !isStr {
			break
		}
		var inner any
		if err := json.Unmarshal([]byte(s), &inner); err != nil {
			r.failf(path, "expected an object or a JSON string holding one: %v", err)
			return obj{path: path}, false
		}
		v = inner
	}
	if v == nil {
		return obj{path: path}, false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		r.fail(path, "an object", v)
		return obj{path: path}, false
	}
	return obj{m: m, path: path}, true
}

// list reads a list of any values.
func (r *reader) list(o obj, key string) ([]any, string, bool) {
	k, v, ok := o.lookup(key)
	path := join(o.path, k)
	if !ok {
		return nil, path, false
	}
	if s, isStr := v.(string); isStr && strings.HasPrefix(strings.TrimSpace(s), "[") {
		// The Config API carries some supplementary lists as JSON text.
		var inner any
		if err := json.Unmarshal([]byte(s), &inner); err == nil {
			v = inner
		}
	}
	l, isList := v.([]any)
	if !isList {
		r.fail(path, "a list", v)
		return nil, path, false
	}
	return l, path, true
}

// objects reads a list whose elements must be objects.
func (r *reader) objects(o obj, key string) ([]obj, bool) {
	l, path, ok := r.list(o, key)
	if !ok {
		return nil, false
	}
	out := make([]obj, 0, len(l))
	for i, e := range l {
		p := fmt.Sprintf("%s[%d]", path, i)
		if e == nil {
			continue
		}
		m, isMap := e.(map[string]any)
		if !isMap {
			r.fail(p, "an object", e)
			return nil, false
		}
		out = append(out, obj{m: m, path: p})
	}
	return out, true
}

// strings reads a list whose elements must be strings.
func (r *reader) strings(o obj, key string) ([]string, bool) {
	l, path, ok := r.list(o, key)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		if e == nil {
			continue
		}
		s, isStr := e.(string)
		if !isStr {
			r.fail(fmt.Sprintf("%s[%d]", path, i), "a string", e)
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// timeLayouts are the spellings of time found in configuration items:
// RFC 3339 with or without fractions, and Lambda's +0000 offsets.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05",
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// time reads a time, written as text or as epoch seconds (the CLI's
// rendering of the Config API).
func (r *reader) time(o obj, key string) (time.Time, bool) {
	k, v, ok := o.lookup(key)
	if !ok {
		return time.Time{}, false
	}
	path := join(o.path, k)
	switch v := v.(type) {
	case string:
		if v == "" {
			return time.Time{}, false
		}
		if t, ok := parseTime(v); ok {
			return t, true
		}
		r.failf(path, "expected an RFC 3339 time (2024-01-31T09:00:00Z), got %q", v)
		return time.Time{}, false
	case float64:
		if v < 0 || v > 1e11 {
			r.failf(path, "expected epoch seconds or an RFC 3339 time, got %v", v)
			return time.Time{}, false
		}
		sec := int64(v)
		return time.Unix(sec, int64((v-float64(sec))*1e9)).UTC(), true
	}
	r.fail(path, "a time", v)
	return time.Time{}, false
}

// timeAttr reads a time and renders it as the RFC 3339 string attrs carry.
func (r *reader) timeAttr(o obj, key string) (string, bool) {
	t, ok := r.time(o, key)
	if !ok {
		return "", false
	}
	return t.Format(time.RFC3339), true
}

// state reads a lifecycle state that Config writes either as a string or
// as an object ({"name": "running"}, {"value": "available"},
// {"code": "active"}), and lower-cases it as inventory.Resource wants.
func (r *reader) state(o obj, key string) string {
	k, v, ok := o.lookup(key)
	if !ok {
		return ""
	}
	switch v := v.(type) {
	case string:
		return strings.ToLower(v)
	case map[string]any:
		so := obj{m: v, path: join(o.path, k)}
		for _, f := range []string{"name", "value", "code"} {
			if _, fv, ok := so.lookup(f); ok {
				if s, isStr := fv.(string); isStr {
					return strings.ToLower(s)
				}
			}
		}
		return ""
	}
	r.fail(join(o.path, k), "a string or an object", v)
	return ""
}

package inventory

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/quote"
)

// AttrError is an attr whose value is not of the kind the type table gives
// it: a policy reading it would fail or, worse, quietly not match.
type AttrError struct {
	Key  string // attrs key, with a list index and field inside when there: targets[2].health
	Want string // what the table says, for people: true or false, a number ...
	Got  any
}

func (e *AttrError) Error() string {
	return fmt.Sprintf("attrs.%s is %s, want %s", e.Key, describe(e.Got), e.Want)
}

// CheckAttrs checks each documented attr of r against the kind the type
// table gives it (JSON kinds: numbers are float64, lists []any, objects
// map[string]any) and returns the first mismatch, in key order. Attrs the
// table does not document are left alone: no policy can read them.
func CheckAttrs(r *Resource) error {
	ti, ok := typeIndex[r.Type]
	if !ok {
		return nil
	}
	vals := r.Attrs.valList()
	for i, k := range r.Attrs.keyList() {
		doc, ok := ti.Attrs[k]
		if !ok || scalarOK(doc, vals[i].kind()) {
			continue
		}
		if err := CheckAttr(doc, k, vals[i].any()); err != nil {
			return err
		}
	}
	return nil
}

// scalarOK reports whether a string, number or bool is of the kind doc
// gives it without looking further (a time string is parsed by
// CheckAttr), so a file of a million resources is checked without boxing
// each value.
func scalarOK(doc string, k AttrKind) bool {
	switch k {
	case AttrString:
		return strings.HasPrefix(doc, "string") && !strings.HasPrefix(doc, "string(time)")
	case AttrNumber:
		return strings.HasPrefix(doc, "number")
	case AttrBool:
		return strings.HasPrefix(doc, "bool")
	}
	return false
}

// CheckAttr checks one value against a type table entry (doc), naming it
// key in the error.
func CheckAttr(doc, key string, v any) error {
	bad := func(want string) error { return &AttrError{Key: key, Want: want, Got: v} }
	switch {
	case strings.HasPrefix(doc, "string(time)"):
		s, ok := v.(string)
		if !ok {
			return bad("an RFC 3339 time string")
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return bad("an RFC 3339 time (2025-01-06T09:00:00Z)")
		}
	case strings.HasPrefix(doc, "string"):
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case strings.HasPrefix(doc, "number"):
		if _, ok := v.(float64); !ok {
			return bad("a number")
		}
	case strings.HasPrefix(doc, "bool"):
		if _, ok := v.(bool); !ok {
			return bad("true or false")
		}
	case strings.HasPrefix(doc, "list of string"):
		l, ok := v.([]any)
		if !ok {
			return bad("a list of strings")
		}
		for i, e := range l {
			if _, ok := e.(string); !ok {
				return &AttrError{Key: fmt.Sprintf("%s[%d]", key, i), Want: "a string", Got: e}
			}
		}
	case strings.HasPrefix(doc, "list of {"):
		l, ok := v.([]any)
		if !ok {
			return bad("a list of objects")
		}
		fields := listFields(doc)
		for i, e := range l {
			m, ok := e.(map[string]any)
			if !ok {
				return &AttrError{Key: fmt.Sprintf("%s[%d]", key, i), Want: "an object", Got: e}
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				kind, ok := fields[k]
				if !ok {
					continue
				}
				if err := CheckAttr(kind, fmt.Sprintf("%s[%d].%s", key, i, k), m[k]); err != nil {
					return err
				}
			}
		}
	default:
		// A kind this check does not know is a mistake in the table.
		panic(fmt.Sprintf("inventory: type table kind %q is not understood", doc))
	}
	return nil
}

var fieldRE = regexp.MustCompile(`(\w+): (string|number|bool)`)

// listFields reads "list of {id: string, port: number ...}" into id ->
// string, port -> number.
func listFields(doc string) map[string]string {
	m := map[string]string{}
	for _, f := range fieldRE.FindAllStringSubmatch(doc, -1) {
		m[f[1]] = f[2]
	}
	return m
}

// describe says what a JSON value is, for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return quote.Value(v) + " (a string)"
	case float64:
		return fmt.Sprintf("%v (a number)", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

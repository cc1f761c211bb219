package inventory

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// FieldChange is one field of a resource that differs between two
// versions: Path names it as policies do (state, tags.env, attrs.size_gb);
// From and To are its JSON values, empty when absent.
type FieldChange struct {
	Path string `json:"path"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Changes lists the fields that differ from a to b, sorted by path. Maps
// (tags, attrs, managed_by, creator) are compared key by key; lists
// (relations) as a whole.
func Changes(a, b *Resource) ([]FieldChange, error) {
	fa, err := flatten(a)
	if err != nil {
		return nil, err
	}
	fb, err := flatten(b)
	if err != nil {
		return nil, err
	}
	var out []FieldChange
	for _, k := range slices.Sorted(maps.Keys(union(fa, fb))) {
		if fa[k] != fb[k] {
			out = append(out, FieldChange{Path: k, From: fa[k], To: fb[k]})
		}
	}
	return out, nil
}

func union(a, b map[string]string) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

func flatten(r *Resource) (map[string]string, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", r.ARN, err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("resource %s: %w", r.ARN, err)
	}
	out := make(map[string]string)
	var walk func(prefix string, v any) error
	walk = func(prefix string, v any) error {
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				if err := walk(p, x); err != nil {
					return err
				}
			}
			return nil
		}
		text, err := json.Marshal(v)
		if err != nil {
			return err
		}
		out[prefix] = string(text)
		return nil
	}
	if err := walk("", m); err != nil {
		return nil, fmt.Errorf("resource %s: %w", r.ARN, err)
	}
	return out, nil
}

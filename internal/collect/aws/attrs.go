package aws

import (
	"strings"
	"time"
)

// Helpers that turn SDK values into the JSON kinds attrs allow: numbers as
// float64, times as RFC 3339 strings, lists as []any.

func rfc3339(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func f32(p *int32) float64 {
	if p == nil {
		return 0
	}
	return float64(*p)
}

func f64(p *int64) float64 {
	if p == nil {
		return 0
	}
	return float64(*p)
}

func boolv(p *bool) bool { return p != nil && *p }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// putTime sets k only when the time is known, so absence reads as unknown.
func putTime(attrs map[string]any, k string, t *time.Time) {
	if s := rfc3339(t); s != "" {
		attrs[k] = s
	}
}

func stringList(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

func lower(s string) string { return strings.ToLower(s) }

// tagMap turns any SDK tag list into a map; nil when there are no tags.
func tagMap[T any](tags []T, kv func(T) (*string, *string)) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := kv(t)
		if k != nil {
			m[*k] = str(v)
		}
	}
	return m
}

func nameTag(tags map[string]string) string { return tags["Name"] }

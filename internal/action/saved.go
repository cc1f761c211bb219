package action

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// SavedTag holds, on a stopped resource, the values a start restores:
// "desired=2 min=1 max=4 suspended=false". Space-separated key=value pairs,
// since ECS tag values may not hold commas.
const SavedTag = "steward:saved"

// encodeSaved writes values as a SavedTag value, keys sorted.
func encodeSaved(v map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(v)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + v[k])
	}
	return b.String()
}

// parseSaved reads a SavedTag value; every key in need must be there with
// a whole number (bool keys excepted).
func parseSaved(s string, need ...string) (map[string]string, error) {
	out := map[string]string{}
	for f := range strings.FieldsSeq(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("tag %s=%q: %q is not key=value", SavedTag, s, f)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("tag %s=%q: %s appears twice", SavedTag, s, k)
		}
		out[k] = v
	}
	for _, k := range need {
		v, ok := out[k]
		if !ok {
			return nil, fmt.Errorf("tag %s=%q: no %s", SavedTag, s, k)
		}
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return nil, fmt.Errorf("tag %s=%q: %s=%s is not a count", SavedTag, s, k, v)
		}
	}
	return out, nil
}

func atoi32(s string) int32 {
	n, _ := strconv.ParseInt(s, 10, 32)
	return int32(n)
}

func itoa[T ~int32 | ~int64 | ~int](n T) string { return strconv.FormatInt(int64(n), 10) }

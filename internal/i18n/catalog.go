package i18n

import (
	"fmt"
	"slices"
	"strings"
)

// text is one message in every language. Arguments are fmt verbs; where
// Japanese needs them in another order it uses explicit indexes (%[2]s).
type text struct{ en, ja string }

// T returns the message key in l, formatted with args. A key missing from
// the catalog comes back as itself, so a slip shows in output and golden
// files rather than as an empty string; the catalog test keeps every key
// in both languages.
func (l Lang) T(key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		if len(args) > 0 {
			return key + fmt.Sprint(args...)
		}
		return key
	}
	s := m.en
	if l == JA && m.ja != "" {
		s = m.ja
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// N is T for a count: it uses key+".one" when n is 1 and that key exists,
// so English can say "1 finding" and "2 findings". n is the first argument.
func (l Lang) N(key string, n int, args ...any) string {
	if n == 1 {
		if _, ok := catalog[key+".one"]; ok {
			key += ".one"
		}
	}
	return l.T(key, append([]any{n}, args...)...)
}

// Has reports whether key is in the catalog, for text that is translated
// only where the catalog has it (words made from data, such as a type's
// display name).
func (l Lang) Has(key string) bool {
	_, ok := catalog[key]
	return ok
}

// Keys lists the catalog's keys that start with prefix, sorted, for a
// test that holds a family of messages to what the code has (the help
// of each flag to the flags of the command line).
func Keys(prefix string) []string {
	var ks []string
	for k := range catalog {
		if strings.HasPrefix(k, prefix) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

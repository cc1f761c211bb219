// Package quote puts values people wrote into error messages: quoted, and
// cut to a short prefix, so a 20 MB template in a config file yields a
// one-line message rather than 20 MB of it. It knows nothing of where the
// values come from.
package quote

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxRunes is how much of a value a message shows: an ARN fits.
const MaxRunes = 120

// Clip returns s unquoted, cut after MaxRunes runes like Value.
func Clip(s string) string {
	if utf8.RuneCountInString(s) <= MaxRunes {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut(s)], len(s))
}

// cut is the byte offset after MaxRunes runes of s.
func cut(s string) int {
	n := 0
	for i := range s {
		if n == MaxRunes {
			return i
		}
		n++
	}
	return len(s)
}

// Short is a string argument that %q formats as Value does, cut to a
// short prefix; other verbs print it whole. Messages quote what people
// wrote with %q, and use %s for text of their own (a list of valid values),
// which must not be cut.
type Short string

// Format implements fmt.Formatter.
func (s Short) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, Value(string(s)))
		return
	}
	fmt.Fprint(f, string(s))
}

// Value returns s quoted as %q does, cut after MaxRunes runes; a cut value
// ends in "..." and says how long it was.
func Value(s string) string {
	if utf8.RuneCountInString(s) <= MaxRunes {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(s[:cut(s)]), len(s))
}

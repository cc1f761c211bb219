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

// Value returns s quoted as %q does, cut after MaxRunes runes; a cut value
// ends in "..." and says how long it was.
func Value(s string) string {
	if utf8.RuneCountInString(s) <= MaxRunes {
		return strconv.Quote(s)
	}
	n, i := 0, 0
	for i = range s {
		if n == MaxRunes {
			break
		}
		n++
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(s[:i]), len(s))
}

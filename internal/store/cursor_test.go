package store

import (
	"slices"
	"strings"
	"testing"
)

// FuzzCursor: any text is read without a panic; a cursor read is written
// back as text that reads as the same cursor, and what is refused is
// refused with the field's name.
func FuzzCursor(f *testing.F) {
	for _, seed := range []string{"1.severity.0", "12.first_seen.199999", "0.policy.3", "1.color.2", "1..2", "-1.owner.2", "1.owner.-2",
		"1.owner", "", "9223372036854775808.waste.1", "+1.waste.+2", "1.waste.2.3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := parseCursor("after", text)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "after ") {
				t.Errorf("parseCursor(%q) = %v, want an error naming after", text, err)
			}
			return
		}
		back, err := parseCursor("after", c.String())
		if err != nil || back != c {
			t.Errorf("parseCursor(%q) = %+v, written %q, read back %+v, %v", text, c, c.String(), back, err)
		}
		if !slices.Contains(FindingSorts, c.sort) || c.seq < 0 || c.rank < 0 {
			t.Errorf("parseCursor(%q) = %+v: an order it does not know or a negative number", text, c)
		}
	})
}

package table

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// RuneWidth is the number of terminal columns a rune takes: 2 for East
// Asian wide and fullwidth characters (kanji, kana, fullwidth forms, most
// emoji), 0 for combining marks and invisible format characters, else 1.
// East Asian "ambiguous" characters count 1, as terminals outside CJK
// locales draw them.
func RuneWidth(r rune) int {
	if r < 0x300 { // Latin: no wide or combining characters below U+0300
		return 1
	}
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// Width is how many terminal columns s takes.
func Width(s string) int {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return len(s)
	}
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// Truncate cuts s to at most w columns, ending in "…" when it cut.
func Truncate(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := RuneWidth(r)
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	b.WriteString("…")
	return b.String()
}

// Wrap breaks s at spaces so no line is wider than w (a word longer than w
// gets a line of its own); w <= 0 leaves s alone. Following lines start
// with indent.
func Wrap(s string, w int, indent string) string {
	if w <= 0 || Width(s) <= w {
		return s
	}
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(s) {
		ww := Width(word)
		if i > 0 && col+1+ww > w {
			b.WriteString("\n" + indent)
			col = Width(indent)
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += ww
	}
	return b.String()
}

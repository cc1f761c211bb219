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

// Wrap breaks s at spaces, and between the characters of Japanese and
// other East Asian text, which has no spaces to break at, so no line is
// wider than w (a Latin word longer than w gets a line of its own); w <= 0
// leaves s alone. Following lines start with indent. A line never starts
// with closing punctuation (、。）」) nor ends with opening punctuation
// (（「), as Japanese typesetting requires.
func Wrap(s string, w int, indent string) string {
	if w <= 0 || Width(s) <= w {
		return s
	}
	var b strings.Builder
	col := 0
	for wi, word := range strings.Fields(s) {
		for pi, piece := range pieces(word) {
			pw := Width(piece)
			space := wi > 0 && pi == 0
			if (wi > 0 || pi > 0) && col+btoi(space)+pw > w {
				b.WriteString("\n" + indent)
				col = Width(indent)
				space = false
			}
			if space {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(piece)
			col += pw
		}
	}
	return b.String()
}

// pieces splits a word where a line may break inside it: next to a wide
// character, unless the break would start a line with closing punctuation
// or end one with opening punctuation.
func pieces(word string) []string {
	var out []string
	start, prev := 0, rune(-1)
	for i, r := range word {
		if prev >= 0 && (RuneWidth(prev) == 2 || RuneWidth(r) == 2) &&
			!strings.ContainsRune(noLineStart, r) && !strings.ContainsRune(noLineEnd, prev) {
			out = append(out, word[start:i])
			start = i
		}
		prev = r
	}
	return append(out, word[start:])
}

// Kinsoku: characters that may not start, or end, a line.
const (
	noLineStart = "、。，．）」』】〕〉》！？：；ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ…・,.)]:;!?%"
	noLineEnd   = "（「『【〔〈《([$¥"
)

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

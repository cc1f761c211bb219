package report

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The table aligns its own columns rather than using text/tabwriter:
// tabwriter counts runes, so Japanese resource names and owners (two
// columns wide on a terminal) would push every later column out of line,
// and it cannot tell colour escapes from text.

// cleanText makes a value from the estate safe to print on a terminal:
// tags and names are user input, and a control character in one could move
// the cursor or change the terminal's colours. Invalid UTF-8 becomes U+FFFD.
func cleanText(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r) // a RuneError from bad bytes is written as U+FFFD
		}
	}
	return b.String()
}

// runeWidth is the number of terminal columns a rune takes: 2 for East
// Asian wide and fullwidth characters, 0 for combining marks, else 1.
func runeWidth(r rune) int {
	if r < 0x300 { // Latin: no wide or combining characters below U+0300
		return 1
	}
	switch {
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200B':
		return 0
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0x303E, // CJK radicals, punctuation
		r >= 0x3041 && r <= 0x33FF, // kana, CJK symbols
		r >= 0x3400 && r <= 0x4DBF, // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF, // CJK unified ideographs
		r >= 0xA000 && r <= 0xA4CF, // Yi
		r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF, // CJK compatibility
		r >= 0xFE30 && r <= 0xFE4F, // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60, // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1F64F, // pictographs, emoticons
		r >= 0x1F900 && r <= 0x1F9FF,
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions B and later
		return 2
	}
	return 1
}

// displayWidth is how many terminal columns s takes.
func displayWidth(s string) int {
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
		n += runeWidth(r)
	}
	return n
}

// truncate cuts s to at most w columns, ending in "…" when it cut.
func truncate(s string, w int) string {
	if displayWidth(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := runeWidth(r)
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	b.WriteString("…")
	return b.String()
}

// column describes one table column.
type column struct {
	title string
	right bool // right-align (amounts)
	// shrink is the order in which columns give up width when the table is
	// fitted to a terminal: 1 first; 0 never.
	shrink int
	min    int // narrowest a shrinking column may become
	// drop is the order in which columns are left out when shrinking is not
	// enough: 1 first; 0 never.
	drop int
}

// section is a run of rows under one title, aligned with every other
// section of the same table.
type section struct {
	title string
	rows  [][]string
}

// styler colours a cell after it was padded; row -1 is the column titles.
type styler func(sec, row, col int, padded string) string

const columnGap = "  "

// writeTable writes sections aligned under cols, each section with its
// title and the column titles. With maxWidth > 0 it narrows shrinkable
// columns, and then leaves out droppable ones, until lines fit.
func writeTable(w io.Writer, indent string, cols []column, secs []section, maxWidth int, title func(string) string, style styler) error {
	natural := make([]int, len(cols))
	for i, c := range cols {
		natural[i] = displayWidth(c.title)
	}
	for _, sec := range secs {
		for _, row := range sec.rows {
			for i, cell := range row {
				natural[i] = max(natural[i], displayWidth(cell))
			}
		}
	}
	widths, show := natural, make([]bool, len(cols))
	for i := range show {
		show[i] = true
	}
	if maxWidth > 0 {
		widths, show = fitTable(natural, cols, maxWidth-displayWidth(indent))
	}
	visible := make([]int, 0, len(cols))
	for i := range cols {
		if show[i] {
			visible = append(visible, i)
		}
	}
	var b strings.Builder
	line := func(si, ri int, cells []string) {
		b.WriteString(indent)
		for vi, i := range visible {
			last := vi == len(visible)-1
			cell := truncate(cells[i], widths[i])
			pad := strings.Repeat(" ", widths[i]-displayWidth(cell))
			switch {
			case cols[i].right:
				cell = pad + cell
			case !last:
				cell += pad
			}
			if style != nil {
				cell = style(si, ri, i, cell)
			}
			b.WriteString(cell)
			if !last {
				b.WriteString(columnGap)
			}
		}
		b.WriteByte('\n')
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	for si, sec := range secs {
		if sec.title != "" {
			if si > 0 {
				b.WriteByte('\n')
			}
			t := wrap(sec.title, maxWidth)
			if title != nil {
				t = title(t)
			}
			b.WriteString(t + "\n")
		}
		line(si, -1, titles)
		for ri, row := range sec.rows {
			line(si, ri, row)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fitTable chooses column widths that fit limit: first shrinking columns
// in shrink order down to their minimum, then leaving columns out in drop
// order (giving the others their width back), then shrinking below the
// minimums. Fixed columns never shrink, so a very narrow terminal can still
// get lines longer than limit.
func fitTable(natural []int, cols []column, limit int) ([]int, []bool) {
	show := make([]bool, len(cols))
	for i := range show {
		show[i] = true
	}
	for dropped := 0; ; dropped++ {
		widths := append([]int(nil), natural...)
		if shrinkTo(widths, show, cols, limit, false) {
			return widths, show
		}
		next := -1
		for i, c := range cols {
			if show[i] && c.drop > 0 && (next < 0 || c.drop < cols[next].drop) {
				next = i
			}
		}
		if next < 0 {
			// Last resort: shrinkable columns go below their minimum, down
			// to the width of their title.
			shrinkTo(widths, show, cols, limit, true)
			return widths, show
		}
		show[next] = false
	}
}

// shrinkTo narrows the shown columns in shrink order and reports whether
// the table now fits. hard ignores the columns' minimums.
func shrinkTo(widths []int, show []bool, cols []column, limit int, hard bool) bool {
	total, n := 0, 0
	for i, wd := range widths {
		if show[i] {
			total += wd
			n++
		}
	}
	total += len(columnGap) * max(n-1, 0)
	for order := 1; total > limit && order <= len(cols); order++ {
		for i, c := range cols {
			if !show[i] || c.shrink != order {
				continue
			}
			floor := displayWidth(c.title)
			if !hard {
				floor = max(floor, c.min)
			}
			if cut := min(total-limit, widths[i]-floor); cut > 0 {
				widths[i] -= cut
				total -= cut
			}
		}
	}
	return total <= limit
}

// wrap breaks s at spaces so no line is wider than width (a word longer
// than width gets a line of its own); width <= 0 leaves s alone. Following
// lines are indented by two spaces.
func wrap(s string, width int) string {
	if width <= 0 || displayWidth(s) <= width {
		return s
	}
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(s) {
		ww := displayWidth(word)
		if i > 0 && col+1+ww > width {
			b.WriteString("\n  ")
			col = 2
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += ww
	}
	return b.String()
}

package table

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRender puts arbitrary text in every cell, title and note and checks
// what each renderer promises, whatever the text:
//   - text: valid UTF-8, no control character but the line ends, no bidi
//     control, one line per row (and, fitted to a width, lines no wider);
//   - CSV: parses back to the same rows; no text cell starts a formula or
//     holds a raw control or bidi character;
//   - Markdown: every row keeps its cells (no unescaped |), no raw < > or
//     bare &, no control or bidi character, one line per row.
func FuzzRender(f *testing.F) {
	f.Add("=cmd|' /C calc'!A0", "a|b\nc", "<img src=x onerror=alert(1)>", "\x1b[2J\x1b]0;t\x07", 80)
	f.Add("invoice\u202Egpj.exe", "\u2066x\u2069", "&amp;", "\u009b31m", 20)
	f.Add("検証用ボリューム", "+1", "@x", "\t-1", 0)
	f.Add("\xff\xfe", "\r\n", "`*_[x](y)`", "-3.00", 5)
	f.Add("", "", "", "", 1)
	f.Fuzz(func(t *testing.T, a, b, c, d string, width int) {
		cols := []Column{{Title: a}, {Title: "N", Number: true}, {Title: "M", Shrink: 1, Min: 4, Below: width%2 == 0}, {Title: "O", Drop: 1}}
		tb := &Table{
			Title:   b,
			Columns: cols,
			Sections: []Section{
				{Title: c, Rows: [][]string{{a, b, c, d}, {d, c, b, a}}},
				{Rows: [][]string{{"x", d, a, b}}},
			},
			Notes: []string{d},
		}
		rows := 3
		out := func(format string, opts Options) string {
			var buf bytes.Buffer
			if err := Render(&buf, format, tb, opts); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			return buf.String()
		}
		safe := func(format, s string) {
			if !utf8.ValidString(s) {
				t.Fatalf("%s: invalid UTF-8: %q", format, s)
			}
			for _, r := range s {
				if (r != '\n' && unicode.IsControl(r)) || isBidi(r) || r == '\u2028' || r == '\u2029' {
					t.Fatalf("%s: raw %U in output:\n%q", format, r, s)
				}
			}
		}

		// Text, unfitted: title, two section titles at most, two column
		// title lines, three rows, one note, one blank line between
		// sections: never more lines, whatever the cells hold.
		plain := out(FormatTable, Options{})
		safe("table", plain)
		if n := strings.Count(plain, "\n"); n > 1+1+1+2+rows+1 {
			t.Fatalf("table: %d lines for %d rows:\n%s", n, rows, plain)
		}
		w := width % 200
		if w > 0 {
			fitted := out(FormatTable, Options{Width: w})
			safe("fitted table", fitted)
		}

		// CSV.
		csvOut := out(FormatCSV, Options{})
		recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v\n%q", err, csvOut)
		}
		if len(recs) != 1+rows {
			t.Fatalf("csv: %d records, want %d", len(recs), 1+rows)
		}
		for ri, rec := range recs {
			for ci, cell := range rec {
				if !utf8.ValidString(cell) {
					t.Fatalf("csv %d,%d: invalid UTF-8 %q", ri, ci, cell)
				}
				for _, r := range cell {
					if (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') || isBidi(r) {
						t.Fatalf("csv %d,%d: raw %U in %q", ri, ci, r, cell)
					}
				}
				if cell != "" && strings.IndexByte(formulaStart, cell[0]) >= 0 && !(ri > 0 && ci == 1 && isNumber(cell)) {
					t.Fatalf("csv %d,%d: %q starts a formula", ri, ci, cell)
				}
			}
		}

		// Markdown.
		md := out(FormatMarkdown, Options{})
		safe("markdown", md)
		tableLines := 0
		for _, line := range strings.Split(md, "\n") {
			if strings.ContainsAny(line, "<>") {
				t.Fatalf("markdown: raw < or > in %q", line)
			}
			for i := strings.IndexByte(line, '&'); i >= 0; i = next(line, i) {
				rest := line[i:]
				if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
					t.Fatalf("markdown: bare & in %q", line)
				}
			}
			if strings.HasPrefix(line, "|") {
				tableLines++
				if n := borders(line); n != len(cols)+1 {
					t.Fatalf("markdown: %d cell borders in %q, want %d", n, line, len(cols)+1)
				}
			}
		}
		if want := 2*2 + rows; tableLines != want {
			t.Fatalf("markdown: %d table lines, want %d:\n%s", tableLines, want, md)
		}
	})
}

func next(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '&')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// borders counts the | that end cells: those not escaped by a backslash
// (itself not escaped).
func borders(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

// FuzzWrap: no text, in any script, makes a line wider than the width
// unless one unbreakable piece is wider by itself; no character is lost.
func FuzzWrap(f *testing.F) {
	for _, s := range []string{"カバレッジ: 不完全。6件中2件の取得に失敗しました", "あいうえお。かきくけこ", "abc（あい）def", "steward report", "（（（）））", "ｱｲｳ 한국어 中文"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		if w < 1 || w > 200 || !utf8.ValidString(s) {
			return
		}
		got := Wrap(s, w, "  ")
		if strings.Join(strings.Fields(got), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("Wrap(%q, %d) = %q changed the text", s, w, got)
		}
		widest := 0
		for _, word := range strings.Fields(s) {
			for _, p := range pieces(word) {
				widest = max(widest, Width(p))
			}
		}
		for _, line := range strings.Split(got, "\n") {
			if Width(line) > max(w, widest+2) {
				t.Fatalf("Wrap(%q, %d): line %q is %d columns", s, w, line, Width(line))
			}
		}
	})
}

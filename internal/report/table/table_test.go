package table

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTerminal(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":             {"web-1", "web-1"},
		"japanese":          {"検証用", "検証用"},
		"escape sequence":   {"a\x1b[2Jb", "a\uFFFD[2Jb"},
		"osc title":         {"\x1b]0;pwned\x07", "\uFFFD]0;pwned\uFFFD"},
		"c1 csi":            {"a\u009b31mb", "a\uFFFD31mb"},
		"line breaks":       {"a\r\nb\tc", "a  b c"},
		"right-to-left":     {"invoice\u202Egpj.exe", "invoice\uFFFDgpj.exe"},
		"isolate":           {"\u2066x\u2069", "\uFFFDx\uFFFD"},
		"invalid utf-8":     {"a\xffb", "a\uFFFDb"},
		"delete":            {"a\x7fb", "a\uFFFDb"},
		"line separator":    {"a\u2028b", "a\uFFFDb"},
		"combining is kept": {"e\u0301", "e\u0301"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Terminal(tc.in); got != tc.want {
				t.Errorf("Terminal(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCSVText(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":            {"web-1", "web-1"},
		"formula":          {"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		"plus":             {"+1+1", "'+1+1"},
		"minus":            {"-2+3", "'-2+3"},
		"at":               {"@SUM(A1)", "'@SUM(A1)"},
		"tab":              {"\t=1", "'\t=1"},
		"carriage return":  {"\r=1", "'\r=1"},
		"control dropped":  {"a\x1b[2Jb\x00c", "a[2Jbc"},
		"bidi dropped":     {"x\u202Ey", "xy"},
		"control then =":   {"\x1b=1", "'=1"},
		"newline kept":     {"a\nb", "a\nb"},
		"invalid utf-8":    {"\xff", "\uFFFD"},
		"equals inside ok": {"a=b", "a=b"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CSVText(tc.in); got != tc.want {
				t.Errorf("CSVText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	for in, want := range map[string]string{"-3.00": "-3.00", "12345": "12345", "41.5%": "41.5%", "=1": "'=1", "-": "'-", "1.": "1.", "-1-1": "'-1-1"} {
		if got := CSVNumber(in); got != want && !(in == "1." && got == "1.") {
			t.Errorf("CSVNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"pipe":       {"a|b", `a\|b`},
		"newline":    {"a\nb", "a b"},
		"html":       {`<img src=x onerror=alert(1)>`, `&lt;img src=x onerror=alert(1)&gt;`},
		"entity":     {"&lt;script&gt;", "&amp;lt;script&amp;gt;"},
		"link":       {"[x](http://e)", `\[x\](http://e)`},
		"formatting": {"*a* _b_ `c` ~d~ #e", "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\#e"},
		"escape":     {"\x1b[31m", "\uFFFD\\[31m"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Markdown(tc.in); got != tc.want {
				t.Errorf("Markdown(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := MarkdownCode("a`b|c"); got != "a'b¦c" {
		t.Errorf("MarkdownCode = %q", got)
	}
}

func TestWidth(t *testing.T) {
	tests := map[string]struct {
		in   string
		want int
	}{
		"ascii":          {"web-1", 5},
		"kanji":          {"検証用", 6},
		"kana":           {"タグ", 4},
		"halfwidth kana": {"ｶﾀｶﾅ", 4},
		"fullwidth":      {"ＡＢ", 4},
		"combining":      {"e\u0301", 1},
		"hangul":         {"한국", 4},
		"emoji":          {"😀", 2},
		"zero width":     {"a\u200bb", 2},
		"ambiguous":      {"±", 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Width(tc.in); got != tc.want {
				t.Errorf("Width(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
	if got := Truncate("検証用ボリューム", 7); got != "検証用…" || Width(got) > 7 {
		t.Errorf("Truncate = %q", got)
	}
}

func render(t *testing.T, format string, tb *Table, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, format, tb, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var sample = &Table{
	Title: "Cost by system",
	Columns: []Column{
		{Title: "SYSTEM"}, {Title: "COST", Number: true}, {Title: "SHARE", Number: true}, {Title: "NOTE", Shrink: 1, Min: 6, Below: true},
	},
	Sections: []Section{{Rows: [][]string{
		{"shop", "$1,234.50", "61.0%", "the largest system this month by far"},
		{"検証", "$7.00", "0.3%", ""},
		{"=evil()", "-$3.00", "-0.1%", "a|b"},
	}}},
	Notes: []string{"Untagged usage: $12.00."},
}

func TestRenderText(t *testing.T) {
	got := render(t, FormatTable, sample, Options{})
	want := `Cost by system
SYSTEM        COST  SHARE  NOTE
shop     $1,234.50  61.0%  the largest system this month by far
検証         $7.00   0.3%
=evil()     -$3.00  -0.1%  a|b
Untagged usage: $12.00.
`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Narrow: the note moves under its row rather than being cut.
	got = render(t, FormatTable, sample, Options{Width: 30})
	want = `Cost by system
SYSTEM        COST  SHARE
shop     $1,234.50  61.0%
    the largest system this
    month by far
検証         $7.00   0.3%
=evil()     -$3.00  -0.1%
    a|b
Untagged usage: $12.00.
`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("narrow (-want +got):\n%s", d)
	}
}

func TestRenderCSV(t *testing.T) {
	got := render(t, FormatCSV, sample, Options{})
	recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"SYSTEM", "COST", "SHARE", "NOTE"},
		{"shop", "$1,234.50", "61.0%", "the largest system this month by far"},
		{"検証", "$7.00", "0.3%", ""},
		{"'=evil()", "'-$3.00", "-0.1%", "a|b"},
	}
	if d := cmp.Diff(want, recs); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestRenderMarkdown(t *testing.T) {
	got := render(t, FormatMarkdown, sample, Options{})
	want := `**Cost by system**

| SYSTEM | COST | SHARE | NOTE |
|---|---:|---:|---|
| shop | $1,234.50 | 61.0% | the largest system this month by far |
| 検証 | $7.00 | 0.3% |  |
| =evil() | -$3.00 | -0.1% | a\|b |

Untagged usage: $12.00.
`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestRenderRejects(t *testing.T) {
	bad := Rows("t", []Column{{Title: "A"}}, [][]string{{"1", "2"}})
	if err := Render(&bytes.Buffer{}, FormatTable, bad, Options{}); err == nil {
		t.Error("a row with more cells than columns rendered without an error")
	}
	if err := Render(&bytes.Buffer{}, "html", sample, Options{}); err == nil || !strings.Contains(err.Error(), "valid: table, csv, markdown") {
		t.Errorf("unknown format: err = %v", err)
	}
}

func TestWrapJapanese(t *testing.T) {
	tests := map[string]struct {
		in    string
		width int
		want  string
	}{
		"breaks between kana and kanji": {"カバレッジ: 不完全。6件中2件の取得に失敗しました", 20,
			"カバレッジ: 不完全。\n  6件中2件の取得に失\n  敗しました"},
		"never starts a line with 。": {"あいうえお。かきくけこ", 10, "あいうえ\n  お。かき\n  くけこ"},
		"never ends a line with （":   {"abcdefg（あい）", 9, "abcdefg\n  （あ\n  い）"},
		"latin words stay whole":     {"steward report scan", 10, "steward\n  report\n  scan"},
		"fits":                       {"日本語", 6, "日本語"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Wrap(tc.in, tc.width, "  ")
			if got != tc.want {
				t.Errorf("Wrap(%q, %d) =\n%s\nwant\n%s", tc.in, tc.width, got, tc.want)
			}
			for _, line := range strings.Split(got, "\n") {
				if Width(line) > tc.width && !strings.Contains(tc.in, " ") {
					t.Errorf("line %q is %d columns, wider than %d", line, Width(line), tc.width)
				}
			}
		})
	}
}

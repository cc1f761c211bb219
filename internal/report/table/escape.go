package table

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cell text comes from the estate and from bills: names, tags, messages
// that anyone with write access to an AWS account or a billing export
// chose. Each format has its own way to be attacked, so each has its own
// escaping, and every renderer here applies it to every cell.

// isBidi reports the Unicode bidirectional formatting characters: with them
// a name can read backwards (U+202E) and hide what follows.
func isBidi(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// unsafe reports a rune that must not reach a reader raw: C0 and C1
// controls (ESC starts terminal sequences), DEL, bidi controls, and the
// line and paragraph separators some viewers break lines at.
func unsafe(r rune) bool {
	return unicode.IsControl(r) || isBidi(r) || r == '\u2028' || r == '\u2029'
}

// Terminal makes s safe to print on a terminal and keeps it on one line:
// line breaks and tabs become spaces, other controls and bidi controls
// become U+FFFD (visible, so a reader sees something was there), and
// invalid UTF-8 becomes U+FFFD.
func Terminal(s string) string {
	clean := utf8.ValidString(s)
	if clean {
		for _, r := range s {
			if unsafe(r) {
				clean = false
				break
			}
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
		case unsafe(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r) // bad bytes arrive as RuneError and stay U+FFFD
		}
	}
	return b.String()
}

// formulaStart are the characters that make a spreadsheet read a cell as a
// formula (OWASP CSV injection): = + - @, and tab and CR, which some
// spreadsheets skip before looking.
const formulaStart = "=+-@\t\r"

// CSVText makes a text cell safe in CSV: raw control and bidi characters
// are dropped (line breaks are kept; the CSV writer quotes them), invalid
// UTF-8 becomes U+FFFD, and a cell that would start a formula gets a
// leading apostrophe, which spreadsheets show as text.
func CSVText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return r
		case unsafe(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if s != "" && strings.IndexByte(formulaStart, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// CSVNumber writes a number column: a plain decimal (an optional minus,
// digits, one point, an optional % sign) is written as it is so a
// spreadsheet reads it as a number; anything else is text.
func CSVNumber(s string) string {
	if isNumber(s) {
		return s
	}
	return CSVText(s)
}

func isNumber(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "-"), "%")
	if s == "" {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

// markdownEscaper escapes what Markdown (GitHub's, Slack's) would read as
// formatting, a link, a table border or HTML. < > & become entities, so
// no tag (an <img onerror=...>) and no entity passes through.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "#", `\#`, "|", `\|`, "~", `\~`,
)

// Markdown makes s safe as Markdown text and in a table cell: on one line,
// without controls, formatting, links, HTML or a | that would end the cell.
func Markdown(s string) string { return markdownEscaper.Replace(Terminal(s)) }

// MarkdownCode makes s safe inside a backtick code span: one line, no
// controls, no backtick to close it, no | to end a table cell.
func MarkdownCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "¦").Replace(Terminal(s))
}

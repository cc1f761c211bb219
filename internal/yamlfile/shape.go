package yamlfile

import (
	"bytes"

	"github.com/goccy/go-yaml/ast"

	"github.com/steward-sre/steward/internal/i18n"
)

// Limits on what Decode reads. The YAML library's parser needs memory that
// grows with the square of the nesting depth (20,000 nested "[" in a 40 KB
// file take more than a gigabyte, which no recover can catch), so depth and
// size are checked by a cheap scan before the library sees the file.
// steward's own files nest less than ten deep and are a few KiB.
const (
	// MaxBytes is the largest file Decode accepts.
	MaxBytes = 4 << 20
	// MaxDepth is the deepest nesting of lists and mappings, block or flow.
	MaxDepth = 100
	// MaxAliases bounds the *alias references of a file, and MaxValues
	// the values the file holds once every alias is expanded: each alias
	// stands for its anchor's whole value, so ten lines of nested anchors
	// can stand for a billion values, and whoever walks the decoded data
	// (policy params, say) walks them all.
	MaxAliases = 1000
	MaxValues  = 100_000
)

// checkExpanded counts the values of a parsed file as if every alias were
// written out, and refuses a file over MaxValues at the alias that crosses
// it. The count saturates, so it cannot overflow.
func checkExpanded(name string, f *ast.File) error {
	s := sizer{anchors: map[string]int{}}
	for _, d := range f.Docs {
		s.size(d.Body)
		if s.over != nil {
			e := said(name, i18n.Say("yaml.values", MaxValues))
			if tk := s.over.GetToken(); tk != nil && tk.Position != nil {
				e.Line, e.Column = tk.Position.Line, tk.Position.Column
			}
			return e
		}
	}
	return nil
}

type sizer struct {
	anchors map[string]int
	total   int
	over    ast.Node // the node at which the total passed MaxValues
}

func (s *sizer) add(a, b int) int { return min(a+b, MaxValues+1) }

// size is the number of values n stands for, aliases expanded.
func (s *sizer) size(n ast.Node) int {
	if s.over != nil {
		return 0
	}
	v := 1
	switch n := n.(type) {
	case nil:
		return 0
	case *ast.MappingNode:
		for _, kv := range n.Values {
			v = s.add(v, s.size(kv))
		}
	case *ast.MappingValueNode:
		v = s.add(s.size(n.Key), s.size(n.Value))
	case *ast.MappingKeyNode:
		v = s.size(n.Value)
	case *ast.SequenceNode:
		for _, e := range n.Values {
			v = s.add(v, s.size(e))
		}
	case *ast.TagNode:
		v = s.size(n.Value)
	case *ast.AnchorNode:
		v = s.size(n.Value)
		if n.Name != nil && n.Name.GetToken() != nil {
			s.anchors[n.Name.GetToken().Value] = v
		}
	case *ast.AliasNode:
		if n.Value != nil && n.Value.GetToken() != nil {
			if a, ok := s.anchors[n.Value.GetToken().Value]; ok {
				v = a
			}
		}
		// Only an alias adds what is not written in the file.
		s.total = s.add(s.total, v)
		if s.total > MaxValues {
			s.over = n
		}
	}
	return v
}

// checkShape scans data for nesting deeper than maxDepth and for too many
// aliases, without building anything. It follows YAML only as far as
// nesting goes: block collections by the column of their "- ", "? " and
// "key:" indicators, flow collections by their brackets, skipping quoted
// scalars, block scalars and comments. It may count a level too many on odd
// files, never one too few on files the library reads.
func checkShape(name string, data []byte, maxDepth int) error {
	s := shapeScan{maxDepth: maxDepth, blockScalar: -1, lastNode: -1}
	for lineNo := 1; len(data) > 0; lineNo++ {
		// Lines end in \n, \r\n or a lone \r, as the library reads them.
		line := data
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			crlf := data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n'
			line, data = data[:i], data[i+1:]
			if crlf {
				data = data[1:]
			}
		} else {
			data = nil
		}
		s.line = lineNo
		s.scanLine(line)
		if s.err.Key != "" {
			e := said(name, s.err)
			e.Line = lineNo
			return e
		}
	}
	return nil
}

type level struct {
	col int
	seq bool
	// bare is a "- " with nothing after it on its line: the library reads
	// a key on the next line at the same column as the entry's value.
	bare bool
	// tagged is a node that ended its line with only an anchor or a tag:
	// the library reads whatever comes next at the same column as its
	// value.
	tagged bool
}

type shapeScan struct {
	maxDepth int
	line     int
	stack    []level // open block collections
	// flow holds the open flow collections: '[', '{', ':' for a "key:
	// value" pair inside a list, which the library reads as a mapping of
	// its own, and '-' for a "- " entry inside one, read as a list.
	flow  []byte
	quote byte // the quote of a scalar still open at the end of a line
	// blockScalar is the column a block scalar's lines must be indented
	// past, -1 outside one.
	blockScalar int
	aliases     int
	// lastNode is the column of the last scalar that began a block line's
	// value: the library takes a ":" at the start of the next line as
	// making it a key.
	lastNode int
	err      i18n.Phrase
}

func (s *shapeScan) depth() int { return len(s.stack) + len(s.flow) }

func (s *shapeScan) deeper() {
	s.check(0)
}

// check fails the scan when the open levels and extra more are too deep.
func (s *shapeScan) check(extra int) {
	if s.depth()+extra > s.maxDepth && s.err.Key == "" {
		s.err = i18n.Say("yaml.depth", s.maxDepth)
	}
}

func (s *shapeScan) alias() {
	s.aliases++
	if s.aliases > MaxAliases && s.err.Key == "" {
		s.err = i18n.Say("yaml.aliases", MaxAliases)
	}
}

// indent is the column of a line's first character that is not a space;
// YAML forbids tabs there, but the library reads them as spaces.
func indent(line []byte) int {
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return n
}

func blank(line []byte) bool { return len(bytes.TrimSpace(line)) == 0 }

func (s *shapeScan) scanLine(line []byte) {
	if s.blockScalar >= 0 {
		if blank(line) || indent(line) > s.blockScalar {
			return
		}
		s.blockScalar = -1
	}
	pos := 0
	if s.quote != 0 {
		pos = s.skipQuoted(line, 0)
		if s.quote != 0 {
			return
		}
		if len(s.flow) == 0 {
			// The rest of a multi-line quoted scalar's last line holds at
			// most a comment (or a ":" of a quoted key, whose value follows).
			s.afterKey(line, pos)
			return
		}
	}
	if len(s.flow) > 0 {
		s.scanFlow(line, pos)
		return
	}
	pos = indent(line)
	if pos >= len(line) || line[pos] == '#' {
		return
	}
	if pos == 0 {
		switch {
		case line[0] == '%':
			return
		case bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("...")):
			// A document marker; the library reads what follows it on the
			// line as a node even without a space between.
			s.stack = s.stack[:0]
			pos = skipSpace(line, 3)
		}
	}
	// "- " and "? " open block collections ("- - x" opens two), and so does
	// a key; anchors and tags may come before each. "a: b: c" is no valid
	// YAML, but it is counted as the library may read it.
	if pos < len(line) && line[pos] == ':' && (pos+1 == len(line) || sep(line[pos+1])) {
		// The previous line's scalar becomes the key of a mapping of its
		// own, one level deeper than where it stood.
		col := pos
		if s.lastNode >= 0 {
			col = s.lastNode
		}
		s.stack = append(s.stack, level{col: col})
		s.deeper()
		pos = skipSpace(line, pos+1)
	}
	s.lastNode = -1
	for {
		// A node with an anchor or tag starts at the anchor or tag: the
		// library places "!t key:" at the column of "!t".
		start := pos
		pos = skipProps(line, pos)
		if pos >= len(line) {
			if pos > start && len(s.stack) > 0 {
				// "key: !tag" ending the line: the library takes the next
				// line, even at the key's column, as the tagged value.
				s.stack[len(s.stack)-1].tagged = true
			}
			return
		}
		if (line[pos] == '-' || line[pos] == '?') && (pos+1 == len(line) || sep(line[pos+1])) {
			// "- " opens a list, "? " a mapping with a complex key.
			s.push(start, line[pos] == '-')
			pos = skipSpace(line, pos+1)
			if pos >= len(line) {
				s.stack[len(s.stack)-1].bare = true
			}
			continue
		}
		if colon := keyColon(line, pos); colon >= 0 {
			if line[pos] == '*' {
				s.alias()
			}
			s.push(start, false)
			pos = skipSpace(line, colon+1)
			continue
		}
		break
	}
	s.value(line, pos)
}

// afterKey handles what follows a quoted scalar that ended on this line.
func (s *shapeScan) afterKey(line []byte, pos int) {
	pos = skipSpace(line, pos)
	if pos < len(line) && line[pos] == ':' {
		s.value(line, skipSpace(line, pos+1))
	}
}

// push opens a block collection at col, closing those it ends.
func (s *shapeScan) push(col int, seq bool) {
	for n := len(s.stack); n > 0; n = len(s.stack) {
		top := s.stack[n-1]
		s.stack[n-1].bare, s.stack[n-1].tagged = false, false
		if top.col == col && (top.tagged || top.bare && !seq) {
			break
		}
		// A list may sit at its key's column ("key:\n- a"); the next key
		// at that column ends it.
		if top.col > col || (top.col == col && top.seq && !seq) {
			s.stack = s.stack[:n-1]
			continue
		}
		if top.col == col && top.seq == seq {
			return
		}
		break
	}
	s.stack = append(s.stack, level{col: col, seq: seq})
	s.deeper()
}

// value reads a node that starts at pos in block context.
func (s *shapeScan) value(line []byte, pos int) {
	start := pos
	pos = skipProps(line, pos)
	if pos >= len(line) {
		if pos > start && len(s.stack) > 0 {
			s.stack[len(s.stack)-1].tagged = true // as in scanLine
		}
		return
	}
	s.lastNode = pos
	switch line[pos] {
	case '[', '{':
		s.scanFlow(line, pos)
	case '|', '>':
		col := 0
		if n := len(s.stack); n > 0 {
			col = s.stack[n-1].col
		}
		s.blockScalar = col
	case '"', '\'':
		s.quote = line[pos]
		end := s.skipQuoted(line, pos+1)
		if s.quote == 0 {
			s.afterKey(line, end)
		}
	case '*':
		s.alias()
	default:
		s.plainBrackets(line, pos)
	}
}

// plainBrackets counts the brackets of a plain scalar as if they opened
// flow collections, for this line only: the library reads some of them so
// ("!\t0 [[x]]"), and a real plain scalar (a regex, say) is rarely nested
// a hundred deep.
func (s *shapeScan) plainBrackets(line []byte, pos int) {
	open, most := 0, 0
	for ; pos < len(line); pos++ {
		switch c := line[pos]; {
		case c == '[' || c == '{':
			open++
			most = max(most, open)
		case (c == ']' || c == '}') && open > 0:
			open--
		case c == '#' && sep(line[pos-1]):
			pos = len(line)
		}
	}
	s.check(most)
}

// scanFlow counts brackets from pos to the end of the line. Once the
// outermost collection closes, the rest of the line is still scanned so a
// flow key ("[a]: [[...") cannot hide its value.
func (s *shapeScan) scanFlow(line []byte, pos int) {
	for pos < len(line) {
		c := line[pos]
		switch {
		case (c == '"' || c == '\'') && (pos == 0 || bytes.IndexByte([]byte(" \t[{,"), line[pos-1]) >= 0):
			// A quote starts a quoted scalar only where a scalar starts;
			// inside a plain one it is a character like any other.
			s.quote = c
			pos = s.skipQuoted(line, pos+1)
			if s.quote != 0 {
				return
			}
			continue
		case c == '#' && (pos == 0 || line[pos-1] == ' ' || line[pos-1] == '\t'):
			return
		case c == '[' || c == '{':
			s.flow = append(s.flow, c)
			s.deeper()
			if s.err.Key != "" {
				return
			}
		case c == ']' || c == '}' || c == ',':
			for n := len(s.flow); n > 0 && (s.flow[n-1] == ':' || s.flow[n-1] == '-'); n = len(s.flow) {
				s.flow = s.flow[:n-1]
			}
			// A bracket that closes nothing open closes nothing: the
			// library reads "[}" as a list still open.
			if n := len(s.flow); n > 0 && (c == ']' && s.flow[n-1] == '[' || c == '}' && s.flow[n-1] == '{') {
				s.flow = s.flow[:n-1]
			}
		case c == '-' && (pos+1 == len(line) || sep(line[pos+1])) && (pos == 0 || bytes.IndexByte([]byte(" \t[{,"), line[pos-1]) >= 0):
			// The library reads "[- x]" as a list inside the list.
			s.flow = append(s.flow, '-')
			s.deeper()
		case c == ':' && (pos+1 == len(line) || sep(line[pos+1]) || bytes.IndexByte([]byte("[{,]}"), line[pos+1]) >= 0):
			if n := len(s.flow); n > 0 && s.flow[n-1] == '[' {
				s.flow = append(s.flow, ':')
				s.deeper()
			}
		case c == '*' && (pos == 0 || bytes.IndexByte([]byte(" \t[{,:"), line[pos-1]) >= 0):
			s.alias()
		}
		pos++
	}
}

// skipQuoted moves past the quoted scalar whose quote is s.quote, from pos
// (just after the opening quote or at a continued line's start), and
// returns the position after the closing quote; s.quote stays set when the
// scalar goes on to the next line.
func (s *shapeScan) skipQuoted(line []byte, pos int) int {
	for pos < len(line) {
		c := line[pos]
		switch {
		case s.quote == '"' && c == '\\':
			pos += 2
			continue
		case c == s.quote:
			if s.quote == '\'' && pos+1 < len(line) && line[pos+1] == '\'' {
				pos += 2
				continue
			}
			s.quote = 0
			return pos + 1
		}
		pos++
	}
	return pos
}

// keyColon returns the position of the ":" that ends a block mapping key
// starting at pos, or -1 when the node there is not a key.
func keyColon(line []byte, pos int) int {
	switch line[pos] {
	case '[', '{', '|', '>', '&', '!', '#':
		return -1
	case '"', '\'':
		q := line[pos]
		i := pos + 1
		for i < len(line) {
			if q == '"' && line[i] == '\\' {
				i += 2
				continue
			}
			if line[i] == q {
				if q == '\'' && i+1 < len(line) && line[i+1] == '\'' {
					i += 2
					continue
				}
				break
			}
			i++
		}
		i = skipSpace(line, i+1)
		if i < len(line) && line[i] == ':' && (i+1 == len(line) || sep(line[i+1])) {
			return i
		}
		return -1
	}
	for i := pos; i < len(line); i++ {
		switch line[i] {
		case ':':
			if i+1 == len(line) || sep(line[i+1]) {
				return i
			}
		case '#':
			if line[i-1] == ' ' || line[i-1] == '\t' {
				return -1
			}
		}
	}
	return -1
}

// sep reports whether c ends an indicator: a space, a tab, or any other
// control character, as the library reads them.
func sep(c byte) bool { return c <= ' ' }

// skipProps moves past the anchors and tags before a node.
func skipProps(line []byte, pos int) int {
	for pos < len(line) && (line[pos] == '&' || line[pos] == '!') {
		// The library ends a tag at a space only: "!\tx" is one tag.
		for pos < len(line) && line[pos] != ' ' {
			pos++
		}
		pos = skipSpace(line, pos)
	}
	return pos
}

func skipSpace(line []byte, pos int) int {
	for pos < len(line) && (line[pos] == ' ' || line[pos] == '\t') {
		pos++
	}
	return pos
}

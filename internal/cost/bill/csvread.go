package bill

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"unsafe"
)

// csvRecords splits CSV into records exactly as encoding/csv does with
// LazyQuotes, variable field counts and records reused, but without its
// byte-at-a-time field assembly: a line is split with IndexByte, quoted
// fields that close on their line are unquoted in place, and only a
// record whose quoted field runs over several lines is handed to
// encoding/csv itself. Unlike encoding/csv it allocates nothing per
// record: fields point into its buffers and live only until the next
// Read, so a caller that keeps one must copy it.
type csvRecords struct {
	br     *bufio.Reader
	line   int64 // number of the last line read
	start  int64 // line the last record started on
	fields []string
	long   []byte // a line longer than br's buffer, joined
	buf    []byte // unquoted record text
	ends   []int
	// feed hands a multi-line record to encoding/csv one line at a
	// time, so it never reads past the record.
	feed feeder
	sub  *csv.Reader
	// eol is false when the last record ran to the end of the input
	// without ending; open, that it ended inside a quoted field (see Cut).
	// They come last: put before fields, they moved the hot fields' offsets
	// and cost the CURCSV benchmark some 15% of CPU.
	eol, open bool
}

func newCSVRecords(r io.Reader) *csvRecords { return newCSVRecordsSize(r, 1<<20) }

// newCSVRecordsSize buffers size bytes, or uses r as it is when it is a
// bufio.Reader at least that large.
func newCSVRecordsSize(r io.Reader, size int) *csvRecords {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < size {
		br = bufio.NewReaderSize(r, size)
	}
	c := &csvRecords{br: br}
	c.feed.c = c
	return c
}

// readLine reads one raw line, valid until the next call.
func (c *csvRecords) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		c.long = append(c.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = c.br.ReadSlice('\n')
			c.long = append(c.long, line...)
		}
		line = c.long
	}
	if len(line) > 0 {
		c.line++
		c.eol = line[len(line)-1] == '\n'
		if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	return line, err
}

// content is a line as encoding/csv reads it, without its end: it turns
// "\r\n" into "\n" and drops a "\r" just before the end of the input,
// which is one "\r" before the end either way.
func content(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// Read returns the next record; its slice and its fields are valid only
// until the next call.
func (c *csvRecords) Read() ([]string, error) {
	for {
		raw, err := c.readLine()
		if len(raw) == 0 {
			if err == nil {
				err = io.EOF
			}
			return nil, err
		}
		if err != nil {
			return nil, err
		}
		c.start = c.line
		c.open = false
		line := content(raw)
		if len(line) == 0 {
			continue // encoding/csv skips empty lines
		}
		if bytes.IndexByte(line, '"') < 0 {
			return c.split(line), nil
		}
		if rec, ok := c.splitQuoted(line); ok {
			return rec, nil
		}
		return c.readMultiLine(raw)
	}
}

// Pos is the line the last record started on.
func (c *csvRecords) Pos() int64 { return c.start }

// Cut reports whether the last record may have been cut short: it ran to
// the end of the input without a line ending, or inside a quoted field.
// open says whether it ended inside a quoted field, which a complete
// record never does. A file whose last record is cut and has the wrong
// number of fields or an open quote was truncated (a copy or a download
// that stopped).
func (c *csvRecords) Cut() (cut, open bool) { return !c.eol, !c.eol && c.open }

// split cuts a line without quotes at every comma; line is not empty.
func (c *csvRecords) split(line []byte) []string {
	s := unsafe.String(&line[0], len(line))
	c.fields = c.fields[:0]
	for {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			c.fields = append(c.fields, s)
			return c.fields
		}
		c.fields = append(c.fields, s[:i])
		s = s[i+1:]
	}
}

// splitQuoted reads a line whose quoted fields all close on it, as
// encoding/csv does with LazyQuotes: a field that starts with a quote
// runs to a quote followed by a comma or the end of the line, "" is a
// quote, and any other quote is kept as it is. line is without its end
// (see content). It reports false when a quoted field runs on past the
// line.
func (c *csvRecords) splitQuoted(line []byte) ([]string, bool) {
	c.buf, c.ends = c.buf[:0], c.ends[:0]
	rest := line
	for {
		if len(rest) == 0 || rest[0] != '"' {
			i := bytes.IndexByte(rest, ',')
			if i < 0 {
				c.buf = append(c.buf, rest...)
				c.ends = append(c.ends, len(c.buf))
				break
			}
			c.buf = append(c.buf, rest[:i]...)
			c.ends = append(c.ends, len(c.buf))
			rest = rest[i+1:]
			continue
		}
		rest = rest[1:]
		for {
			i := bytes.IndexByte(rest, '"')
			if i < 0 {
				return nil, false // the field goes on to the next line
			}
			c.buf = append(c.buf, rest[:i]...)
			rest = rest[i+1:]
			switch {
			case len(rest) > 0 && rest[0] == '"':
				c.buf = append(c.buf, '"')
				rest = rest[1:]
				continue
			case len(rest) > 0 && rest[0] == ',':
				rest = rest[1:]
			case len(rest) == 0:
				c.ends = append(c.ends, len(c.buf))
				return c.record(), true
			default:
				c.buf = append(c.buf, '"') // a bare quote, kept
				continue
			}
			break
		}
		c.ends = append(c.ends, len(c.buf))
	}
	return c.record(), true
}

func (c *csvRecords) record() []string {
	s := ""
	if len(c.buf) > 0 {
		s = unsafe.String(&c.buf[0], len(c.buf))
	}
	c.fields = c.fields[:0]
	start := 0
	for _, end := range c.ends {
		c.fields = append(c.fields, s[start:end])
		start = end
	}
	return c.fields
}

// readMultiLine has encoding/csv read the record that starts with line.
func (c *csvRecords) readMultiLine(line []byte) ([]string, error) {
	c.feed.pending = append(c.feed.pending[:0], line...)
	c.feed.raw = append(c.feed.raw[:0], line...)
	if c.sub == nil {
		c.sub = csv.NewReader(&c.feed)
		c.sub.FieldsPerRecord = -1
		c.sub.LazyQuotes = true
		c.sub.ReuseRecord = true
	}
	rec, err := c.sub.Read()
	if err != nil {
		return nil, err
	}
	c.fields = append(c.fields[:0], rec...)
	if c.feed.err != nil {
		// The record ran to the end of the input: encoding/csv ends an
		// open quoted field there without a word.
		c.eol, c.open = false, openQuote(c.feed.raw)
	}
	return c.fields, nil
}

// openQuote reports whether raw, a record's text up to the end of the
// input, ends inside a quoted field, as encoding/csv with LazyQuotes reads
// it. It asks encoding/csv itself: in an open quoted field a line ending
// is text, so adding one changes the record; after a closed field it only
// ends the record. Only the last record of a file is ever asked.
func openQuote(raw []byte) bool {
	read := func(s []byte) []string {
		r := csv.NewReader(bytes.NewReader(s))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		rec, err := r.Read()
		if err != nil {
			return nil
		}
		return rec
	}
	return !slices.Equal(read(raw), read(append(slices.Clip(raw), '\n')))
}

// feeder gives encoding/csv the rest of a record: the line already read,
// then one line per Read, so what it buffers is never past the record.
type feeder struct {
	c       *csvRecords
	pending []byte
	// raw is the whole record's text, so openQuote can read it again.
	raw []byte
	err error
}

func (f *feeder) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		line, err := f.c.br.ReadSlice('\n')
		if len(line) > 0 && (line[len(line)-1] == '\n' || err != nil && !errors.Is(err, bufio.ErrBufferFull)) {
			f.c.line++ // a line ends here, or the input does
		}
		f.pending = append(f.pending[:0], line...)
		f.raw = append(f.raw, line...)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			f.err = err
		}
		if len(f.pending) == 0 {
			return 0, f.err
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// Package snapshot owns steward's saved scan files: a scan written as JSON
// Lines (optionally gzipped) so it can be kept, shared, diffed in git and
// read back later as a Source, with the original scan's coverage.
//
// The format, one JSON object per line:
//
//	{"steward_scan": 1, "scan": {...inventory.Scan...}}
//	{"resource": {...inventory.Resource...}}          one per resource
//	{"end": {"resources": N}}
//
// The end line makes a file cut anywhere, even at a line boundary, an error
// instead of a smaller estate. The package knows the inventory model and
// nothing of AWS, policies or the store.
package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/objstore"
	"github.com/steward-sre/steward/internal/quote"
)

// Version is the format version steward writes and the newest it reads.
const Version = 1

// preallocMax bounds the resources a reader makes room for from the
// header's count alone.
const preallocMax = 1 << 22

// MaxLine is the longest line a reader accepts; a resource is a few KiB.
const MaxLine = 16 << 20

type header struct {
	StewardScan int             `json:"steward_scan"`
	Scan        *inventory.Scan `json:"scan"`
}

type entry struct {
	Resource *inventory.Resource `json:"resource,omitempty"`
	End      *end                `json:"end,omitempty"`
}

type end struct {
	Resources *int `json:"resources"`
}

// Write writes a scan and its resources, sorted by ARN so two saves of one
// estate differ only where the estate does. It refuses resources that
// would not read back (invalid or duplicate), so every file it writes is one
// Read accepts. The scan's resource count is written as len(rs).
func Write(w io.Writer, scan *inventory.Scan, rs []inventory.Resource) error {
	if scan == nil {
		return errors.New("write scan file: scan is nil")
	}
	if scan.ID == "" {
		return errors.New("write scan file: scan id is empty")
	}
	if scan.Started.IsZero() {
		return fmt.Errorf("write scan file: scan %s: started time is zero", scan.ID)
	}
	for i := range rs {
		if err := rs[i].Validate(); err != nil {
			return fmt.Errorf("write scan file: resources[%d]: %w", i, err)
		}
	}
	if err := inventory.CheckUnique(rs); err != nil {
		return fmt.Errorf("write scan file: %w", err)
	}
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return rs[order[a]].ARN < rs[order[b]].ARN })

	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	sc := *scan
	sc.Resources = len(rs)
	if sc.Coverage == nil {
		sc.Coverage = []inventory.Coverage{}
	}
	if err := enc.Encode(header{StewardScan: Version, Scan: &sc}); err != nil {
		return fmt.Errorf("write scan file: header: %w", err)
	}
	for _, i := range order {
		if err := enc.Encode(entry{Resource: &rs[i]}); err != nil {
			return fmt.Errorf("write scan file: resource %s: %w", rs[i].ARN, err)
		}
	}
	n := len(rs)
	if err := enc.Encode(entry{End: &end{Resources: &n}}); err != nil {
		return fmt.Errorf("write scan file: end: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write scan file: %w", err)
	}
	return nil
}

// WriteFile writes a scan file, gzipped when the path ends in .gz. It
// writes a temporary file beside the target and renames it into place, so
// a reader never sees half a file under the real name.
func WriteFile(path string, scan *inventory.Scan, rs []inventory.Resource) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	var zw *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		zw = gzip.NewWriter(tmp)
		w = zw
	}
	if err := Write(w, scan, rs); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("write %s: gzip: %w", path, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Error is a problem in a scan file, at a line when Line > 0.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ReadFile reads a scan file, gunzipping it when the path ends in .gz. It
// reads at most maxBytes (objstore.DefaultMaxBytes when 0), counted after
// decompression, and gives way to ctx even while blocked on a FIFO.
func ReadFile(ctx context.Context, path string, maxBytes int64) (*inventory.Scan, []inventory.Resource, error) {
	f, err := objstore.Open(ctx, path)
	if err != nil {
		return nil, nil, fmt.Errorf("read scan file: %w", err)
	}
	defer f.Close()
	r := objstore.Limit(objstore.Context(ctx, f), path, maxBytes)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("read %s: %w", path, ctx.Err())
			}
			return nil, nil, &Error{File: path, Msg: fmt.Sprintf("not a gzip file (the name ends in .gz): %v", err)}
		}
		defer zr.Close()
		r = objstore.Limit(zr, path+" (decompressed)", maxBytes)
	}
	return read(ctx, r, path, runtime.GOMAXPROCS(0))
}

// Read reads a scan file from r; name is what errors call it. It returns
// the whole scan or an error, never part of one.
func Read(r io.Reader, name string) (*inventory.Scan, []inventory.Resource, error) {
	return read(context.Background(), r, name, runtime.GOMAXPROCS(0))
}

// read decodes on workers goroutines.
func read(ctx context.Context, r io.Reader, name string, workers int) (*inventory.Scan, []inventory.Resource, error) {
	er := &errReader{r: r}
	sc := bufio.NewScanner(er)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	// fail reports a bad line. readErr is the reader's first error as of
	// that line: the scanner hands over the piece of line before a read
	// error, and a stream cut short is the real problem, not that piece.
	fail := func(readErr error, line int, format string, args ...any) (*inventory.Scan, []inventory.Resource, error) {
		if errors.Is(readErr, io.ErrUnexpectedEOF) {
			return nil, nil, &Error{File: name, Msg: fmt.Sprintf("file is truncated: the compressed stream ends early, in line %d", line)}
		}
		// Likewise a file refused as too large, or a read interrupted.
		var tl *objstore.TooLargeError
		if errors.As(readErr, &tl) {
			return nil, nil, readErr
		}
		if errors.Is(readErr, context.Canceled) || errors.Is(readErr, context.DeadlineExceeded) {
			return nil, nil, fmt.Errorf("read %s: %w", name, readErr)
		}
		return nil, nil, &Error{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	// scanEnd reports what stopped the scanner before the file's end, or
	// nil when it reached the end.
	scanEnd := func(err, readErr error, line int) (*inventory.Scan, []inventory.Resource, error) {
		var tl *objstore.TooLargeError
		switch {
		case errors.As(err, &tl):
			return nil, nil, err
		case errors.Is(err, bufio.ErrTooLong):
			return fail(readErr, line+1, "line longer than %d MiB", MaxLine>>20)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fail(readErr, line+1, "")
		}
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}

	// The first line, the header, is read here; the resource lines after
	// it are decoded by a pool of workers (decoding is most of reading a
	// big file) and checked here in the file's order, so the first bad
	// line reported is the one a reader in one goroutine would report.
	line := 0
	var scan *inventory.Scan
	for scan == nil && sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		h, msg := parseHeader(text)
		if msg != "" {
			return fail(er.err, line, "%s", msg)
		}
		scan = h
	}
	if scan == nil {
		if err := sc.Err(); err != nil {
			return scanEnd(err, er.err, line)
		}
		return fail(er.err, 0, `empty file (want a first line {"steward_scan": %d, "scan": {...}})`, Version)
	}
	var rs []inventory.Resource
	// The header says how many resources follow: one allocation instead
	// of growing a slice of a million resources by copies (which holds
	// old and new at once). A header that lies costs address space only,
	// never touched, and at most preallocMax resources' worth.
	if n := scan.Resources; n > 0 {
		rs = make([]inventory.Resource, 0, min(n, preallocMax))
	}

	stop := make(chan struct{})
	defer close(stop)
	batches := decodeLines(sc, er, line, workers, stop)
	var (
		// index finds a resource by ARN, for duplicates and relation
		// targets; lines is the line of each resource, for messages.
		index   = map[string]int{}
		lines   []int
		endLine int
		// in shares the strings the file's resources repeat.
		in   inventory.Interner
		last *batch
	)
	for b := range batches {
		<-b.done
		last = b
		for i := range b.lines {
			d := &b.lines[i]
			line = d.line
			if line%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, nil, fmt.Errorf("read %s: %w", name, err)
				}
			}
			if endLine > 0 {
				return fail(b.readErr, line, "data after the end line (line %d)", endLine)
			}
			if d.msg != "" {
				return fail(b.readErr, line, "%s", d.msg)
			}
			e := &d.e
			switch {
			case e.Resource != nil && e.End != nil:
				return fail(b.readErr, line, `a line holds either "resource" or "end", not both`)
			case e.Resource != nil:
				res := e.Resource
				if d.invalid != nil {
					return fail(b.readErr, line, "resource: %v", d.invalid)
				}
				// A value of the wrong kind ("yes" for a bool) would make
				// every policy reading it quietly not match.
				if d.badAttrs != nil {
					return fail(b.readErr, line, "resource %s: %v (see the attribute table of %s)", quote.Clip(res.ARN), d.badAttrs, res.Type)
				}
				if i, dup := index[res.ARN]; dup {
					return fail(b.readErr, line, "duplicate ARN %s (first on line %d)", quote.Clip(res.ARN), lines[i])
				}
				in.Resource(res)
				index[res.ARN] = len(rs)
				lines = append(lines, line)
				rs = append(rs, *res)
			case e.End != nil:
				if e.End.Resources == nil {
					return fail(b.readErr, line, `end line: "resources" is missing (want {"end": {"resources": N}})`)
				}
				if n := *e.End.Resources; n != len(rs) {
					return fail(b.readErr, line, "end line says %d resources, found %d: the file is damaged", n, len(rs))
				}
				endLine = line
			default:
				return fail(b.readErr, line, `expected {"resource": {...}} or {"end": {...}}`)
			}
		}
		b.lines = nil // its resources are copied into rs
	}
	if last != nil {
		line = last.lastLine
		if last.scanErr != nil {
			return scanEnd(last.scanErr, last.readErr, line)
		}
	}
	switch {
	case endLine == 0:
		return fail(nil, 0, "file is truncated: expected %d resources, found %d, and no end line", scan.Resources, len(rs))
	case scan.Resources != len(rs):
		return fail(nil, 1, "scan.resources says %d, the file has %d", scan.Resources, len(rs))
	}
	if rs == nil {
		rs = []inventory.Resource{}
	}
	in.Compact(rs)
	// A relation target that names a resource of the file is that
	// resource's ARN, not a copy of its own.
	in.ShareTargets(rs, func(arn string) (int, bool) {
		k, ok := index[arn]
		return k, ok
	})
	return scan, rs, nil
}

// A batch is a run of a file's lines, decoded by a worker.
type batch struct {
	lines []decoded
	buf   []byte // the lines' bytes
	// lastLine is the number of the last line the scanner read into this
	// batch, blank ones included.
	lastLine int
	// readErr is the reader's first error as of the batch's last line;
	// scanErr, on the last batch only, is what stopped the scanner before
	// the end of the file.
	readErr, scanErr error
	done             chan struct{}
}

// decoded is one line as a worker left it: the entry, or why it is not
// one, and what is wrong with its resource, checked on its own.
type decoded struct {
	line     int
	text     []byte
	e        entry
	msg      string
	invalid  error // Resource.Validate
	badAttrs error // inventory.CheckAttrs
}

const batchLines = 256

// decodeLines reads the scanner's remaining lines (after line) into
// batches, decodes them on workers goroutines, and sends each batch, in
// the file's order, on the channel it returns, which it closes after the
// last. A receiver waits on a batch's done before reading it. Closing stop
// makes the reader and the workers give up.
func decodeLines(sc *bufio.Scanner, er *errReader, line, workers int, stop <-chan struct{}) <-chan *batch {
	workers = max(1, workers)
	// ordered holds the batches in flight in the file's order; its size
	// bounds the memory read ahead.
	ordered := make(chan *batch, 2*workers)
	work := make(chan *batch, 2*workers)
	for range workers {
		go func() {
			for b := range work {
				for i := range b.lines {
					b.lines[i].decode()
				}
				b.buf = nil
				close(b.done)
			}
		}()
	}
	go func() {
		defer close(ordered)
		defer close(work)
		send := func(b *batch) bool {
			b.readErr = er.err
			select {
			case ordered <- b:
			case <-stop:
				return false
			}
			select {
			case work <- b:
			case <-stop:
				return false
			}
			return true
		}
		b := &batch{lastLine: line, done: make(chan struct{})}
		for sc.Scan() {
			line++
			b.lastLine = line
			text := bytes.TrimSpace(sc.Bytes())
			if len(text) == 0 {
				continue
			}
			// One buffer a batch holds its lines' bytes: the scanner's
			// is reused for the next line.
			at := len(b.buf)
			b.buf = append(b.buf, text...)
			b.lines = append(b.lines, decoded{line: line, text: b.buf[at:len(b.buf):len(b.buf)]})
			if len(b.lines) == batchLines {
				size := len(b.buf)
				if !send(b) {
					return
				}
				b = &batch{lastLine: line, done: make(chan struct{}), buf: make([]byte, 0, size+size/4)}
			}
		}
		b.scanErr = sc.Err()
		send(b)
	}()
	return ordered
}

func (d *decoded) decode() {
	if d.msg = decodeStrict(d.text, &d.e); d.msg != "" {
		return
	}
	d.text = nil
	if res := d.e.Resource; res != nil && d.e.End == nil {
		if d.invalid = res.Validate(); d.invalid == nil {
			d.badAttrs = inventory.CheckAttrs(res)
		}
	}
}

// errReader remembers the first error of the reader under the scanner.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// parseHeader reads the first line. The version is read on its own first:
// a newer file may hold fields this steward does not know, and saying
// "upgrade" is more useful than naming the unknown field.
func parseHeader(text []byte) (*inventory.Scan, string) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(text, &probe); err != nil {
		return nil, fmt.Sprintf(`not a steward scan file: the first line must be {"steward_scan": %d, "scan": {...}}: %v`, Version, err)
	}
	raw, ok := probe["steward_scan"]
	if !ok {
		return nil, fmt.Sprintf(`not a steward scan file: "steward_scan" is missing from the first line (want {"steward_scan": %d, "scan": {...}})`, Version)
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Sprintf(`"steward_scan" must be a whole number (the format version), got %s`, raw)
	}
	if v > Version {
		return nil, fmt.Sprintf("format version %d is newer than this steward reads (%d): upgrade steward", v, Version)
	}
	if v < 1 {
		return nil, fmt.Sprintf(`"steward_scan" is %d, want %d`, v, Version)
	}
	var h header
	if msg := decodeStrict(text, &h); msg != "" {
		return nil, msg
	}
	switch {
	case h.Scan == nil:
		return nil, `"scan" is missing from the first line`
	case h.Scan.ID == "":
		return nil, "scan.id is empty"
	case h.Scan.Started.IsZero():
		return nil, `scan.started is missing (want an RFC 3339 time, like "2025-01-06T09:00:00Z")`
	case h.Scan.Resources < 0:
		return nil, fmt.Sprintf("scan.resources is %d, want 0 or more", h.Scan.Resources)
	}
	if h.Scan.Coverage == nil {
		// Written as [], read as []: a file means the same after a round trip.
		h.Scan.Coverage = []inventory.Coverage{}
	}
	return h.Scan, ""
}

// decodeStrict decodes one JSON value, rejecting unknown fields and
// anything after the value, and returns a message for the user.
func decodeStrict(text []byte, v any) string {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return "invalid JSON: " + err.Error()
	}
	if dec.InputOffset() != int64(len(text)) {
		return "invalid JSON: more than one value on the line"
	}
	return ""
}

// source reads a saved scan file as if it were the estate.
type source struct {
	path     string
	maxBytes int64
}

// NewSource returns a Source that reads a saved scan file (gzipped when the
// path ends in .gz) of at most maxBytes (0: objstore.DefaultMaxBytes). Its
// collection has the file's resources and the original scan's coverage
// rows; API calls are empty, as for any offline source.
func NewSource(path string, maxBytes int64) inventory.Source {
	return source{path: path, maxBytes: maxBytes}
}

func (s source) Name() string { return "file:" + s.path }

func (s source) Collect(ctx context.Context, p inventory.Progress) (*inventory.Collection, error) {
	if p == nil {
		p = inventory.NoProgress{}
	}
	p.Update(0, 1, 0, 0)
	scan, rs, err := ReadFile(ctx, s.path, s.maxBytes)
	if err != nil {
		p.Update(1, 1, 0, 1)
		return nil, err
	}
	p.Update(1, 1, 0, 0)
	cov := scan.Coverage
	if cov == nil {
		cov = []inventory.Coverage{}
	}
	return &inventory.Collection{Resources: rs, Coverage: cov}, nil
}

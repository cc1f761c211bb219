package bill

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/money"
)

// BadRow is a line that could not be read; the rest of the file still is.
type BadRow struct {
	File   string `json:"file"`
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
}

func (b BadRow) String() string { return fmt.Sprintf("%s:%d: %s", b.File, b.Line, b.Reason) }

// FileStats is what one file contributed.
type FileStats struct {
	Name    string `json:"name"`
	Format  Format `json:"format"`
	Lines   int64  `json:"lines"`
	Skipped int64  `json:"skipped"`
	// BadTags counts lines kept as untagged: their cost was readable,
	// their tags were not.
	BadTags int64        `json:"bad_tags"`
	Billed  money.Amount `json:"billed"`
	// BadRows are the file's first skipped lines, so a refused ingest
	// can say why for each file.
	BadRows []BadRow `json:"bad_rows,omitempty"`
}

// Stats sums an ingest: lines read and skipped, the billed total of what
// was read and of what was skipped (where its cost could be read), and
// the first bad rows.
type Stats struct {
	Files   []FileStats `json:"files"`
	Lines   int64       `json:"lines"`
	Skipped int64       `json:"skipped"`
	// SkippedBilled is the billed cost of skipped lines whose cost parsed
	// (a bad date); lines with a bad cost cannot say what they were worth.
	SkippedBilled money.Amount `json:"skipped_billed"`
	Billed        money.Amount `json:"billed"`
	BadRows       []BadRow     `json:"bad_rows,omitempty"`
	// BadTags counts lines whose tags could not be read, kept as
	// untagged rather than dropped (their spend is real); BadTagRows are
	// the first of them.
	BadTags    int64    `json:"bad_tags"`
	BadTagRows []BadRow `json:"bad_tag_rows,omitempty"`
	// EffectiveFromBilled counts usage lines whose EffectiveCost was
	// missing or zero with no commitment discount, where billed cost was
	// used as the amortised cost (the FOCUS sample has many).
	EffectiveFromBilled int64 `json:"effective_from_billed"`
}

// MaxBadRows is how many bad rows Stats keeps to show, maxFileBadRows
// how many FileStats keeps.
const (
	MaxBadRows     = 10
	maxFileBadRows = 3
)

// aggKey is a rollup's key: its class (see keyClass), by pointer, with
// what lines do not share.
type aggKey struct {
	cls      *keyClass
	day      int32
	resource string
	rname    string
}

type aggVal struct {
	billed, effective money.Amount
	lines             int64
}

// Aggregator rolls billing lines up as they stream past. Its memory
// grows with the number of distinct rollup keys (days x resources x usage
// types x tag sets), never with the number of lines.
type Aggregator struct {
	source string
	m      map[aggKey]*aggVal
	stats  Stats
	// tagCache maps a raw tag cell to its canonical form; exports repeat
	// the same few tag sets on every line.
	tagCache map[string]Tags
	// The last payer's source and the last month's period name: both are
	// the same for long runs of lines, so each line need not build them.
	lastPayer, lastSource string
	lastY, lastM          int
	lastPeriod            string
	// tagKey is a scratch buffer for legacy CUR tag cells, joined.
	tagKey []byte
	// classes are the shared classes of the file being read by their
	// texts, entries its lines by their whole keys (see lineclass.go);
	// keys holds one copy of each keyClass. keyBuf and scratch are
	// buffers for building and decoding a key.
	classes map[string]*lineClass
	entries map[string]*lineEntry
	keys    map[keyClass]*keyClass
	// lineOn says whether the whole-line cache is in use; lineCheck
	// counts down the lines to the next look at whether it should be,
	// linesIn the lines read since the last spill.
	lineOn       bool
	lineCheck    int
	linesIn      int
	scratchEntry lineEntry
	// The last charge start read, as its text and its day.
	lastDayText string
	lastDay     int32
	lastDayOK   bool
	// interned are the texts of intern.
	interned map[string]string
	keyBuf   []byte
	scratch  []string
	// spillAt is how many rollups are held before they are written as a
	// sorted run (see runs.go); zero holds them all. gen counts the runs,
	// so a class knows its rollup was written out.
	spillAt  int
	spillErr error
	// tune bounds the caches and sets the Parquet workers.
	tune tuning
	runs *runs
	gen  int
}

// NewAggregator starts an aggregation. source names where the bill comes
// from; empty means "payer:<payer account>" per line (or "bill" when the
// export has no payer column), so two payers never replace each other.
func NewAggregator(source string) *Aggregator {
	return &Aggregator{source: source, m: make(map[aggKey]*aggVal), tagCache: make(map[string]Tags),
		classes: make(map[string]*lineClass), entries: make(map[string]*lineEntry), tune: defaultTuning()}
}

// Stats returns the running totals.
func (a *Aggregator) Stats() Stats { return a.stats }

// Len is the number of distinct rollups so far.
func (a *Aggregator) Len() int { return len(a.m) }

// Batch is the rollups of one source and billing period: the unit that
// a store replaces as a whole.
type Batch struct {
	Source  string
	Period  string
	Rollups []Rollup
}

// Check refuses a batch holding a rollup of another source or period.
func (b Batch) Check() error {
	for i, r := range b.Rollups {
		if r.Source != b.Source || r.Period != b.Period {
			return fmt.Errorf("replace %s %s: row %d belongs to %s %s", b.Source, b.Period, i, r.Source, r.Period)
		}
	}
	return nil
}

// Batches returns the rollups grouped by source and period, sorted, all
// in memory: for tests and small bills (Ingest streams them, see Sorted).
func (a *Aggregator) Batches() []Batch {
	var out []Batch
	err := a.Sorted(context.Background(), func(r *Rollup) error {
		if n := len(out); n == 0 || out[n-1].Source != r.Source || out[n-1].Period != r.Period {
			out = append(out, Batch{Source: r.Source, Period: r.Period})
		}
		b := &out[len(out)-1]
		b.Rollups = append(b.Rollups, *r)
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("cost: batches of the rollups in memory: %v", err)) // only runs can fail
	}
	return out
}

// SortRollups orders rollups by day, account, service, usage type,
// resource, tags and kind, so output and tests are stable.
func SortRollups(rs []Rollup) {
	slices.SortFunc(rs, func(x, y Rollup) int {
		return cmp.Or(x.Day.Compare(y.Day), cmp.Compare(x.Source, y.Source), cmp.Compare(x.Account, y.Account),
			cmp.Compare(x.Service, y.Service), cmp.Compare(x.UsageType, y.UsageType),
			cmp.Compare(x.Resource, y.Resource), cmp.Compare(x.Tags, y.Tags), cmp.Compare(x.Kind, y.Kind),
			cmp.Compare(x.Region, y.Region), cmp.Compare(x.Currency, y.Currency))
	})
}

func (a *Aggregator) bad(fs *FileStats, line int64, reason string) {
	fs.Skipped++
	a.stats.Skipped++
	if len(a.stats.BadRows) < MaxBadRows {
		a.stats.BadRows = append(a.stats.BadRows, BadRow{File: fs.Name, Line: line, Reason: reason})
	}
	if len(fs.BadRows) < maxFileBadRows {
		fs.BadRows = append(fs.BadRows, BadRow{File: fs.Name, Line: line, Reason: reason})
	}
}

// badTags counts a line kept as untagged because its tags cannot be read.
func (a *Aggregator) badTags(fs *FileStats, line int64, reason string) {
	fs.BadTags++
	a.stats.BadTags++
	if len(a.stats.BadTagRows) < MaxBadRows {
		a.stats.BadTagRows = append(a.stats.BadTagRows, BadRow{File: fs.Name, Line: line, Reason: reason})
	}
}

func isNull(s string) bool { return s == "" || s == "NULL" || s == "null" || s == "\\N" }

// add rolls one line up: its class (see entryOf) says what its text
// fields do, get and amountAt give its amounts (amountAt, when not nil, gives
// amounts a reader already holds as numbers, such as Parquet decimals,
// so they need no text round trip). A line that cannot be read is
// counted as bad, with the first reason in the order the fields are read:
// billed cost, dates, effective cost. A line whose tags cannot be read is
// kept as untagged and counted apart: dropping it would drop real spend.
func (a *Aggregator) add(fs *FileStats, c *columns, lineNo int64, e *lineEntry, get func(int) string, amountAt func(int) (money.Amount, bool)) {
	amount := func(f field) (money.Amount, bool, error) {
		i := c.idx[f]
		if i < 0 {
			return money.Amount{}, false, nil
		}
		if amountAt != nil {
			if m, ok := amountAt(i); ok {
				return m, true, nil
			}
		}
		s := get(i)
		if isNull(s) {
			return money.Amount{}, false, nil
		}
		m, err := money.Parse(s)
		if err != nil {
			return money.Amount{}, false, fmt.Errorf("%s %q is not a number", c.name(f), truncate(s, 40))
		}
		return m, true, nil
	}
	fs.Lines++
	a.stats.Lines++
	billed, _, err := amount(fBilled)
	if err != nil {
		a.bad(fs, lineNo, err.Error())
		return
	}
	cl := e.cl
	if bad := cmp.Or(e.bad, cl.bad); bad != "" {
		a.bad(fs, lineNo, bad)
		a.stats.SkippedBilled = a.stats.SkippedBilled.Add(billed)
		return
	}
	effective, err := a.effective(c, cl, billed, amount)
	if err != nil {
		a.bad(fs, lineNo, err.Error())
		a.stats.SkippedBilled = a.stats.SkippedBilled.Add(billed)
		return
	}
	if cl.tagErr != "" {
		a.badTags(fs, lineNo, cl.tagErr)
	}
	v := e.val
	if v == nil || e.gen != a.gen {
		k := aggKey{cls: cl.key, day: e.day, resource: e.resource, rname: e.rname}
		v = a.m[k]
		if v == nil {
			// The entry's texts may be the reader's, reused after this line.
			k.resource, k.rname = strings.Clone(k.resource), strings.Clone(k.rname)
			v = &aggVal{}
			a.m[k] = v
		}
		e.val, e.gen = v, a.gen
	}
	v.billed = v.billed.Add(billed)
	v.effective = v.effective.Add(effective)
	v.lines++
	fs.Billed = fs.Billed.Add(billed)
	a.stats.Billed = a.stats.Billed.Add(billed)
	if a.spillAt > 0 && len(a.m) >= a.spillAt {
		a.maybeSpill()
	}
}

func (a *Aggregator) period(y, m int) string {
	if y != a.lastY || m != a.lastM || a.lastPeriod == "" {
		a.lastY, a.lastM, a.lastPeriod = y, m, periodString(y, m)
	}
	return a.lastPeriod
}

func (c *columns) name(f field) string {
	if c.names[f] != "" {
		return c.names[f]
	}
	for _, l := range layouts {
		if l.format == c.format || (c.format == FOCUS11 || c.format == FOCUS12) && l.format == FOCUS10 {
			if n := l.names[f]; len(n) > 0 {
				return n[0]
			}
		}
	}
	return fieldNames[f]
}

// effective is the amortised cost of a line. FOCUS carries it; CUR spreads
// commitments over covered usage, so covered lines take the commitment's
// effective cost and the fees and negations that pay for it count zero.
func (a *Aggregator) effective(c *columns, cl *lineClass, billed money.Amount, amount func(field) (money.Amount, bool, error)) (money.Amount, error) {
	switch c.format {
	case CUR2, CURLegacy:
		switch cl.cat {
		case "SavingsPlanCoveredUsage":
			m, _, err := amount(fSPEffective)
			return m, err
		case "DiscountedUsage":
			m, _, err := amount(fRIEffective)
			return m, err
		case "SavingsPlanNegation", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "RIFee":
			return money.Amount{}, nil
		}
		return billed, nil
	}
	m, ok, err := amount(fEffective)
	if err != nil {
		return money.Amount{}, err
	}
	if cl.key.kind == KindUsage && (!ok || m.IsZero()) && !billed.IsZero() && !cl.commitment {
		a.stats.EffectiveFromBilled++
		return billed, nil
	}
	if !ok {
		return billed, nil
	}
	return m, nil
}

// tags reads the tag cell (FOCUS Tags, CUR 2.0 resource_tags) or the
// per-key columns (legacy CUR) of a CSV record.
func (a *Aggregator) csvTags(c *columns, rec []string) (Tags, error) {
	if len(c.tagCols) > 0 {
		// Lines repeat a few tag sets: key the cache by the cells, each
		// length-prefixed so no two rows share a key, and a line costs a
		// map lookup rather than a canonical encoding.
		a.tagKey = append(a.tagKey[:0], "legacy:"...)
		for _, tc := range c.tagCols {
			cell := ""
			if tc.idx < len(rec) {
				cell = rec[tc.idx]
			}
			a.tagKey = binary.AppendUvarint(a.tagKey, uint64(len(cell)))
			a.tagKey = append(a.tagKey, cell...)
		}
		if t, ok := a.tagCache[string(a.tagKey)]; ok {
			return t, nil
		}
		var m map[string]string
		for _, tc := range c.tagCols {
			if tc.idx < len(rec) && !isNull(rec[tc.idx]) {
				if m == nil {
					m = map[string]string{}
				}
				m[tc.key] = rec[tc.idx]
			}
		}
		t := MakeTags(m)
		a.cacheTags(string(a.tagKey), t)
		return t, nil
	}
	i := c.idx[fTags]
	if i < 0 || i >= len(rec) || isNull(rec[i]) || rec[i] == "{}" {
		return "", nil
	}
	return a.tagJSON(c, rec[i])
}

func (a *Aggregator) tagJSON(c *columns, raw string) (Tags, error) {
	if t, ok := a.tagCache[raw]; ok {
		return t, nil
	}
	m, err := parseTagJSON(raw)
	if err != nil {
		return "", err
	}
	if c.tagStrip != "" {
		for k, v := range m {
			if s, ok := strings.CutPrefix(k, c.tagStrip); ok {
				delete(m, k)
				m[s] = v
			}
		}
	}
	t := MakeTags(m)
	a.cacheTags(raw, t)
	return t, nil
}

// cacheTags remembers a tag cell's canonical form, forgetting all when
// the cache grows past a bound so memory stays flat.
func (a *Aggregator) cacheTags(raw string, t Tags) {
	if len(a.tagCache) > 100_000 {
		clear(a.tagCache)
	}
	a.tagCache[strings.Clone(raw)] = t // raw may be the reader's
}

// ReadCSV aggregates one CSV export (already decompressed). A header that
// is no known format is an error naming the missing columns; bad lines are
// counted and skipped. With more than one core, one goroutine splits
// lines, joins their line keys and reads their amounts while this one
// finds each line's class and rolls it up: the two halves cost about the
// same.
func (a *Aggregator) ReadCSV(ctx context.Context, name string, r io.Reader) (FileStats, error) {
	return a.readCSV(ctx, name, r, runtime.GOMAXPROCS(0) > 1)
}

func (a *Aggregator) readCSV(ctx context.Context, name string, r io.Reader, piped bool) (FileStats, error) {
	fs := FileStats{Name: name}
	cr := newCSVRecords(r)
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fs, fmt.Errorf("%s: empty file, expected a FOCUS or CUR header", name)
		}
		return fs, fmt.Errorf("%s: read header: %w", name, err)
	}
	// Fields live only until the next read: the header is kept.
	header = slices.Clone(header)
	for i, h := range header {
		header[i] = strings.Clone(h)
	}
	c, err := detect(header)
	if err != nil {
		return fs, fmt.Errorf("%s: %w", name, err)
	}
	fs.Format = c.format
	a.startFile()
	plan := newLinePlan(c, false)
	if piped {
		err = a.readCSVPiped(ctx, cr, &fs, newCSVPrep(c, plan, len(header)))
	} else {
		var rec []string
		get := func(i int) string {
			if i < len(rec) {
				return rec[i]
			}
			return ""
		}
		err = readCSVRecords(ctx, cr, len(header), func(rec0 []string, line int64, bad string, err error) error {
			if err != nil {
				return err
			}
			if bad != "" {
				a.badLine(&fs, line, bad)
				return nil
			}
			rec = rec0
			a.keyBuf = plan.appendKey(a.keyBuf[:0], rec)
			e, err := a.entryOf(plan, a.keyBuf)
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			a.add(&fs, c, line, e, get, nil)
			return nil
		})
	}
	var te *TruncatedError
	if errors.As(err, &te) {
		te.File = name
		return fs, err
	}
	if err != nil {
		return fs, fmt.Errorf("%s: %w", name, err)
	}
	a.stats.Files = append(a.stats.Files, fs)
	return fs, nil
}

// badLine counts a line that is not CSV.
func (a *Aggregator) badLine(fs *FileStats, line int64, why string) {
	fs.Lines++
	a.stats.Lines++
	a.bad(fs, line, why)
}

// readCSVRecords reads every record after the header and hands each to
// take, in order: a record with its line, a line that is not CSV or has
// not the header's width fields (bad), or an error that ends the file. A
// last record cut short (see csvRecords.Cut) with the wrong width or an
// open quote ends the file with a TruncatedError: its missing part may
// have held anything, so nothing of the file may be trusted as complete.
func readCSVRecords(ctx context.Context, cr *csvRecords, width int, take func(rec []string, line int64, bad string, err error) error) error {
	for n := 0; ; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return take(nil, 0, "", err)
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line := cr.Pos()
		if err != nil {
			var pe *csv.ParseError
			if err := take(nil, line, fmt.Sprintf("unreadable CSV: %v", err), nil); err != nil {
				return err
			}
			if errors.As(err, &pe) {
				continue
			}
			return take(nil, 0, "", err)
		}
		if len(rec) != width {
			if cut, _ := cr.Cut(); cut {
				return take(nil, 0, "", &TruncatedError{Line: line, Why: fmt.Sprintf("its last row has %d of the header's %d fields and no line ending", len(rec), width)})
			}
			if err := take(nil, line, fmt.Sprintf("%d fields where the header has %d", len(rec), width), nil); err != nil {
				return err
			}
			continue
		}
		if _, open := cr.Cut(); open {
			return take(nil, 0, "", &TruncatedError{Line: line, Why: "its last row ends inside a quoted field"})
		}
		if err := take(rec, line, "", nil); err != nil {
			return err
		}
	}
}

// TruncatedError is a file that ends inside a row: a copy or a download
// that stopped. File is set by the caller that knows the name.
type TruncatedError struct {
	File string
	Line int64
	Why  string
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("%s:%d: the file looks truncated: %s; nothing of it is stored (fetch the file again)", e.File, e.Line, e.Why)
}

// csvPrep is the work on a record that needs nothing of the rollups
// (joining its line key, reading its amounts), done by the reading
// goroutine so the rolling-up one, which finds the line's class and
// adds, has about as much to do. An amount that does not parse is left
// for add to report, with its text.
type csvPrep struct {
	c    *columns
	plan *linePlan
	// width is the header's number of fields.
	width int
	// cols are the amount columns; at maps a column to its place in cols.
	cols []int
	at   []int
}

func newCSVPrep(c *columns, plan *linePlan, width int) *csvPrep {
	p := &csvPrep{c: c, plan: plan, width: width}
	for _, f := range []field{fBilled, fEffective, fSPEffective, fRIEffective} {
		if i := c.idx[f]; i >= 0 {
			for len(p.at) <= i {
				p.at = append(p.at, -1)
			}
			p.at[i] = len(p.cols)
			p.cols = append(p.cols, i)
		}
	}
	return p
}

// csvBatch is a run of reads passed from the reading goroutine to the
// rolling-up one: per read, its line key, its amounts, or why the line is
// bad. No field of a record is kept: records live only until the next
// read.
type csvBatch struct {
	keys    []byte
	ends    []int // end of each read's key in keys
	lines   []int64
	bad     []string       // per read: why the line is bad, or ""
	amounts []money.Amount // len(prep.cols) per read
	ok      []bool
	text    []string // an amount that did not parse, else ""
	err     error    // ends the file after the reads above
}

const csvBatchSize = 1024

// readCSVPiped is readCSVRecords split in two goroutines with a few
// recycled batches in flight, so memory stays flat in the number of
// lines.
func (a *Aggregator) readCSVPiped(ctx context.Context, cr *csvRecords, fs *FileStats, prep *csvPrep) error {
	const inFlight = 4
	full := make(chan *csvBatch, inFlight)
	free := make(chan *csvBatch, inFlight)
	for range inFlight {
		free <- &csvBatch{}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	defer func() {
		close(done)
		<-exited // never return while the reader may still read r
	}()
	go func() {
		defer close(exited)
		defer close(full)
		var b *csvBatch
		get := func() bool {
			select {
			case b = <-free:
			case <-done:
				return false
			}
			b.keys, b.ends, b.lines, b.bad, b.err = b.keys[:0], b.ends[:0], b.lines[:0], b.bad[:0], nil
			b.amounts, b.ok, b.text = b.amounts[:0], b.ok[:0], b.text[:0]
			return true
		}
		send := func() bool {
			select {
			case full <- b:
				return true
			case <-done:
				return false
			}
		}
		if !get() {
			return
		}
		b.err = readCSVRecords(ctx, cr, prep.width, func(rec []string, line int64, bad string, err error) error {
			if err != nil {
				return err
			}
			if bad == "" {
				b.keys = prep.plan.appendKey(b.keys, rec)
			}
			b.ends = append(b.ends, len(b.keys))
			b.lines = append(b.lines, line)
			b.bad = append(b.bad, bad)
			for _, col := range prep.cols {
				var m money.Amount
				ok, text := false, ""
				if bad == "" && col < len(rec) && !isNull(rec[col]) {
					var err error
					if m, err = money.Parse(rec[col]); err == nil {
						ok = true
					} else {
						text = strings.Clone(rec[col])
					}
				}
				b.amounts = append(b.amounts, m)
				b.ok = append(b.ok, ok)
				b.text = append(b.text, text)
			}
			if len(b.ends) < csvBatchSize {
				return nil
			}
			if !send() || !get() {
				return errPipeClosed
			}
			return nil
		})
		if errors.Is(b.err, errPipeClosed) {
			return
		}
		send()
	}()
	n := len(prep.cols)
	var amounts []money.Amount
	var ok []bool
	var text []string
	get := func(col int) string {
		if col < len(prep.at) && prep.at[col] >= 0 {
			return text[prep.at[col]]
		}
		return ""
	}
	amountAt := func(col int) (money.Amount, bool) {
		if col < len(prep.at) && prep.at[col] >= 0 {
			return amounts[prep.at[col]], ok[prep.at[col]]
		}
		return money.Amount{}, false
	}
	for b := range full {
		start := 0
		for i, end := range b.ends {
			if b.bad[i] != "" {
				a.badLine(fs, b.lines[i], b.bad[i])
				start = end
				continue
			}
			e, err := a.entryOf(prep.plan, b.keys[start:end])
			if err != nil {
				return fmt.Errorf("line %d: %w", b.lines[i], err)
			}
			amounts, ok, text = b.amounts[i*n:i*n+n], b.ok[i*n:i*n+n], b.text[i*n:i*n+n]
			a.add(fs, prep.c, b.lines[i], e, get, amountAt)
			start = end
		}
		if b.err != nil {
			return b.err
		}
		clear(b.text)
		free <- b
	}
	return nil
}

// errPipeClosed stops the reading goroutine once rolling up has ended.
var errPipeClosed = errors.New("csv pipe closed")

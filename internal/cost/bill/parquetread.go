package bill

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
	"github.com/steward-sre/steward/internal/money"
)

// Reading a Parquet bill column by column. A row group is read in
// batches of lines: each needed column chunk is read for the whole batch
// before the next (its pages stay in cache, and values come straight
// from the decoded page, never one parquet.Value at a time), each text
// of a key column becomes a small ID, and a line's class (see
// lineclass.go) is then found by its IDs joined, a short fixed-width key.

// parquetBatch is how many lines are read a column at a time.
const parquetBatch = 1024

// parquetWorker reads row groups of one file for one goroutine. Across
// row groups it keeps each leaf's state, the IDs of MAP tag sets and the
// classes of lines by their IDs; none of it is shared, so the hot path
// takes no lock.
type parquetWorker struct {
	p       *parquetPlan
	leaves  []*leafState
	tagMaps *leafState
	classes map[string]*lineEntry
	key     []byte
	vals    []string
	// Per batch: IDs of key leaves, amounts of amount leaves, IDs of
	// the lines' MAP tag sets.
	ids    [][]uint32
	amts   []amountCol
	tagIDs []uint32
	// Per batch, for MAP leaves: every line's keys (or values) in one
	// slice, ends[i] closing line i.
	mapKeys, mapVals []string
	keyEnds, valEnds []int
	// An amount leaf, or a key leaf, by its file column, for add to find
	// a line's amounts (an amount column that is also a key column, which
	// no known layout has, is read as a key).
	amtAt, keyAt []int
	row          int
}

type amountCol struct {
	m    []money.Amount
	ok   []bool
	text []string
}

func newParquetWorker(p *parquetPlan) *parquetWorker {
	w := &parquetWorker{
		p: p, classes: make(map[string]*lineEntry), tagMaps: newLeafState(nil, false),
		ids: make([][]uint32, len(p.leaves)), amts: make([]amountCol, len(p.leaves)),
		amtAt: make([]int, p.width), keyAt: make([]int, p.width),
	}
	for i := range w.amtAt {
		w.amtAt[i], w.keyAt[i] = -1, -1
	}
	for i, l := range p.leaves {
		st := newLeafState(convFor(l.leaf), l.col == p.lp.start)
		st.bytesText = !isConverted(l.leaf.Node.Type())
		w.leaves = append(w.leaves, st)
		switch {
		case l.col == p.keyLeaf || l.col == p.valLeaf:
		case l.key:
			w.ids[i] = make([]uint32, parquetBatch)
			w.keyAt[l.col] = i
		default:
			w.amts[i] = amountCol{m: make([]money.Amount, parquetBatch), ok: make([]bool, parquetBatch), text: make([]string, parquetBatch)}
			w.amtAt[l.col] = i
		}
	}
	return w
}

// leafState is what a worker keeps of one leaf: its converter (which
// caches) and, for a key column, the IDs of its texts. ID 0 is the
// empty text, which a null reads as.
type leafState struct {
	conv leafConv
	// start: the charge start, whose texts count only by their date.
	start bool
	// bytesText: a byte array's text is its bytes (see isConverted).
	bytesText bool
	ids       map[string]uint32
	strs      []string
	lastID    uint32
	// nums are the IDs of an integer column's values (timestamps).
	nums map[int64]uint32
	// gen counts resets, so IDs taken before one are not used after.
	gen int
}

func newLeafState(conv leafConv, start bool) *leafState {
	return &leafState{conv: conv, start: start, ids: map[string]uint32{}, strs: []string{""}, nums: map[int64]uint32{}}
}

func (s *leafState) reset() {
	clear(s.ids)
	clear(s.nums)
	s.strs, s.lastID = s.strs[:1], 0
	s.gen++
}

func (s *leafState) full(maxIDs int) bool { return len(s.strs) > maxIDs || len(s.nums) > maxIDs }

// intern returns the ID of a text, giving it one on first sight. Sorted
// exports repeat a text over runs of lines: the last one is compared
// before the map is looked up.
func intern[T string | []byte](s *leafState, b T) uint32 {
	if s.start {
		b = dayKey(b)
	}
	if len(b) == 0 {
		return 0
	}
	if string(b) == s.strs[s.lastID] {
		return s.lastID
	}
	id, ok := s.ids[string(b)]
	if !ok {
		str := string(b)
		id = uint32(len(s.strs))
		s.strs = append(s.strs, str)
		s.ids[str] = id
	}
	s.lastID = id
	return id
}

// internNum is intern for a value n of an integer column, which needs
// turning into text only on first sight.
func (s *leafState) internNum(v parquet.Value, n int64) uint32 {
	if id, ok := s.nums[n]; ok {
		return id
	}
	id := intern(s, s.conv(v))
	s.nums[n] = id
	return id
}

// readRowGroupSafe is readRowGroup turning a panic of the Parquet
// library on damaged pages into an error, so one bad file cannot stop
// steward (or a worker goroutine take the process down).
func (w *parquetWorker) readRowGroupSafe(ctx context.Context, a *Aggregator, fs *FileStats, rg parquet.RowGroup, firstLine int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged row group at line %d: %v", firstLine, r)
		}
	}()
	return w.readRowGroup(ctx, a, fs, rg, firstLine)
}

// readRowGroup aggregates one row group into a, a batch of lines at a
// time.
func (w *parquetWorker) readRowGroup(ctx context.Context, a *Aggregator, fs *FileStats, rg parquet.RowGroup, firstLine int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := w.p
	chunks := rg.ColumnChunks()
	curs := make([]*chunkCursor, len(p.leaves))
	for i, l := range p.leaves {
		curs[i] = &chunkCursor{
			name: l.name, pages: chunks[l.leaf.ColumnIndex].Pages(), st: w.leaves[i],
			maxDef: byte(l.leaf.MaxDefinitionLevel), maxRep: byte(l.leaf.MaxRepetitionLevel),
		}
	}
	defer func() {
		for _, cur := range curs {
			cur.close()
		}
	}()
	get := func(col int) string {
		if j := w.amtAt[col]; j >= 0 {
			return w.amts[j].text[w.row]
		}
		if j := w.keyAt[col]; j >= 0 {
			return w.leaves[j].strs[w.ids[j][w.row]]
		}
		return ""
	}
	amountAt := func(col int) (money.Amount, bool) {
		if j := w.amtAt[col]; j >= 0 {
			return w.amts[j].m[w.row], w.amts[j].ok[w.row]
		}
		return money.Amount{}, false
	}
	n := rg.NumRows()
	for r0 := int64(0); r0 < n; r0 += parquetBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := int(min(parquetBatch, n-r0))
		w.startBatch(a.tune.maxIDs)
		for i, cur := range curs {
			l := &p.leaves[i]
			var r int
			var err error
			switch {
			case l.col == p.keyLeaf:
				w.mapKeys, w.keyEnds, r, err = cur.rows(w.mapKeys[:0], w.keyEnds[:0], k)
			case l.col == p.valLeaf:
				w.mapVals, w.valEnds, r, err = cur.rows(w.mapVals[:0], w.valEnds[:0], k)
			case l.key:
				r, err = cur.readIDs(w.ids[i][:k])
			default:
				r, err = cur.readAmounts(&w.amts[i], k, l.scale)
			}
			if err != nil {
				return fmt.Errorf("line %d: %w", firstLine+r0+int64(r), err)
			}
		}
		if p.lp.mapTags {
			w.tagSets(k)
		}
		for r := range k {
			key := w.key[:0]
			for i, l := range p.leaves {
				if l.key {
					key = binary.LittleEndian.AppendUint32(key, w.ids[i][r])
				}
			}
			if p.lp.mapTags {
				key = binary.LittleEndian.AppendUint32(key, w.tagIDs[r])
			}
			w.key = key
			cl, ok := w.classes[string(key)]
			if !ok {
				cl = w.classify(a, r)
				if len(w.classes) >= a.tune.maxClasses {
					clear(w.classes)
				}
				w.classes[string(key)] = cl
			}
			w.row = r
			a.add(fs, p.c, firstLine+r0+int64(r), cl, get, amountAt)
		}
	}
	return nil
}

// startBatch starts every ID afresh if a column has given out more than
// maxIDs.
func (w *parquetWorker) startBatch(maxIDs int) {
	full := w.tagMaps.full(maxIDs)
	for _, s := range w.leaves {
		full = full || s.full(maxIDs)
	}
	if !full {
		return
	}
	for _, s := range w.leaves {
		s.reset()
	}
	w.tagMaps.reset()
	clear(w.classes)
}

// tagSets gives each line of the batch the ID of its MAP tag set.
func (w *parquetWorker) tagSets(k int) {
	w.tagIDs = w.tagIDs[:0]
	var buf []byte
	for r := range k {
		var keys, vals []string
		if r < len(w.keyEnds) {
			keys = w.mapKeys[lineStart(w.keyEnds, r):w.keyEnds[r]]
		}
		if r < len(w.valEnds) {
			vals = w.mapVals[lineStart(w.valEnds, r):w.valEnds[r]]
		}
		buf = appendMapTags(w.key[:0], keys, vals)
		w.key = buf
		w.tagIDs = append(w.tagIDs, intern(w.tagMaps, buf))
	}
}

func lineStart(ends []int, r int) int {
	if r == 0 {
		return 0
	}
	return ends[r-1]
}

// classify works out the class of line r of the batch from the texts
// behind its IDs.
func (w *parquetWorker) classify(a *Aggregator, r int) *lineEntry {
	p := w.p
	if len(w.vals) < p.width {
		w.vals = make([]string, p.width)
	}
	vals := w.vals
	for i, l := range p.leaves {
		if l.key {
			vals[l.col] = w.leaves[i].strs[w.ids[i][r]]
		}
	}
	get := func(i int) string {
		if i < len(vals) {
			return vals[i]
		}
		return ""
	}
	tagsOf := func() (Tags, error) { return a.csvTags(p.c, vals) }
	if p.lp.mapTags {
		tagsOf = func() (Tags, error) { return mapTags(p.c, w.tagMaps.strs[w.tagIDs[r]]) }
	}
	start := ""
	if p.lp.start >= 0 {
		start = vals[p.lp.start]
	}
	e := &lineEntry{cl: a.classify(p.c, get, monthKey(start), tagsOf)}
	a.lineDay(p.c, e, start)
	line := func(f field) string {
		if i := p.c.idx[f]; i >= 0 {
			return nonNull(vals[i])
		}
		return ""
	}
	e.resource, e.rname = line(fResource), line(fResourceName)
	clear(vals)
	return e
}

// pageMode is how a cursor reads the page it is on.
type pageMode int

const (
	// modeValues reads through the library's values, in small batches:
	// the way for the types below do not cover.
	modeValues pageMode = iota
	// modeDict reads indexes into the page's dictionary.
	modeDict
	// modeBytes, modeInt64 and modeInt32 read the decoded page's values.
	modeBytes
	modeInt64
	modeInt32
)

// chunkCursor reads one column chunk, line after line. Pages are read
// as decoded arrays (dictionary indexes, byte arrays, integers) walked
// with the definition and repetition levels; a dictionary entry is
// turned into text, or an ID, once per dictionary.
type chunkCursor struct {
	name           string
	pages          parquet.Pages
	st             *leafState
	maxDef, maxRep byte

	page parquet.Page
	mode pageMode
	// Levels of the page, its number of levels, the next level and the
	// next non-null value.
	def, rep     []byte
	n, pos, vpos int
	// modeDict
	idx      []int32
	dict     parquet.Dictionary
	dictText []string
	dictIDs  []uint32
	dictGen  int
	// modeBytes, modeInt64, modeInt32
	data []byte
	offs []uint32
	i64  []int64
	i32  []int32
	// modeValues: a batch of values (levels included) read from vr.
	vr   parquet.ValueReader
	buf  []parquet.Value
	bpos int
}

// plainBatch is how many values of a page read through the library are
// held at once, so memory follows neither the page nor the file.
const plainBatch = 1024

func (c *chunkCursor) close() {
	c.release()
	c.pages.Close()
}

func (c *chunkCursor) release() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.vr, c.idx, c.def, c.rep, c.data, c.offs, c.i64, c.i32 = nil, nil, nil, nil, nil, nil, nil, nil
	c.n, c.pos, c.vpos = 0, 0, 0
	c.buf, c.bpos = c.buf[:0], 0
}

// errColumnEnd is a column chunk with no more pages.
var errColumnEnd = errors.New("no more pages")

// errDamaged is a page whose levels or values do not agree.
var errDamaged = errors.New("damaged page: values and levels disagree")

// load moves to the next page.
func (c *chunkCursor) load() error {
	c.release()
	pg, err := c.pages.ReadPage()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("column %s ends before its row group: %w", c.name, errColumnEnd)
		}
		return fmt.Errorf("column %s: %w", c.name, err)
	}
	c.page = pg
	if d := pg.Dictionary(); d != nil {
		if d != c.dict {
			c.dict = d
			c.dictText, c.dictIDs = c.dictText[:0], c.dictIDs[:0]
			for i := range d.Len() {
				c.dictText = append(c.dictText, c.st.conv(d.Index(int32(i))))
			}
		}
		c.mode = modeDict
		data := pg.Data()
		c.idx = data.Int32()
	} else {
		switch data := pg.Data(); data.Kind() {
		case encoding.ByteArray:
			c.mode = modeBytes
			c.data, c.offs = data.ByteArray()
		case encoding.Int64:
			c.mode = modeInt64
			c.i64 = data.Int64()
		case encoding.Int32:
			c.mode = modeInt32
			c.i32 = data.Int32()
		default:
			c.mode = modeValues
			c.vr = pg.Values()
			return nil
		}
	}
	if c.maxDef > 0 {
		c.def = pg.DefinitionLevels()
	}
	if c.maxRep > 0 {
		c.rep = pg.RepetitionLevels()
	}
	c.n = int(pg.NumValues())
	if c.def != nil && len(c.def) < c.n || c.rep != nil && len(c.rep) < c.n {
		return fmt.Errorf("column %s: %w", c.name, errDamaged)
	}
	return nil
}

// fill makes sure a level is ready to read, moving through batches and
// pages; it returns errColumnEnd (wrapped) after the chunk's last value.
func (c *chunkCursor) fill() error {
	for {
		switch {
		case c.page == nil:
		case c.mode != modeValues:
			if c.pos < c.n {
				return nil
			}
		default:
			if c.bpos < len(c.buf) {
				return nil
			}
			if cap(c.buf) < plainBatch {
				c.buf = make([]parquet.Value, plainBatch)
			}
			k, err := c.vr.ReadValues(c.buf[:plainBatch])
			c.buf, c.bpos = c.buf[:k], 0
			if k > 0 {
				return nil
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		if err := c.load(); err != nil {
			return err
		}
	}
}

// step moves past the next level. It returns where the level's value
// is (an index into the page's values, or into buf), or -1 for a null.
func (c *chunkCursor) step() (int, error) {
	if v, ok := c.quickStep(); ok {
		return v, nil
	}
	if err := c.fill(); err != nil {
		return 0, err
	}
	if c.mode == modeValues {
		c.bpos++
		if c.buf[c.bpos-1].IsNull() {
			return -1, nil
		}
		return c.bpos - 1, nil
	}
	v, _ := c.quickStep()
	return v, nil
}

// quickStep is step for a level on the page already read, small enough
// to be inlined in the loops that read a batch; false means step must
// move to the next page (or batch of values) first.
func (c *chunkCursor) quickStep() (int, bool) {
	if c.pos >= c.n || c.mode == modeValues {
		return 0, false
	}
	i := c.pos
	c.pos++
	if c.def != nil && c.def[i] < c.maxDef {
		return -1, true
	}
	c.vpos++
	return c.vpos - 1, true
}

// startsLine reports whether the next level starts a new line.
func (c *chunkCursor) startsLine() bool {
	if c.mode == modeValues {
		return c.buf[c.bpos].RepetitionLevel() == 0
	}
	return c.rep == nil || c.rep[c.pos] == 0
}

// bytesAt is value v of a byte-array page.
func (c *chunkCursor) bytesAt(v int) ([]byte, error) {
	if v+1 >= len(c.offs) || c.offs[v] > c.offs[v+1] || int(c.offs[v+1]) > len(c.data) {
		return nil, fmt.Errorf("column %s: %w", c.name, errDamaged)
	}
	return c.data[c.offs[v]:c.offs[v+1]], nil
}

// dictIndex is value v of a dictionary page, checked against the
// dictionary.
func (c *chunkCursor) dictIndex(v int) (int32, error) {
	if v >= len(c.idx) || c.idx[v] < 0 || int(c.idx[v]) >= len(c.dictText) {
		return 0, fmt.Errorf("column %s: dictionary index out of range", c.name)
	}
	return c.idx[v], nil
}

// text is value v (see step) as the text a CSV export would carry.
func (c *chunkCursor) text(v int) (string, error) {
	switch c.mode {
	case modeDict:
		i, err := c.dictIndex(v)
		if err != nil {
			return "", err
		}
		return c.dictText[i], nil
	case modeBytes:
		b, err := c.bytesAt(v)
		if err != nil {
			return "", err
		}
		return c.st.conv(parquet.ByteArrayValue(b)), nil
	case modeInt64:
		if v >= len(c.i64) {
			return "", fmt.Errorf("column %s: %w", c.name, errDamaged)
		}
		return c.st.conv(parquet.Int64Value(c.i64[v])), nil
	case modeInt32:
		if v >= len(c.i32) {
			return "", fmt.Errorf("column %s: %w", c.name, errDamaged)
		}
		return c.st.conv(parquet.Int32Value(c.i32[v])), nil
	}
	return c.st.conv(c.buf[v]), nil
}

// next returns the next level's text and whether it is set.
func (c *chunkCursor) next() (string, bool, error) {
	v, err := c.step()
	if err != nil || v < 0 {
		return "", false, err
	}
	s, err := c.text(v)
	return s, err == nil, err
}

// one reads a line's single value ("" for null). A repeated column
// keeps the first value of the line.
func (c *chunkCursor) one() (string, error) {
	if c.maxRep > 0 {
		vs, err := c.row(nil)
		if err != nil || len(vs) == 0 {
			return "", err
		}
		return vs[0], nil
	}
	s, _, err := c.next()
	return s, err
}

// readIDs reads the next len(dst) lines' values as IDs. It returns the
// line it stopped at with its error.
func (c *chunkCursor) readIDs(dst []uint32) (int, error) {
	st := c.st
	if c.maxRep > 0 {
		for r := range dst {
			s, err := c.one()
			if err != nil {
				return r, err
			}
			dst[r] = intern(st, s)
		}
		return len(dst), nil
	}
	for r := range dst {
		v, ok := c.quickStep()
		if !ok {
			var err error
			if v, err = c.step(); err != nil {
				return r, err
			}
		}
		if v < 0 {
			dst[r] = 0
			continue
		}
		switch c.mode {
		case modeDict:
			i, err := c.dictIndex(v)
			if err != nil {
				return r, err
			}
			if c.dictGen != st.gen || len(c.dictIDs) == 0 {
				c.dictIDs, c.dictGen = c.dictIDs[:0], st.gen
				for _, s := range c.dictText {
					c.dictIDs = append(c.dictIDs, intern(st, s))
				}
			}
			dst[r] = c.dictIDs[i]
		case modeBytes:
			b, err := c.bytesAt(v)
			if err != nil {
				return r, err
			}
			if !st.bytesText {
				s, err := c.text(v)
				if err != nil {
					return r, err
				}
				dst[r] = intern(st, s)
				continue
			}
			dst[r] = intern(st, b)
		case modeInt64:
			if v >= len(c.i64) {
				return r, fmt.Errorf("column %s: %w", c.name, errDamaged)
			}
			dst[r] = st.internNum(parquet.Int64Value(c.i64[v]), c.i64[v])
		case modeInt32:
			if v >= len(c.i32) {
				return r, fmt.Errorf("column %s: %w", c.name, errDamaged)
			}
			dst[r] = st.internNum(parquet.Int32Value(c.i32[v]), int64(c.i32[v]))
		default:
			s, err := c.text(v)
			if err != nil {
				return r, err
			}
			dst[r] = intern(st, s)
		}
	}
	return len(dst), nil
}

// isConverted reports whether a type's values read as text are not
// their bytes (see convFor).
func isConverted(t parquet.Type) bool {
	if lt := t.LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.DecimalType, *format.TimestampType, *format.DateType:
			return true
		}
	}
	return false
}

// readAmounts reads the next k lines of an amount column: an integer
// DECIMAL of the given scale (-1 if not) as Money where Money holds it,
// anything else as text for add to parse.
func (c *chunkCursor) readAmounts(dst *amountCol, k, scale int) (int, error) {
	for r := range k {
		dst.m[r], dst.ok[r], dst.text[r] = money.Amount{}, false, ""
		if c.maxRep > 0 {
			s, err := c.one()
			if err != nil {
				return r, err
			}
			dst.text[r] = s
			continue
		}
		v, ok := c.quickStep()
		if !ok {
			var err error
			if v, err = c.step(); err != nil {
				return r, err
			}
		}
		if v < 0 {
			continue
		}
		var n int64
		var err error
		switch {
		case scale >= 0 && c.mode == modeInt64 && v < len(c.i64):
			n = c.i64[v]
		case scale >= 0 && c.mode == modeInt32 && v < len(c.i32):
			n = int64(c.i32[v])
		default:
			if dst.text[r], err = c.text(v); err != nil {
				return r, err
			}
			continue
		}
		if m, ok := moneyFromDecimal(n, scale); ok {
			dst.m[r], dst.ok[r] = m, true
			continue
		}
		if dst.text[r], err = c.text(v); err != nil {
			return r, err
		}
	}
	return k, nil
}

// rows appends the values of the next k lines of a repeated column to
// dst, ends[i] closing line i. It returns the line it stopped at with
// its error.
func (c *chunkCursor) rows(dst []string, ends []int, k int) ([]string, []int, int, error) {
	for r := range k {
		var err error
		if dst, err = c.row(dst); err != nil {
			return dst, ends, r, err
		}
		ends = append(ends, len(dst))
	}
	return dst, ends, k, nil
}

// row appends a line's values of a repeated column (a MAP's keys or
// values): the level that starts the line, then every level that
// continues it, possibly on the next pages.
func (c *chunkCursor) row(dst []string) ([]string, error) {
	s, ok, err := c.next()
	if err != nil {
		return dst, err
	}
	if ok {
		dst = append(dst, s)
	}
	for {
		if err := c.fill(); err != nil {
			if errors.Is(err, errColumnEnd) {
				return dst, nil // the chunk ends with this line
			}
			return dst, err
		}
		if c.startsLine() {
			return dst, nil
		}
		s, ok, err := c.next()
		if err != nil {
			return dst, err
		}
		if ok {
			dst = append(dst, s)
		}
	}
}

package bill

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// A bill repeats the same few texts on line after line: a resource's
// account, service, usage type and tags are the same on every one of its
// lines, and so are the account, service and tags of many resources.
// Everything add works out from those texts (the billing period, the kind
// of charge, the canonical tags, most of the rollup key) is a line's
// class, worked out once per distinct set of texts and found again by one
// lookup of the texts joined. What is left per line is its day, its
// resource and its amounts.
//
// A line's key is its day, resource and resource name (each a slot),
// then its class's texts (see linePlan.appendKey). Where whole lines
// repeat (an hourly bill: 24 lines a resource a day) the whole key finds
// the line's rollup too (a lineEntry); where they do not (a daily bill at
// resource level, every line its own rollup) that cache would only cost,
// so the aggregator stops using it for a while when it seldom hits.

// keyClass is the part of a rollup key many lines share: all of it but
// the day, the resource and its name. An aggregator keeps one of each
// (see Aggregator.keyClassOf), so rollups compare and hash it by pointer;
// two equal ones can still meet (the interning starts again when it holds
// too many), which the sort puts side by side and the merge sums.
type keyClass struct {
	source, period, account, region, service, usage, currency string
	tags                                                      Tags
	kind                                                      Kind
}

// lineClass is what the texts a line shares with others say.
type lineClass struct {
	key        *keyClass
	cat        string
	commitment bool // the line names a commitment discount
	// bad says why the line's billing period cannot be read, which skips
	// the line; tagErr why its tags cannot, which leaves it untagged.
	bad, tagErr string
}

// lineEntry is a whole line's class: its shared class, day and resource.
type lineEntry struct {
	cl              *lineClass
	day             int32
	resource, rname string
	// bad says why the line's charge start cannot be read.
	bad string
	// val is the rollup the line adds to, found on first use by the
	// aggregator that rolls up (which, reading CSV, is not the one that
	// read the line).
	val *aggVal
	gen int // the aggregator's generation val belongs to
}

// classFields are the fields a line's shared class depends on; lineFields
// those of its own (see linePlan).
var (
	classFields = []field{
		fPeriod, fAccount, fService, fUsageType, fDescription,
		fRegion, fTags, fCategory, fCurrency, fCommitment, fPayer,
	}
	lineFields = [3]field{fStart, fResource, fResourceName}
)

// tuning bounds an aggregator's caches and sets how many goroutines read
// a Parquet file. Each aggregator holds its own (tests make the caches
// start again often, or turn one off, on aggregators of their own while
// others read in parallel); defaultTuning is what steward reads with.
type tuning struct {
	// maxClasses bounds each class cache; past it the cache starts
	// again, so memory stays flat however varied the bill.
	maxClasses int
	// maxIDs bounds the texts a Parquet worker gives IDs to in one
	// column; past it every column starts again, and so do the classes
	// keyed by the IDs.
	maxIDs int
	// Every lineWindow lines the aggregator looks at how many lines it
	// read per rollup it holds: the whole-line cache is in use while
	// that is at least lineMinRepeat (lines repeat their keys), and is
	// not (and is emptied) while it is less.
	lineWindow, lineMinRepeat int
	// workers is how many goroutines read a Parquet file's row groups;
	// 0 is one per usable CPU (GOMAXPROCS).
	workers int
}

func defaultTuning() tuning {
	return tuning{maxClasses: 200_000, maxIDs: 1 << 18, lineWindow: 4096, lineMinRepeat: 2}
}

// maxInterned bounds the texts intern keeps.
const maxInterned = 10_000

// linePlan is which columns of a file make up a line key.
type linePlan struct {
	c *columns
	// line are the columns of lineFields, -1 where absent.
	line [len(lineFields)]int
	cols []int // the class's columns: distinct, ascending
	// month: the month of the charge start (see monthKey) ends the
	// class's texts, the billing period of a line that names none.
	month bool
	start int // column of the charge start, or -1
	width int // columns a decoded class needs
	// mapTags: the key ends with a MAP tag column's keys and values.
	mapTags bool
}

func newLinePlan(c *columns, mapTags bool) *linePlan {
	p := &linePlan{c: c, start: c.idx[fStart], mapTags: mapTags}
	for i, f := range lineFields {
		p.line[i] = c.idx[f]
	}
	for _, f := range classFields {
		if i := c.idx[f]; i >= 0 {
			p.cols = append(p.cols, i)
		}
	}
	for _, tc := range c.tagCols {
		p.cols = append(p.cols, tc.idx)
	}
	slices.Sort(p.cols)
	p.cols = slices.Compact(p.cols)
	p.month = p.start >= 0
	if len(p.cols) > 0 {
		p.width = p.cols[len(p.cols)-1] + 1
	}
	return p
}

// allCols are the columns of a line's class and its own.
func (p *linePlan) allCols() []int {
	cols := slices.Clone(p.cols)
	for _, col := range p.line {
		if col >= 0 {
			cols = append(cols, col)
		}
	}
	return cols
}

// appendSlot appends one text to a line key, length first, so no two
// lines' texts join to the same key.
func appendSlot[T string | []byte](dst []byte, s T) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// dayKey is what of a charge start a line key holds. Only its date
// counts (parseDay reads no further), so lines of one day share a key
// whatever the hour: a valid date is cut from the time after it.
// Anything else is kept whole, so its error names the whole text.
func dayKey[T string | []byte](s T) T {
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') && validDay(s[:10]) {
		return s[:10]
	}
	return s
}

// monthKey is the month (YYYY-MM) of a charge start parseDay reads, for
// a class whose billing period is the month of its lines; anything else
// is kept whole (the line is skipped for its start anyway).
func monthKey(s string) string {
	if len(s) >= 10 && validDay(s[:10]) {
		return s[:7]
	}
	return s
}

// appendKey appends the line key of a CSV record: the texts of its
// lineFields, then its class columns' (a column past the end of a short
// record empty, the charge start cut to its date, see dayKey).
func (p *linePlan) appendKey(dst []byte, rec []string) []byte {
	cell := func(col int) string {
		if col >= 0 && col < len(rec) {
			return rec[col]
		}
		return ""
	}
	for i, col := range p.line {
		s := cell(col)
		if i == 0 {
			s = dayKey(s)
		}
		dst = appendSlot(dst, s)
	}
	for _, col := range p.cols {
		dst = appendSlot(dst, cell(col))
	}
	if p.month {
		dst = appendSlot(dst, monthKey(cell(p.start)))
	}
	return dst
}

// validDay reports whether parseDay reads d, a YYYY-MM-DD date, without
// an error (so without making one).
func validDay[T string | []byte](d T) bool {
	y, m, dd := 0, 0, 0
	for i := range 10 {
		c := d[i]
		switch {
		case i == 4 || i == 7:
			if c != '-' {
				return false
			}
			continue
		case c < '0' || c > '9':
			return false
		case i < 4:
			y = y*10 + int(c-'0')
		case i < 7:
			m = m*10 + int(c-'0')
		default:
			dd = dd*10 + int(c-'0')
		}
	}
	if y < 1970 || m < 1 || m > 12 || dd < 1 || dd > monthDays[m] {
		return false
	}
	return m != 2 || dd != 29 || y%4 == 0 && (y%100 != 0 || y%400 == 0)
}

// startFile forgets the classes of the last file: the same texts mean
// other things under another header.
func (a *Aggregator) startFile() {
	clear(a.entries)
	clear(a.classes)
	a.lineOn, a.lineCheck = false, 0
}

// entryOf returns the class of the line whose key is key (see
// linePlan.appendKey). The entry it returns, and the texts in it, are
// valid only until the next call: key's bytes may be reused after it.
func (a *Aggregator) entryOf(p *linePlan, key []byte) (*lineEntry, error) {
	a.linesIn++
	if a.lineCheck--; a.lineCheck <= 0 {
		a.lineCheck = a.tune.lineWindow
		on := a.linesIn >= a.tune.lineMinRepeat*len(a.m)
		if a.lineOn && !on {
			clear(a.entries)
		}
		a.lineOn = on
	}
	useLines := a.lineOn
	if useLines {
		if e, ok := a.entries[string(key)]; ok {
			return e, nil
		}
	}
	texts, rest, err := cutLine(unsafe.String(unsafe.SliceData(key), len(key)))
	if err != nil {
		return nil, err
	}
	cl, ok := a.classes[rest]
	if !ok {
		if cl, err = a.classOf(p, rest); err != nil {
			return nil, err
		}
	}
	e := &a.scratchEntry
	if useLines {
		e = &lineEntry{}
	}
	*e = lineEntry{cl: cl}
	a.lineDay(p.c, e, texts[0])
	e.resource, e.rname = nonNull(texts[1]), nonNull(texts[2])
	if useLines {
		e.resource, e.rname = strings.Clone(e.resource), strings.Clone(e.rname)
		if len(a.entries) >= a.tune.maxClasses {
			clear(a.entries)
		}
		a.entries[string(key)] = e
	}
	return e, nil
}

// cutLine splits a line key into the texts of its lineFields and its
// class's texts.
func cutLine(key string) (texts [len(lineFields)]string, class string, err error) {
	for i := range texts {
		var ok bool
		if texts[i], key, ok = cutSlot(key); !ok {
			return texts, "", fmt.Errorf("line key cut short")
		}
	}
	return texts, key, nil
}

func nonNull(s string) string {
	if isNull(s) {
		return ""
	}
	return s
}

// lineDay reads a line's charge start into e. The last text read is
// kept: lines of one day come together.
func (a *Aggregator) lineDay(c *columns, e *lineEntry, s string) {
	if s == a.lastDayText && a.lastDayOK {
		e.day = a.lastDay
		return
	}
	day, _, _, err := parseDay(nonNull(s))
	if err != nil {
		e.bad = fmt.Sprintf("%s: %v", c.name(fStart), err)
		return
	}
	e.day = day
	a.lastDayText, a.lastDay, a.lastDayOK = strings.Clone(s), day, true
}

// classOf works out the class whose texts, as appendKey joined them
// after a line's own, are key, and keeps it.
func (a *Aggregator) classOf(p *linePlan, key string) (*lineClass, error) {
	vals, rest, err := p.decode(key, a.scratch[:0])
	a.scratch = vals
	if err != nil {
		return nil, err
	}
	month := ""
	if p.month {
		if month, rest, err = cutMonth(rest); err != nil {
			return nil, err
		}
	}
	get := func(i int) string {
		if i < len(vals) {
			return vals[i]
		}
		return ""
	}
	tagsOf := func() (Tags, error) { return a.csvTags(p.c, vals) }
	if p.mapTags {
		tagsOf = func() (Tags, error) { return mapTags(p.c, rest) }
	}
	cl := a.classify(p.c, get, month, tagsOf)
	clear(vals)
	if len(a.classes) >= a.tune.maxClasses {
		clear(a.classes)
	}
	a.classes[strings.Clone(key)] = cl
	return cl, nil
}

func cutMonth(key string) (month, rest string, err error) {
	month, rest, ok := cutSlot(key)
	if !ok {
		return "", "", fmt.Errorf("line key cut short")
	}
	return month, rest, nil
}

// decode splits a class's texts back into their columns' texts, each at
// its column's place in vals; rest is what follows the columns (the
// month, a MAP's entries).
func (p *linePlan) decode(key string, vals []string) ([]string, string, error) {
	vals = slices.Grow(vals[:0], p.width)[:p.width]
	for _, col := range p.cols {
		s, rest, ok := cutSlot(key)
		if !ok {
			return vals, "", fmt.Errorf("line key cut short")
		}
		vals[col], key = s, rest
	}
	return vals, key, nil
}

func cutSlot(key string) (s, rest string, ok bool) {
	var n uint64
	var w int
	if len(key) > 0 && key[0] < 0x80 {
		n, w = uint64(key[0]), 1
	} else {
		n, w = binary.Uvarint([]byte(key[:min(len(key), binary.MaxVarintLen64)]))
	}
	if w <= 0 || uint64(len(key)-w) < n {
		return "", "", false
	}
	return key[w : w+int(n)], key[w+int(n):], true
}

// appendMapTags ends a line key with a MAP tag column's keys and values.
func appendMapTags(dst []byte, keys, vals []string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = appendSlot(dst, k)
	}
	dst = binary.AppendUvarint(dst, uint64(len(vals)))
	for _, v := range vals {
		dst = appendSlot(dst, v)
	}
	return dst
}

// mapTags reads the keys and values appendMapTags wrote. A key without
// a value is left out; so is a value without a key.
func mapTags(c *columns, s string) (Tags, error) {
	read := func() ([]string, error) {
		n, w := binary.Uvarint([]byte(s[:min(len(s), binary.MaxVarintLen64)]))
		if w <= 0 || n > uint64(len(s)) {
			return nil, fmt.Errorf("line key cut short")
		}
		s = s[w:]
		out := make([]string, 0, n)
		for range n {
			v, rest, ok := cutSlot(s)
			if !ok {
				return nil, fmt.Errorf("line key cut short")
			}
			out, s = append(out, v), rest
		}
		return out, nil
	}
	keys, err := read()
	if err != nil {
		return "", err
	}
	vals, err := read()
	if err != nil {
		return "", err
	}
	if len(keys) == 0 {
		return "", nil
	}
	m := make(map[string]string, len(keys))
	for j, k := range keys {
		if j < len(vals) {
			if s, ok := strings.CutPrefix(k, c.tagStrip); ok && c.tagStrip != "" {
				k = s
			}
			m[k] = vals[j]
		}
	}
	return MakeTags(m), nil
}

// classify works out a line's shared class from its text fields, read
// through get; month is the month of its charge start (see monthKey),
// its billing period when it names none; tagsOf reads its tags.
func (a *Aggregator) classify(c *columns, get func(int) string, month string, tagsOf func() (Tags, error)) *lineClass {
	val := func(f field) string {
		i := c.idx[f]
		if i < 0 {
			return ""
		}
		return nonNull(get(i))
	}
	cl := &lineClass{}
	period := ""
	if p := val(fPeriod); p != "" {
		_, py, pm, err := parseDay(p)
		if err != nil {
			cl.bad = fmt.Sprintf("%s: %v", c.name(fPeriod), err)
			return cl
		}
		period = a.period(py, pm)
	} else if _, y, m, err := parseDay(month + "-01"); err == nil {
		period = a.period(y, m)
	}
	// The texts may be the reader's, reused after this line: what the
	// class keeps is copied.
	cl.cat = a.intern(val(fCategory))
	cl.commitment = val(fCommitment) != ""
	tags, err := tagsOf()
	if err != nil {
		cl.tagErr = fmt.Sprintf("%s: %v", c.name(fTags), err)
	}
	source := a.source
	if source == "" {
		if p := val(fPayer); p != "" {
			if p != a.lastPayer {
				a.lastPayer, a.lastSource = strings.Clone(p), "payer:"+p
			}
			source = a.lastSource
		} else {
			source = "bill"
		}
	}
	usage := val(fUsageType)
	if usage == "" {
		usage = val(fDescription)
	}
	cl.key = a.keyClassOf(keyClass{
		source: source, period: period, account: val(fAccount), region: val(fRegion),
		service: val(fService), usage: usage, currency: val(fCurrency), tags: tags, kind: kindOf(cl.cat),
	})
	return cl
}

// keyClassOf returns the aggregator's one copy of k, its texts its own.
func (a *Aggregator) keyClassOf(k keyClass) *keyClass {
	if p, ok := a.keys[k]; ok {
		return p
	}
	if a.keys == nil || len(a.keys) >= a.tune.maxClasses {
		a.keys = make(map[keyClass]*keyClass)
	}
	k.source, k.period, k.account, k.region = a.intern(k.source), a.intern(k.period), a.intern(k.account), a.intern(k.region)
	k.service, k.usage, k.currency = a.intern(k.service), a.intern(k.usage), a.intern(k.currency)
	k.tags, k.kind = Tags(strings.Clone(string(k.tags))), Kind(a.intern(string(k.kind)))
	p := &k
	a.keys[k] = p
	return p
}

// intern returns one copy of each of the few texts that repeat across
// classes (accounts, regions, services, usage types, currencies): equal
// texts then share their bytes, which a sort of a million rollups
// compares by pointer rather than byte by byte.
func (a *Aggregator) intern(s string) string {
	if v, ok := a.interned[s]; ok {
		return v
	}
	if a.interned == nil || len(a.interned) >= maxInterned {
		a.interned = make(map[string]string)
	}
	s = strings.Clone(s)
	a.interned[s] = s
	return s
}

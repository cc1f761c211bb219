package bill

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// A bill repeats the same few texts on line after line: a resource's
// account, service, usage type, day and tags differ from the line before
// only in the hour and the amounts. Everything add works out from those
// texts (the day, the billing period, the kind of charge, the canonical
// tags, the rollup key) is a line's class, worked out once per distinct
// set of texts and found again by one lookup of the texts joined: the
// line key. What is left per line is reading its amounts.

// lineClass is what a line's text fields say, apart from its amounts.
type lineClass struct {
	key        aggKey
	cat        string
	kind       Kind
	commitment bool // the line names a commitment discount
	// bad says why the line's dates cannot be read, which skips the
	// line; tagErr why its tags cannot, which leaves it untagged.
	bad, tagErr string
	// val is the rollup the class adds to, found on first use by the
	// aggregator that rolls up (which, reading CSV, is not the one that
	// classified the line).
	val *aggVal
	gen int // the aggregator's generation val belongs to
}

// classFields are the fields a line's class depends on.
var classFields = []field{
	fStart, fPeriod, fAccount, fService, fUsageType, fDescription, fResource, fResourceName,
	fRegion, fTags, fCategory, fCurrency, fCommitment, fPayer,
}

// maxClasses bounds the class cache; past it the cache starts again, so
// memory stays flat however varied the bill. (A variable so tests can
// make the cache start again often.)
var maxClasses = 200_000

// maxInterned bounds the texts intern keeps.
const maxInterned = 10_000

// linePlan is which columns of a file make up a line key, in key order.
type linePlan struct {
	c     *columns
	cols  []int // distinct, ascending
	start int   // column of the charge start, or -1
	width int   // columns a decoded line needs
	// mapTags: the key ends with a MAP tag column's keys and values.
	mapTags bool
}

func newLinePlan(c *columns, mapTags bool) *linePlan {
	p := &linePlan{c: c, start: c.idx[fStart], mapTags: mapTags}
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
	if len(p.cols) > 0 {
		p.width = p.cols[len(p.cols)-1] + 1
	}
	return p
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

// appendKey appends the line key of a CSV record: its class columns
// joined, a column past the end of a short record empty, the charge
// start cut to its date (see dayKey).
func (p *linePlan) appendKey(dst []byte, rec []string) []byte {
	for _, col := range p.cols {
		s := ""
		if col < len(rec) {
			s = rec[col]
		}
		if col == p.start {
			s = dayKey(s)
		}
		dst = appendSlot(dst, s)
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
	clear(a.classes)
}

// classOf returns the class of the line whose key is key, working it out
// on the first sight of the key.
func (a *Aggregator) classOf(p *linePlan, key []byte) (*lineClass, error) {
	if cl, ok := a.classes[string(key)]; ok {
		return cl, nil
	}
	ks := string(key)
	vals, rest, err := p.decode(ks, a.scratch[:0])
	a.scratch = vals
	if err != nil {
		return nil, err
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
	cl := a.classify(p.c, get, tagsOf)
	clear(vals)
	if len(a.classes) >= maxClasses {
		clear(a.classes)
	}
	a.classes[ks] = cl
	return cl, nil
}

// decode splits a line key back into its columns' texts, each at its
// column's place in vals; rest is what follows the columns (a MAP's
// entries).
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
	n, w := binary.Uvarint([]byte(key[:min(len(key), binary.MaxVarintLen64)]))
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

// classify works out a line's class from its text fields, read through
// get; tagsOf reads its tags.
func (a *Aggregator) classify(c *columns, get func(int) string, tagsOf func() (Tags, error)) *lineClass {
	val := func(f field) string {
		i := c.idx[f]
		if i < 0 {
			return ""
		}
		s := get(i)
		if isNull(s) {
			return ""
		}
		return s
	}
	cl := &lineClass{}
	day, y, mo, err := parseDay(val(fStart))
	if err != nil {
		cl.bad = fmt.Sprintf("%s: %v", c.name(fStart), err)
		return cl
	}
	period := ""
	if p := val(fPeriod); p != "" {
		_, py, pm, err := parseDay(p)
		if err != nil {
			cl.bad = fmt.Sprintf("%s: %v", c.name(fPeriod), err)
			return cl
		}
		period = a.period(py, pm)
	} else {
		period = a.period(y, mo)
	}
	cl.cat = val(fCategory)
	cl.kind = kindOf(cl.cat)
	cl.commitment = val(fCommitment) != ""
	tags, err := tagsOf()
	if err != nil {
		cl.tagErr = fmt.Sprintf("%s: %v", c.name(fTags), err)
	}
	source := a.source
	if source == "" {
		if p := val(fPayer); p != "" {
			if p != a.lastPayer {
				a.lastPayer, a.lastSource = p, "payer:"+p
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
	cl.key = aggKey{
		day: day, kind: cl.kind, source: source, period: period,
		account: a.intern(val(fAccount)), region: a.intern(val(fRegion)), service: a.intern(val(fService)),
		usage: a.intern(usage), resource: val(fResource), rname: val(fResourceName), tags: tags,
		currency: a.intern(val(fCurrency)),
	}
	return cl
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

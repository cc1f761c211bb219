package bill

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"
	"unsafe"

	"github.com/steward-sre/steward/internal/money"
)

// A rollup block is a run of rollups encoded compactly, for a store that
// keeps a billing period as a few blobs rather than a row per rollup, and
// for the sorted runs an ingest too large to hold writes to a temporary
// file. Texts repeat from rollup to rollup (account, service, usage type,
// tags), so a block keeps each distinct text once and a rollup names it
// by its index; texts that do not repeat (resource ids) mostly share a
// long beginning with the field's text before them, which is kept once:
//
//	version  byte (2)
//	texts    uvarint count, then each as a byte, the field it is first
//	         of (0-10, in the order below), a byte, how many of its first
//	         bytes are those of that field's text before it, then uvarint
//	         length and bytes of the rest
//	rollups  uvarint count, then each as
//	         varint day (days since 1970-01-01), less the day of the
//	           rollup before it
//	         11 uvarint text indexes: source, period, account, region,
//	           service, usage type, resource, resource name, tags, kind,
//	           currency
//	         billed as varint units and uvarint fraction (see
//	           money.Amount.Parts); effective as a byte 0 when it is the
//	           billed amount, else 1 and the same two numbers
//	         varint lines
//
// Version 1, which steward wrote before, keeps every text whole (uvarint
// length and bytes), the day whole and the effective cost as its two
// numbers always; DecodeRollupBlock reads both.
const (
	blockVersion1 = 1
	blockVersion  = 2
)

// blockTexts is the number of text fields of a rollup in a block.
const blockTexts = 11

// minRollupBytes is the fewest bytes a rollup takes in a block, which
// bounds the count a block may claim.
const minRollupBytes = 1 + blockTexts + 2 + 1 + 1

// maxShared is the longest beginning a text shares with the one before
// it: so a block's texts are never more than about a hundred times its
// size, however it was made.
const maxShared = 255

func rollupTexts(r *Rollup) [blockTexts]*string {
	return [blockTexts]*string{&r.Source, &r.Period, &r.Account, &r.Region, &r.Service, &r.UsageType,
		&r.Resource, &r.ResourceName, (*string)(&r.Tags), (*string)(&r.Kind), &r.Currency}
}

// blockEncoder builds blocks a rollup at a time; it is reused from block
// to block (see reset).
type blockEncoder struct {
	idx   map[string]uint64
	texts []string
	// fields are the field each text was first met in.
	fields []byte
	last   [blockTexts]string
	lastI  [blockTexts]uint64
	// tries and hits count a field's dictionary lookups in this block:
	// a field whose texts hardly repeat (a resource-level bill's resource
	// ids) stops being looked up and is written as new texts.
	tries, hits [blockTexts]int
	lastDay     int32
	n           int
	body        []byte
}

// A field is looked up in a block's dictionary for its first dedupTries
// new texts, and after that only while at least one in dedupMinShare of
// its lookups found the text.
const (
	dedupTries    = 256
	dedupMinShare = 8
)

// AppendRollupBlock appends the block of rs to dst.
func AppendRollupBlock(dst []byte, rs []Rollup) []byte {
	var e blockEncoder
	e.reset()
	for i := range rs {
		r := &rs[i]
		texts := [blockTexts]string{r.Source, r.Period, r.Account, r.Region, r.Service, r.UsageType,
			r.Resource, r.ResourceName, string(r.Tags), string(r.Kind), r.Currency}
		e.add(DayOf(r.Day), &texts, r.Billed, r.Effective, r.Lines)
	}
	return e.finish(dst)
}

// reset starts a new block.
func (e *blockEncoder) reset() {
	if e.idx == nil {
		e.idx = map[string]uint64{}
	}
	clear(e.idx)
	e.texts, e.fields, e.body, e.n, e.lastDay = e.texts[:0], e.fields[:0], e.body[:0], 0, 0
	for i := range e.last {
		e.last[i], e.lastI[i] = "", math.MaxUint64
	}
	e.tries, e.hits = [blockTexts]int{}, [blockTexts]int{}
}

// add appends a rollup to the block: its day, its texts in the order of
// rollupTexts, its amounts and lines. The encoder keeps the texts until
// finish.
func (e *blockEncoder) add(day int32, texts *[blockTexts]string, billed, effective money.Amount, lines int64) {
	e.n++
	e.body = binary.AppendVarint(e.body, int64(day)-int64(e.lastDay))
	e.lastDay = day
	for f, s := range texts {
		// Sorted rollups repeat the text before them in most fields:
		// that costs a compare rather than a map lookup.
		if e.lastI[f] == math.MaxUint64 || s != e.last[f] {
			var n uint64
			ok := false
			if dedup := e.tries[f] < dedupTries || e.hits[f]*dedupMinShare >= e.tries[f]; dedup {
				e.tries[f]++
				if n, ok = e.idx[s]; ok {
					e.hits[f]++
				} else {
					e.idx[s] = uint64(len(e.texts))
				}
			}
			if !ok {
				n = uint64(len(e.texts))
				e.texts = append(e.texts, s)
				e.fields = append(e.fields, byte(f))
			}
			e.last[f], e.lastI[f] = s, n
		}
		e.body = binary.AppendUvarint(e.body, e.lastI[f])
	}
	units, frac := billed.Parts()
	e.body = binary.AppendVarint(e.body, units)
	e.body = binary.AppendUvarint(e.body, uint64(frac))
	if effective == billed {
		e.body = append(e.body, 0)
	} else {
		units, frac := effective.Parts()
		e.body = append(e.body, 1)
		e.body = binary.AppendVarint(e.body, units)
		e.body = binary.AppendUvarint(e.body, uint64(frac))
	}
	e.body = binary.AppendVarint(e.body, lines)
}

// finish appends the block of the rollups added since reset to dst.
func (e *blockEncoder) finish(dst []byte) []byte {
	dst = append(dst, blockVersion)
	dst = binary.AppendUvarint(dst, uint64(len(e.texts)))
	var prev [blockTexts]string
	for i, s := range e.texts {
		f := e.fields[i]
		shared := min(commonPrefix(prev[f], s), maxShared)
		dst = append(dst, f, byte(shared))
		dst = binary.AppendUvarint(dst, uint64(len(s)-shared))
		dst = append(dst, s[shared:]...)
		prev[f] = s
	}
	dst = binary.AppendUvarint(dst, uint64(e.n))
	return append(dst, e.body...)
}

// commonPrefix is how many first bytes a and b share, compared eight at
// a time.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	if n >= 8 {
		ab := unsafe.Slice(unsafe.StringData(a), len(a))
		bb := unsafe.Slice(unsafe.StringData(b), len(b))
		for ; i+8 <= n; i += 8 {
			if x := binary.LittleEndian.Uint64(ab[i:]) ^ binary.LittleEndian.Uint64(bb[i:]); x != 0 {
				return i + bits.TrailingZeros64(x)/8
			}
		}
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

var errBlock = errors.New("rollup block is corrupt")

// blockReader reads a block's fields in turn; the first error sticks.
type blockReader struct {
	b   []byte
	err error
}

func (r *blockReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *blockReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *blockReader) fail(why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", errBlock, why)
	}
	r.b = nil
}

// DecodeRollupBlock appends the rollups of block b to out. The texts of
// the rollups share one copy of the block's texts, so b may be reused.
func DecodeRollupBlock(b []byte, out []Rollup) ([]Rollup, error) {
	if len(b) == 0 || b[0] != blockVersion1 && b[0] != blockVersion {
		return out, fmt.Errorf("%w: unknown version", errBlock)
	}
	version := b[0]
	r := blockReader{b: b[1:]}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return out, fmt.Errorf("%w: %d texts in %d bytes", errBlock, n, len(r.b))
	}
	texts, err := r.texts(version, int(n))
	if err != nil {
		return out, err
	}
	count := r.uvarint()
	if r.err != nil || count > uint64(len(r.b))/minRollupBytes+1 {
		return out, fmt.Errorf("%w: %d rollups in %d bytes", errBlock, count, len(r.b))
	}
	out = growRollups(out, int(count))
	// A block's rollups are in day order: most days are the last one.
	lastDay, lastTime := int64(math.MinInt64), time.Time{}
	day := int64(0)
	for range count {
		// Decoded in place: a rollup is too large to copy twice.
		out = append(out, Rollup{})
		ro := &out[len(out)-1]
		if version == blockVersion1 {
			day = r.varint()
		} else {
			d := r.varint()
			if d < math.MinInt32 || d > math.MaxInt32 {
				r.fail("day out of range")
			}
			day += d
		}
		if day < math.MinInt32 || day > math.MaxInt32 {
			r.fail("day out of range")
			day = 0
		}
		if day != lastDay {
			lastDay, lastTime = day, DayTime(int32(day))
		}
		ro.Day = lastTime
		for _, p := range rollupTexts(ro) {
			i := r.uvarint()
			if i >= uint64(len(texts)) {
				r.fail("text index out of range")
				break
			}
			*p = texts[i]
		}
		ro.Billed = r.amount()
		if version == blockVersion1 {
			ro.Effective = r.amount()
		} else {
			switch r.byte() {
			case 0:
				ro.Effective = ro.Billed
			case 1:
				ro.Effective = r.amount()
			default:
				r.fail("bad effective cost")
			}
		}
		ro.Lines = r.varint()
		if r.err != nil {
			return out[:len(out)-1], r.err
		}
	}
	if len(r.b) != 0 {
		return out, fmt.Errorf("%w: %d bytes after the last rollup", errBlock, len(r.b))
	}
	return out, nil
}

func (r *blockReader) byte() byte {
	if len(r.b) == 0 {
		r.fail("cut short")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *blockReader) amount() money.Amount {
	units := r.varint()
	frac := r.uvarint()
	m, ok := money.FromParts(units, int64(min(frac, math.MaxInt64)))
	if !ok {
		r.fail("amount out of range")
	}
	return m
}

// texts reads a block's n texts into one string, so a block costs two
// allocations.
func (r *blockReader) texts(version byte, n int) ([]string, error) {
	type text struct{ field, shared, rest int }
	ts := make([]text, 0, n)
	total := 0
	scan := *r
	var prev [blockTexts]int // the length of each field's last text
	for range n {
		var t text
		if version != blockVersion1 {
			t.field, t.shared = int(scan.byte()), int(scan.byte())
			if t.field >= blockTexts {
				return nil, fmt.Errorf("%w: text of field %d", errBlock, t.field)
			}
			if t.shared > prev[t.field] {
				return nil, fmt.Errorf("%w: a text shares more than its field's text before it", errBlock)
			}
		}
		l := scan.uvarint()
		if scan.err != nil || l > uint64(len(scan.b)) {
			return nil, fmt.Errorf("%w: text runs past the end", errBlock)
		}
		scan.b = scan.b[l:]
		t.rest = int(l)
		prev[t.field] = t.shared + t.rest
		total += t.shared + t.rest
		ts = append(ts, t)
	}
	buf := make([]byte, total)
	var last [blockTexts]int // where each field's last text starts in buf
	at := 0
	for _, t := range ts {
		if version != blockVersion1 {
			r.b = r.b[2:]
		}
		r.uvarint()
		copy(buf[at:], buf[last[t.field]:last[t.field]+t.shared])
		copy(buf[at+t.shared:], r.b[:t.rest])
		r.b = r.b[t.rest:]
		last[t.field] = at
		at += t.shared + t.rest
	}
	// buf is never written again: the texts can share it as it is.
	joined := unsafe.String(unsafe.SliceData(buf), len(buf))
	texts := make([]string, n)
	at = 0
	for i, t := range ts {
		l := t.shared + t.rest
		texts[i] = joined[at : at+l]
		at += l
	}
	return texts, nil
}

func growRollups(out []Rollup, n int) []Rollup {
	if cap(out)-len(out) < n {
		grown := make([]Rollup, len(out), len(out)+n)
		copy(grown, out)
		return grown
	}
	return out
}

// CompareRollups orders rollups as SortRollups does, then by resource
// name and billing period, so that two rollups compare equal only when
// every field but the amounts and line counts is the same.
func CompareRollups(x, y *Rollup) int {
	if c := x.Day.Compare(y.Day); c != 0 {
		return c
	}
	if c := strings.Compare(x.Source, y.Source); c != 0 {
		return c
	}
	if c := strings.Compare(x.Account, y.Account); c != 0 {
		return c
	}
	if c := strings.Compare(x.Service, y.Service); c != 0 {
		return c
	}
	if c := strings.Compare(x.UsageType, y.UsageType); c != 0 {
		return c
	}
	if c := strings.Compare(x.Resource, y.Resource); c != 0 {
		return c
	}
	if c := strings.Compare(string(x.Tags), string(y.Tags)); c != 0 {
		return c
	}
	if c := strings.Compare(string(x.Kind), string(y.Kind)); c != 0 {
		return c
	}
	if c := strings.Compare(x.Region, y.Region); c != 0 {
		return c
	}
	if c := strings.Compare(x.Currency, y.Currency); c != 0 {
		return c
	}
	if c := strings.Compare(x.ResourceName, y.ResourceName); c != 0 {
		return c
	}
	return strings.Compare(x.Period, y.Period)
}

// ComparePeriodRollups is the order of an ingest's rollups as a store
// receives them (see RollupStore.ReplaceSorted): by source and billing
// period, then as CompareRollups.
func ComparePeriodRollups(x, y *Rollup) int {
	if c := strings.Compare(x.Source, y.Source); c != 0 {
		return c
	}
	if c := strings.Compare(x.Period, y.Period); c != 0 {
		return c
	}
	return CompareRollups(x, y)
}

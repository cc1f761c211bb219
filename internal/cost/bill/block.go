package bill

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/money"
)

// A rollup block is a run of rollups encoded compactly, for a store that
// keeps a billing period as a few blobs rather than a row per rollup, and
// for the sorted runs an ingest too large to hold writes to a temporary
// file. Texts repeat from rollup to rollup (account, service, usage type,
// tags), so a block keeps each distinct text once and a rollup names it
// by its index:
//
//	version  byte (1)
//	texts    uvarint count, then each as uvarint length and bytes
//	rollups  uvarint count, then each as
//	         varint day (days since 1970-01-01)
//	         11 uvarint text indexes: source, period, account, region,
//	           service, usage type, resource, resource name, tags, kind,
//	           currency
//	         billed and effective, each varint units and uvarint
//	           fraction (see money.Amount.Parts)
//	         varint lines
const blockVersion = 1

// blockTexts is the number of text fields of a rollup in a block.
const blockTexts = 11

// minRollupBytes is the fewest bytes a rollup takes in a block, which
// bounds the count a block may claim.
const minRollupBytes = 1 + blockTexts + 4 + 1

func rollupTexts(r *Rollup) [blockTexts]*string {
	return [blockTexts]*string{&r.Source, &r.Period, &r.Account, &r.Region, &r.Service, &r.UsageType,
		&r.Resource, &r.ResourceName, (*string)(&r.Tags), (*string)(&r.Kind), &r.Currency}
}

// blockEncoder builds blocks; it is reused from block to block.
type blockEncoder struct {
	idx   map[string]uint64
	texts []string
	last  [blockTexts]string
	lastI [blockTexts]uint64
	// tries and hits count a field's dictionary lookups in this block:
	// a field whose texts hardly repeat (a resource-level bill's resource
	// ids) stops being looked up and is written as new texts.
	tries, hits [blockTexts]int
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
	return e.append(dst, rs)
}

func (e *blockEncoder) append(dst []byte, rs []Rollup) []byte {
	if e.idx == nil {
		e.idx = map[string]uint64{}
	}
	clear(e.idx)
	e.texts, e.body = e.texts[:0], e.body[:0]
	for i := range e.last {
		e.last[i], e.lastI[i] = "", math.MaxUint64
	}
	e.tries, e.hits = [blockTexts]int{}, [blockTexts]int{}
	e.body = binary.AppendUvarint(e.body, uint64(len(rs)))
	for i := range rs {
		r := &rs[i]
		e.body = binary.AppendVarint(e.body, int64(DayOf(r.Day)))
		for f, p := range rollupTexts(r) {
			s := *p
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
				}
				e.last[f], e.lastI[f] = s, n
			}
			e.body = binary.AppendUvarint(e.body, e.lastI[f])
		}
		for _, m := range [2]money.Amount{r.Billed, r.Effective} {
			units, frac := m.Parts()
			e.body = binary.AppendVarint(e.body, units)
			e.body = binary.AppendUvarint(e.body, uint64(frac))
		}
		e.body = binary.AppendVarint(e.body, r.Lines)
	}
	dst = append(dst, blockVersion)
	dst = binary.AppendUvarint(dst, uint64(len(e.texts)))
	for _, s := range e.texts {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return append(dst, e.body...)
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
	if len(b) == 0 || b[0] != blockVersion {
		return out, fmt.Errorf("%w: unknown version", errBlock)
	}
	r := blockReader{b: b[1:]}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return out, fmt.Errorf("%w: %d texts in %d bytes", errBlock, n, len(r.b))
	}
	// One string holds every text, so a block costs two allocations.
	total := 0
	var lens []int
	scan := r
	for range n {
		l := scan.uvarint()
		if scan.err != nil || l > uint64(len(scan.b)) {
			return out, fmt.Errorf("%w: text runs past the end", errBlock)
		}
		lens = append(lens, int(l))
		total += int(l)
		scan.b = scan.b[l:]
	}
	var all strings.Builder
	all.Grow(total)
	for _, l := range lens {
		r.uvarint()
		all.Write(r.b[:l])
		r.b = r.b[l:]
	}
	joined := all.String()
	texts := make([]string, len(lens))
	at := 0
	for i, l := range lens {
		texts[i] = joined[at : at+l]
		at += l
	}
	count := r.uvarint()
	if r.err != nil || count > uint64(len(r.b))/minRollupBytes+1 {
		return out, fmt.Errorf("%w: %d rollups in %d bytes", errBlock, count, len(r.b))
	}
	out = growRollups(out, int(count))
	// A block's rollups are in day order: most days are the last one.
	lastDay, lastTime := int64(math.MinInt64), time.Time{}
	for range count {
		// Decoded in place: a rollup is too large to copy twice.
		out = append(out, Rollup{})
		ro := &out[len(out)-1]
		d := r.varint()
		if d < math.MinInt32 || d > math.MaxInt32 {
			r.fail("day out of range")
		}
		if d != lastDay {
			lastDay, lastTime = d, DayTime(int32(d))
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
		for _, m := range [2]*money.Amount{&ro.Billed, &ro.Effective} {
			units := r.varint()
			frac := r.uvarint()
			v, ok := money.FromParts(units, int64(min(frac, math.MaxInt64)))
			if !ok {
				r.fail("amount out of range")
			}
			*m = v
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

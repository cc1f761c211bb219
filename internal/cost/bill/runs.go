package bill

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// A bill at resource granularity makes about as many rollups as lines. So
// that memory does not grow with them, an ingest's aggregator holds at
// most spillAt rollups: past that it writes them, sorted, as a run of
// blocks (see AppendRollupBlock) to a temporary file and starts again.
// At the end the runs and what is left in memory are merged, rollups of
// the same key summed, and streamed to the store in order (see
// Aggregator.Sorted), so neither side ever holds them all.

// spillRollups is where an ingest's aggregator starts a run (a variable
// so tests can make runs of a few rollups).
var spillRollups = 64 * 1024

// runBlockRollups is how many rollups a block of a run holds.
const runBlockRollups = 4096

// runs are the sorted runs an aggregator wrote, in one temporary file.
type runs struct {
	f *os.File
	// blocks[i] are the end offsets of run i's blocks in f.
	blocks [][]int64
	size   int64
	enc    blockEncoder
	buf    []byte
	// done reports the end of the spill in flight; spare is the map it
	// wrote, cleared for the next one.
	done  chan error
	spare map[aggKey]*aggVal
}

// compareKeys is ComparePeriodRollups on aggregation keys. A class's
// fields are compared only when the two classes differ: most rollups
// next to each other in order share theirs.
func compareKeys(x, y *aggKey) int {
	cx, cy := x.cls, y.cls
	same := cx == cy
	if !same {
		if c := compareLead(cx, cy); c != 0 {
			return c
		}
	}
	if x.day != y.day {
		return cmp.Compare(x.day, y.day)
	}
	if !same {
		if c := compareMid(cx, cy); c != 0 {
			return c
		}
	}
	if c := strings.Compare(x.resource, y.resource); c != 0 {
		return c
	}
	if !same {
		if c := compareTail(cx, cy); c != 0 {
			return c
		}
	}
	return strings.Compare(x.rname, y.rname)
}

// compareLead, compareMid and compareTail compare the parts of two
// classes that come before the day, between the day and the resource,
// and after the resource in ComparePeriodRollups order.
func compareLead(x, y *keyClass) int {
	if c := strings.Compare(x.source, y.source); c != 0 {
		return c
	}
	return strings.Compare(x.period, y.period)
}

func compareMid(x, y *keyClass) int {
	if c := strings.Compare(x.account, y.account); c != 0 {
		return c
	}
	if c := strings.Compare(x.service, y.service); c != 0 {
		return c
	}
	return strings.Compare(x.usage, y.usage)
}

func compareTail(x, y *keyClass) int {
	if c := strings.Compare(string(x.tags), string(y.tags)); c != 0 {
		return c
	}
	if c := strings.Compare(string(x.kind), string(y.kind)); c != 0 {
		return c
	}
	if c := strings.Compare(x.region, y.region); c != 0 {
		return c
	}
	return strings.Compare(x.currency, y.currency)
}

type aggEntry struct {
	// pre orders the entry by source, period, day, account, service and
	// usage type in one integer, post by resource, then tags, kind,
	// region and currency (see sortedEntries).
	pre, post uint64
	k         *aggKey
	v         *aggVal
}

// The bits of aggEntry.pre: the rank of the source and period, the day
// from the earliest, the rank of the account, service and usage type.
const (
	preLeadBits = 12
	preDayBits  = 20
	preMidBits  = 32
)

// sortedEntries are the rollups of m in ComparePeriodRollups order, and
// the comparison that orders them. Two rollups of one key can be there
// (see keyClass): the comparison says they are equal, and they are side
// by side.
//
// Sorting is most of a spill's work, and comparing keys field by field
// most of sorting. A run's rollups have few classes (a few thousand
// accounts x services x usage types x tag sets), so each class gets the
// ranks of its fields before the day, between the day and the resource
// and after it; the resources get theirs (a resource has a rollup a day,
// so a run has fewer resources than rollups); and each entry packs them
// in two integers: comparisons are integer comparisons, and only a tie
// compares the resource names. The order is the same as compareKeys'.
func sortedEntries(m map[aggKey]*aggVal) ([]aggEntry, func(x, y *aggEntry) int) {
	keys := make([]aggKey, 0, len(m))
	es := make([]aggEntry, 0, len(m))
	for k, v := range m {
		keys = append(keys, k)
		es = append(es, aggEntry{k: &keys[len(keys)-1], v: v})
	}
	if !rankEntries(es) {
		byKeys := func(x, y *aggEntry) int { return compareKeys(x.k, y.k) }
		slices.SortFunc(es, func(x, y aggEntry) int { return byKeys(&x, &y) })
		return es, byKeys
	}
	byRanks := func(x, y *aggEntry) int {
		if x.pre != y.pre {
			return cmp.Compare(x.pre, y.pre)
		}
		if x.post != y.post {
			return cmp.Compare(x.post, y.post)
		}
		return strings.Compare(x.k.rname, y.k.rname)
	}
	slices.SortFunc(es, func(x, y aggEntry) int { return byRanks(&x, &y) })
	return es, byRanks
}

// rankEntries sets the pre and post of each entry, or reports false
// when the entries have too many distinct sources and periods, or days
// too far apart, for pre's bits.
func rankEntries(es []aggEntry) bool {
	if len(es) == 0 || len(es) >= 1<<preMidBits {
		return false
	}
	// Each entry's post holds the index of its class in cls and of its
	// resource in res until their ranks are known.
	idx := make(map[*keyClass]uint32)
	var cls []*keyClass
	resIdx := make(map[string]uint32)
	var res []string
	lo, hi := es[0].k.day, es[0].k.day
	for i := range es {
		k := es[i].k
		j, ok := idx[k.cls]
		if !ok {
			j = uint32(len(cls))
			idx[k.cls] = j
			cls = append(cls, k.cls)
		}
		r, ok := resIdx[k.resource]
		if !ok {
			r = uint32(len(res))
			resIdx[k.resource] = r
			res = append(res, k.resource)
		}
		es[i].post = uint64(r)<<32 | uint64(j)
		lo, hi = min(lo, k.day), max(hi, k.day)
	}
	if int64(hi)-int64(lo) >= 1<<preDayBits {
		return false
	}
	lead := classRanks(cls, compareLead)
	if slices.Max(lead) >= 1<<preLeadBits {
		return false
	}
	mid := classRanks(cls, compareMid)
	tail := classRanks(cls, compareTail)
	resRank := ranks(len(res), func(i, j int) int { return strings.Compare(res[i], res[j]) })
	for i := range es {
		r, j := es[i].post>>32, es[i].post&(1<<32-1)
		es[i].pre = lead[j]<<(preDayBits+preMidBits) | uint64(es[i].k.day-lo)<<preMidBits | mid[j]
		es[i].post = resRank[r]<<32 | tail[j]
	}
	return true
}

// classRanks gives each class the rank of its fields that by compares,
// the same rank to classes by says are equal.
func classRanks(cls []*keyClass, by func(x, y *keyClass) int) []uint64 {
	return ranks(len(cls), func(i, j int) int { return by(cls[i], cls[j]) })
}

// ranks gives each of n things the rank of its place in the order by
// (of their indexes) says, the same rank to things by says are equal.
func ranks(n int, by func(i, j int) int) []uint64 {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, by)
	out := make([]uint64, n)
	rank := uint64(0)
	for k, i := range order {
		if k > 0 && by(order[k-1], i) != 0 {
			rank++
		}
		out[i] = rank
	}
	return out
}

func (e *aggEntry) rollup() Rollup {
	k, c, v := e.k, e.k.cls, e.v
	return Rollup{
		Day: DayTime(k.day), Source: c.source, Period: c.period, Account: c.account,
		Region: c.region, Service: c.service, UsageType: c.usage, Resource: k.resource,
		ResourceName: k.rname, Tags: c.tags, Kind: c.kind, Currency: c.currency,
		Billed: v.billed, Effective: v.effective, Lines: v.lines,
	}
}

// summed calls fn with the rollup of each key of es, sorted by compare,
// the amounts and lines of its entries summed.
func summed(es []aggEntry, compare func(x, y *aggEntry) int, fn func(r *Rollup) error) error {
	for i := 0; i < len(es); {
		r := es[i].rollup()
		j := i + 1
		for ; j < len(es) && compare(&es[i], &es[j]) == 0; j++ {
			r.Billed = r.Billed.Add(es[j].v.billed)
			r.Effective = r.Effective.Add(es[j].v.effective)
			r.Lines += es[j].v.lines
		}
		if err := fn(&r); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// spill hands the rollups in memory to a goroutine that writes them as a
// sorted run, and goes on with an empty map: the sorting, which is most
// of a spill's work, runs on another core while lines are read. One
// spill is in flight at a time. Whole-line entries keep pointers into the
// rollups handed over: the generation tells add to look their rollup up
// again.
func (a *Aggregator) spill() error {
	if a.runs == nil {
		f, err := os.CreateTemp("", "steward-cost-run-*")
		if err != nil {
			return &IOError{Err: fmt.Errorf("temporary file for sorted rollups: %w", err)}
		}
		// Unlinked at once where the system allows: nothing is left
		// behind if the process is killed.
		os.Remove(f.Name())
		a.runs = &runs{f: f}
	}
	rs := a.runs
	if err := rs.wait(); err != nil {
		return err
	}
	old := a.m
	a.m, rs.spare = rs.spare, nil
	if a.m == nil {
		a.m = make(map[aggKey]*aggVal, len(old))
	}
	clear(a.entries)
	a.gen++
	a.linesIn = 0
	done := make(chan error, 1)
	rs.done = done
	go func() {
		err := rs.write(old)
		clear(old)
		rs.spare = old
		done <- err
	}()
	return nil
}

// wait waits for the spill in flight, if any.
func (rs *runs) wait() error {
	if rs.done == nil {
		return nil
	}
	err := <-rs.done
	rs.done = nil
	return err
}

// write appends the rollups of m to the file as one sorted run.
func (rs *runs) write(m map[aggKey]*aggVal) error {
	var ends []int64
	rs.enc.reset()
	flush := func() error {
		rs.buf = rs.enc.finish(rs.buf[:0])
		rs.enc.reset()
		if _, err := rs.f.Write(rs.buf); err != nil {
			return &IOError{Err: fmt.Errorf("write sorted rollups: %w", err)}
		}
		rs.size += int64(len(rs.buf))
		ends = append(ends, rs.size)
		return nil
	}
	// Encoded straight from the entries: a Rollup made of each would
	// only be taken apart again.
	es, compare := sortedEntries(m)
	var texts [blockTexts]string
	for i := 0; i < len(es); {
		e := &es[i]
		v := *e.v
		j := i + 1
		for ; j < len(es) && compare(e, &es[j]) == 0; j++ {
			v.billed = v.billed.Add(es[j].v.billed)
			v.effective = v.effective.Add(es[j].v.effective)
			v.lines += es[j].v.lines
		}
		i = j
		k, c := e.k, e.k.cls
		texts = [blockTexts]string{c.source, c.period, c.account, c.region, c.service, c.usage,
			k.resource, k.rname, string(c.tags), string(c.kind), c.currency}
		rs.enc.add(k.day, &texts, v.billed, v.effective, v.lines)
		if rs.enc.n == runBlockRollups {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if rs.enc.n > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	rs.blocks = append(rs.blocks, ends)
	return nil
}

// maybeSpill spills when the aggregator holds too many rollups; an error
// is kept for Sorted to return.
func (a *Aggregator) maybeSpill() {
	if a.spillAt > 0 && len(a.m) >= a.spillAt && a.spillErr == nil {
		a.spillErr = a.spill()
	}
}

// Close removes the temporary file of sorted runs, if any.
func (a *Aggregator) Close() error {
	if a.runs == nil {
		return nil
	}
	a.runs.wait()
	err := a.runs.f.Close()
	os.Remove(a.runs.f.Name())
	a.runs = nil
	return err
}

// runCursor walks one sorted run, a block at a time.
type runCursor struct {
	rs     *runs
	ends   []int64
	start  int64
	buf    []byte
	rows   []Rollup
	i      int
	single []aggEntry // the rollups still in memory, instead of a run
}

func (c *runCursor) next() (*Rollup, error) {
	if c.single != nil || c.rs == nil {
		if len(c.single) == 0 {
			return nil, nil
		}
		if cap(c.rows) == 0 {
			c.rows = make([]Rollup, 1)
		}
		c.rows[0] = c.single[0].rollup() // equal keys are summed by the merge
		c.single = c.single[1:]
		return &c.rows[0], nil
	}
	for c.i >= len(c.rows) {
		if len(c.ends) == 0 {
			return nil, nil
		}
		end := c.ends[0]
		c.buf = slices.Grow(c.buf[:0], int(end-c.start))[:end-c.start]
		if _, err := c.rs.f.ReadAt(c.buf, c.start); err != nil && err != io.EOF {
			return nil, &IOError{Err: fmt.Errorf("read sorted rollups: %w", err)}
		}
		var err error
		if c.rows, err = DecodeRollupBlock(c.buf, c.rows[:0]); err != nil {
			return nil, fmt.Errorf("read sorted rollups: %w", err)
		}
		c.start, c.ends, c.i = end, c.ends[1:], 0
	}
	c.i++
	return &c.rows[c.i-1], nil
}

// Sorted streams the rollups to fn in ComparePeriodRollups order, each
// key once with its amounts and lines summed over the runs. The rollup
// fn gets is valid only during the call. The aggregator's rollups are
// left as they were only when there were no runs.
func (a *Aggregator) Sorted(ctx context.Context, fn func(*Rollup) error) error {
	if a.spillErr != nil {
		return a.spillErr
	}
	if a.runs != nil {
		if err := a.runs.wait(); err != nil {
			a.spillErr = err
			return err
		}
	}
	es, compare := sortedEntries(a.m)
	if a.runs == nil {
		n := 0
		return summed(es, compare, func(r *Rollup) error {
			if n++; n&4095 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			return fn(r)
		})
	}
	mem := &runCursor{single: es}
	cursors := []*runCursor{mem}
	start := int64(0)
	for _, ends := range a.runs.blocks {
		cursors = append(cursors, &runCursor{rs: a.runs, ends: ends, start: start})
		if len(ends) > 0 {
			start = ends[len(ends)-1]
		}
	}
	h := mergeHeap{heads: make([]*Rollup, len(cursors))}
	for i, c := range cursors {
		var err error
		if h.heads[i], err = c.next(); err != nil {
			return err
		}
		if h.heads[i] != nil {
			h.idx = append(h.idx, i)
		}
	}
	h.init()
	var out Rollup
	have := false
	for n := 0; len(h.idx) > 0; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		top := h.idx[0]
		r := h.heads[top]
		if have && ComparePeriodRollups(&out, r) == 0 {
			out.Billed = out.Billed.Add(r.Billed)
			out.Effective = out.Effective.Add(r.Effective)
			out.Lines += r.Lines
		} else {
			if have {
				if err := fn(&out); err != nil {
					return err
				}
			}
			out, have = *r, true
		}
		next, err := cursors[top].next()
		if err != nil {
			return err
		}
		h.heads[top] = next
		if next == nil {
			last := len(h.idx) - 1
			h.idx[0] = h.idx[last]
			h.idx = h.idx[:last]
		}
		h.down(0)
	}
	if have {
		return fn(&out)
	}
	return nil
}

// mergeHeap is a min-heap of cursors (idx) by their heads: a merge of
// many runs costs a few compares per rollup rather than one per run.
type mergeHeap struct {
	idx   []int
	heads []*Rollup
}

func (h *mergeHeap) less(i, j int) bool {
	return ComparePeriodRollups(h.heads[h.idx[i]], h.heads[h.idx[j]]) < 0
}

func (h *mergeHeap) init() {
	for i := len(h.idx)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *mergeHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h.idx) {
			return
		}
		m := l
		if r := l + 1; r < len(h.idx) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.idx[i], h.idx[m] = h.idx[m], h.idx[i]
		i = m
	}
}

// runBytes is for tests: the size of the runs written so far.
func (a *Aggregator) runBytes() int64 {
	if a.runs == nil {
		return 0
	}
	if err := a.runs.wait(); err != nil {
		a.spillErr = err
	}
	return a.runs.size
}

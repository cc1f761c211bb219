package bill

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/steward-sre/steward/internal/money"
)

// leafConv turns a Parquet value of one leaf column into the text a CSV
// export would carry, so both share one line reader: decimals exactly,
// timestamps as RFC 3339, doubles in their shortest exact form.
type leafConv func(v parquet.Value) string

func convFor(leaf parquet.LeafColumn) leafConv {
	t := leaf.Node.Type()
	if lt := t.LogicalType(); lt != nil {
		switch x := lt.Value.(type) {
		case *format.DecimalType:
			scale := int(x.Scale)
			return func(v parquet.Value) string { return decimalString(v, scale) }
		case *format.TimestampType:
			unit := time.Millisecond
			if x.Unit.Value != nil {
				unit = x.Unit.Value.Duration()
			}
			// Lines of one hour or day share a timestamp, and a bill
			// has a few thousand hours: format each once.
			seen := map[int64]string{}
			return func(v parquet.Value) string {
				n := v.Int64()
				if s, ok := seen[n]; ok {
					return s
				}
				s := time.Unix(0, 0).Add(time.Duration(n) * unit).UTC().Format(time.RFC3339)
				if len(seen) >= 10_000 {
					clear(seen)
				}
				seen[n] = s
				return s
			}
		case *format.DateType:
			return func(v parquet.Value) string {
				return DayTime(v.Int32()).Format(time.DateOnly)
			}
		}
	}
	// Text columns repeat a few values (services, accounts, usage types,
	// tag sets): intern them so a line allocates no string.
	// Sorted exports repeat a value over runs of lines: compare with the
	// last one before hashing.
	interned := map[string]string{}
	last := ""
	return func(v parquet.Value) string {
		switch v.Kind() {
		case parquet.ByteArray, parquet.FixedLenByteArray:
			b := v.ByteArray()
			if string(b) == last {
				return last
			}
			if s, ok := interned[string(b)]; ok {
				last = s
				return s
			}
			s := string(b)
			if len(interned) >= 50_000 {
				clear(interned)
			}
			interned[s] = s
			last = s
			return s
		case parquet.Double:
			return strconv.FormatFloat(v.Double(), 'g', -1, 64)
		case parquet.Float:
			return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
		case parquet.Int32:
			return strconv.FormatInt(int64(v.Int32()), 10)
		case parquet.Int64:
			return strconv.FormatInt(v.Int64(), 10)
		case parquet.Int96:
			// Legacy timestamps: nanoseconds of the day, then the Julian day.
			b := v.Bytes()
			if len(b) != 12 {
				return ""
			}
			nanos := int64(binary.LittleEndian.Uint64(b[:8]))
			jd := int64(binary.LittleEndian.Uint32(b[8:]))
			return time.Unix((jd-2440588)*86400, nanos).UTC().Format(time.RFC3339)
		case parquet.Boolean:
			return strconv.FormatBool(v.Boolean())
		}
		return v.String()
	}
}

// decimalString formats a Parquet DECIMAL (int32, int64 or big-endian
// two's complement bytes) exactly.
func decimalString(v parquet.Value, scale int) string {
	var n *big.Int
	switch v.Kind() {
	case parquet.Int32:
		return decimalInt64(int64(v.Int32()), scale)
	case parquet.Int64:
		return decimalInt64(v.Int64(), scale)
	default:
		b := v.ByteArray()
		n = new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
		}
	}
	return decimalBig(n, scale)
}

func decimalBig(n *big.Int, scale int) string {
	s := n.String()
	if scale <= 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

// decimalInt64 formats n x 10^-scale exactly, without big.Int: costs are
// int64 decimals in most exports, and this runs for every line.
func decimalInt64(n int64, scale int) string {
	if scale <= 0 || scale > 18 {
		return decimalBig(big.NewInt(n), scale)
	}
	var buf [48]byte
	neg := n < 0
	u := uint64(n)
	if neg {
		u = -u
	}
	i := len(buf)
	for d := 0; d < scale || u > 0 || d <= scale; d++ {
		if d == scale {
			i--
			buf[i] = '.'
		}
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if d >= scale && u == 0 {
			break
		}
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// ReadParquet aggregates one Parquet export. It reads only the column
// chunks steward uses (exports carry a hundred or more columns, and
// decoding the rest was most of the work), a batch of lines at a time
// and a column at a time, giving each text an ID so that a line's class
// is found by a short key (see parquetread.go); it spreads row groups
// over the available cores, each worker rolling up into its own map; the
// maps are merged at the end, so totals stay exact. Memory follows the
// row group and the number of rollups, not the file.
// The tag column may be a JSON string (FOCUS) or a MAP (CUR 2.0).
func (a *Aggregator) ReadParquet(ctx context.Context, name string, r io.ReaderAt, size int64) (FileStats, error) {
	fs := FileStats{Name: name}
	pf, err := openParquet(r, size)
	if err != nil {
		return fs, fmt.Errorf("%s: not a readable Parquet file: %w", name, err)
	}
	schema := pf.Schema()
	paths := schema.Columns()
	header := make([]string, len(paths))
	for i, p := range paths {
		header[i] = strings.Join(p, ".")
	}
	c, err := detect(header)
	if err != nil {
		return fs, fmt.Errorf("%s: %w", name, err)
	}
	fs.Format = c.format
	// A MAP tag column has key and value leaves under the column's name.
	tagName := ""
	for _, l := range layouts {
		if l.format == c.format || l.format == FOCUS10 && strings.HasPrefix(string(c.format), "FOCUS") {
			if n := l.names[fTags]; len(n) > 0 {
				tagName = n[0]
			}
		}
	}
	plan := parquetPlan{c: c, keyLeaf: -1, valLeaf: -1, width: len(paths)}
	if c.idx[fTags] < 0 && tagName != "" {
		for i, p := range paths {
			if len(p) > 1 && strings.EqualFold(p[0], tagName) {
				switch p[len(p)-1] {
				case "key":
					plan.keyLeaf = i
				case "value":
					plan.valLeaf = i
				}
			}
		}
	}
	plan.lp = newLinePlan(c, plan.keyLeaf >= 0 || plan.valLeaf >= 0)
	isKey := make([]bool, len(paths))
	for _, col := range plan.lp.allCols() {
		isKey[col] = true
	}
	isAmount := make([]bool, len(paths))
	for _, f := range []field{fBilled, fEffective, fSPEffective, fRIEffective} {
		if i := c.idx[f]; i >= 0 {
			isAmount[i] = true
		}
	}
	for i, p := range paths {
		if isKey[i] || isAmount[i] || i == plan.keyLeaf || i == plan.valLeaf {
			leaf, ok := schema.Lookup(p...)
			if !ok {
				return fs, fmt.Errorf("%s: column %s not found in schema", name, header[i])
			}
			pl := planLeaf{col: i, leaf: leaf, name: header[i], scale: -1, key: isKey[i], amount: isAmount[i]}
			if pl.amount && !pl.key {
				pl.scale = moneyScale(leaf)
			}
			plan.leaves = append(plan.leaves, pl)
		}
	}
	rgs := pf.RowGroups()
	// The library allocates what a page header claims before it reads
	// the page: check the headers of the chunks to be read first.
	meta := pf.Metadata().RowGroups
	for i := range rgs {
		for _, l := range plan.leaves {
			if i >= len(meta) || l.leaf.ColumnIndex >= len(meta[i].Columns) {
				return fs, fmt.Errorf("%s: row group %d has no column %s", name, i, l.name)
			}
			if err := checkChunkPages(r, size, &meta[i].Columns[l.leaf.ColumnIndex].MetaData); err != nil {
				return fs, fmt.Errorf("%s: column %s: %w", name, l.name, err)
			}
		}
	}
	firstLine := make([]int64, len(rgs))
	var line int64 = 2 // line 1 stands for the header a CSV would have
	for i, rg := range rgs {
		firstLine[i] = line
		line += rg.NumRows()
	}
	workers := a.tune.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(rgs))
	if workers <= 1 {
		w := newParquetWorker(&plan)
		for i, rg := range rgs {
			if err := w.readRowGroupSafe(ctx, a, &fs, rg, firstLine[i]); err != nil {
				return fs, fmt.Errorf("%s: %w", name, err)
			}
		}
		a.stats.Files = append(a.stats.Files, fs)
		return fs, nil
	}
	// Each worker takes the next row group; its own aggregator and
	// converters (which cache) keep the hot path free of locks.
	type result struct {
		agg *Aggregator
		fs  FileStats
		err error
	}
	results := make([]result, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub := NewAggregator(a.source)
			sub.tune = a.tune
			wfs := FileStats{Name: name}
			pw := newParquetWorker(&plan)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(rgs) {
					break
				}
				if err := pw.readRowGroupSafe(ctx, sub, &wfs, rgs[i], firstLine[i]); err != nil {
					// Stop the others too: the file is unreadable.
					next.Store(int64(len(rgs)))
					results[w] = result{err: err}
					return
				}
			}
			results[w] = result{agg: sub, fs: wfs}
		}()
	}
	wg.Wait()
	for _, res := range results {
		if res.err != nil {
			return fs, fmt.Errorf("%s: %w", name, res.err)
		}
	}
	var bad, badTags []BadRow
	for _, res := range results {
		a.merge(res.agg)
		fs.Lines += res.fs.Lines
		fs.Skipped += res.fs.Skipped
		fs.BadTags += res.fs.BadTags
		fs.Billed = fs.Billed.Add(res.fs.Billed)
		bad = append(bad, res.agg.stats.BadRows...)
		badTags = append(badTags, res.agg.stats.BadTagRows...)
	}
	// Each worker kept its first bad rows; the first of all are among them.
	a.stats.BadRows = firstRows(a.stats.BadRows, bad, MaxBadRows)
	a.stats.BadTagRows = firstRows(a.stats.BadTagRows, badTags, MaxBadRows)
	fs.BadRows = firstRows(nil, bad, maxFileBadRows)
	a.stats.Files = append(a.stats.Files, fs)
	return fs, nil
}

// firstRows appends to dst the first of rows by line, up to n in all.
func firstRows(dst, rows []BadRow, n int) []BadRow {
	slices.SortFunc(rows, func(x, y BadRow) int { return cmp.Compare(x.Line, y.Line) })
	for _, b := range rows {
		if len(dst) >= n {
			break
		}
		dst = append(dst, b)
	}
	return dst
}

// merge adds another aggregator's rollups and line counts to a. Bad rows
// and file stats are left to the caller, which knows their order.
func (a *Aggregator) merge(o *Aggregator) {
	// Each aggregator has its own classes: o's become a's, so that a
	// rollup both hold meets itself.
	mine := make(map[*keyClass]*keyClass)
	for k, v := range o.m {
		cls, ok := mine[k.cls]
		if !ok {
			cls = a.keyClassOf(*k.cls)
			mine[k.cls] = cls
		}
		k.cls = cls
		if w := a.m[k]; w != nil {
			w.billed = w.billed.Add(v.billed)
			w.effective = w.effective.Add(v.effective)
			w.lines += v.lines
		} else {
			a.m[k] = v
			a.maybeSpill()
		}
	}
	a.stats.Lines += o.stats.Lines
	a.stats.Skipped += o.stats.Skipped
	a.stats.SkippedBilled = a.stats.SkippedBilled.Add(o.stats.SkippedBilled)
	a.stats.Billed = a.stats.Billed.Add(o.stats.Billed)
	a.stats.EffectiveFromBilled += o.stats.EffectiveFromBilled
	a.stats.BadTags += o.stats.BadTags
}

// parquetPlan is what a file needs read: its leaves by file column index.
type parquetPlan struct {
	c                *columns
	lp               *linePlan
	leaves           []planLeaf
	keyLeaf, valLeaf int
	width            int
}

type planLeaf struct {
	col  int
	leaf parquet.LeafColumn
	name string
	// scale of an int32/int64 DECIMAL that Money holds exactly, else -1.
	scale int
	// key: the column is part of the line key; amount: it holds an
	// amount.
	key, amount bool
}

// moneyScale is the scale of an integer DECIMAL leaf Money can take
// without text, or -1.
func moneyScale(leaf parquet.LeafColumn) int {
	t := leaf.Node.Type()
	lt := t.LogicalType()
	if lt == nil || leaf.MaxRepetitionLevel > 0 {
		return -1
	}
	d, ok := lt.Value.(*format.DecimalType)
	if !ok {
		return -1
	}
	if k := t.Kind(); k != parquet.Int32 && k != parquet.Int64 {
		return -1
	}
	if sc := int(d.Scale); sc >= 0 && sc <= money.MaxScale {
		return sc
	}
	return -1
}

// moneyFromDecimal is n x 10^-scale as Money, exactly; false when the
// amount is out of Money's range.
func moneyFromDecimal(n int64, scale int) (money.Amount, bool) { return money.FromDecimal(n, scale) }

// openParquet opens a file after checking its footer: a damaged footer
// length makes the Parquet library read without end, a damaged count in
// the footer makes it allocate without bound, and other damage can make
// it panic.
func openParquet(r io.ReaderAt, size int64) (pf *parquet.File, err error) {
	if size < 12 {
		return nil, fmt.Errorf("%d bytes is too short for Parquet", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, fmt.Errorf("read footer: %w", err)
	}
	if !bytes.Equal(tail[4:], parquetMagic) {
		return nil, fmt.Errorf("no PAR1 at the end of the file")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return nil, fmt.Errorf("footer of %d bytes does not fit in a file of %d bytes", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil {
		return nil, fmt.Errorf("read footer: %w", err)
	}
	if err := checkThriftCompact(footer); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			pf, err = nil, fmt.Errorf("damaged footer: %v", p)
		}
	}()
	return parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
}

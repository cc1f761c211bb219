package cost

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
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
			// Lines of one hour or day share a timestamp: format each once.
			var last int64
			lastS := ""
			return func(v parquet.Value) string {
				if n := v.Int64(); n != last || lastS == "" {
					last, lastS = n, time.Unix(0, 0).Add(time.Duration(n)*unit).UTC().Format(time.RFC3339)
				}
				return lastS
			}
		case *format.DateType:
			return func(v parquet.Value) string {
				return dayTime(v.Int32()).Format(time.DateOnly)
			}
		}
	}
	// Text columns repeat a few values (services, accounts, usage types,
	// tag sets): intern them so a line allocates no string.
	interned := map[string]string{}
	return func(v parquet.Value) string {
		switch v.Kind() {
		case parquet.ByteArray, parquet.FixedLenByteArray:
			b := v.ByteArray()
			if s, ok := interned[string(b)]; ok {
				return s
			}
			s := string(b)
			if len(interned) >= 50_000 {
				clear(interned)
			}
			interned[s] = s
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

// projection is the conversion from a file's schema to the top-level
// fields holding the wanted leaves, and for each leaf of the projection
// the index of the same leaf in the file (-1 for none).
func projection(schema *parquet.Schema, paths [][]string, want func(int) bool) (parquet.Conversion, []int, error) {
	group := parquet.Group{}
	for i, p := range paths {
		if !want(i) {
			continue
		}
		for _, f := range schema.Fields() {
			if f.Name() == p[0] {
				group[p[0]] = f
			}
		}
	}
	target := parquet.NewSchema(schema.Name(), group)
	conv, err := parquet.Convert(target, schema)
	if err != nil {
		return nil, nil, fmt.Errorf("project columns: %w", err)
	}
	orig := make(map[string]int, len(paths))
	for i, p := range paths {
		orig[strings.Join(p, "\x00")] = i
	}
	var toOrig []int
	for _, p := range target.Columns() {
		i, ok := orig[strings.Join(p, "\x00")]
		if !ok {
			i = -1
		}
		toOrig = append(toOrig, i)
	}
	return conv, toOrig, nil
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

// ReadParquet aggregates one Parquet export. Rows stream one row group at
// a time in small batches, so memory follows the row group, not the file.
// The tag column may be a JSON string (FOCUS) or a MAP (CUR 2.0).
func (a *Aggregator) ReadParquet(ctx context.Context, name string, r io.ReaderAt, size int64) (FileStats, error) {
	fs := FileStats{Name: name}
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
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
	keyLeaf, valLeaf := -1, -1
	if c.idx[fTags] < 0 && tagName != "" {
		for i, p := range paths {
			if len(p) > 1 && strings.EqualFold(p[0], tagName) {
				switch p[len(p)-1] {
				case "key":
					keyLeaf = i
				case "value":
					valLeaf = i
				}
			}
		}
	}
	needed := make([]bool, len(paths))
	conv := make([]leafConv, len(paths))
	for f := range nFields {
		if i := c.idx[f]; i >= 0 {
			needed[i] = true
		}
	}
	for i, p := range paths {
		if needed[i] || i == keyLeaf || i == valLeaf {
			leaf, ok := schema.Lookup(p...)
			if !ok {
				return fs, fmt.Errorf("%s: column %s not found in schema", name, header[i])
			}
			conv[i] = convFor(leaf)
		}
	}
	vals := make([]string, len(paths))
	var tkeys, tvals []string
	get := func(i int) string { return vals[i] }
	tagsOf := func() (Tags, error) {
		if c.idx[fTags] >= 0 {
			raw := vals[c.idx[fTags]]
			if isNull(raw) || raw == "{}" {
				return "", nil
			}
			return a.tagJSON(c, raw)
		}
		if len(tkeys) == 0 {
			return "", nil
		}
		m := make(map[string]string, len(tkeys))
		for j, k := range tkeys {
			if j < len(tvals) {
				if s, ok := strings.CutPrefix(k, c.tagStrip); ok && c.tagStrip != "" {
					k = s
				}
				m[k] = tvals[j]
			}
		}
		return MakeTags(m), nil
	}
	// Read only the columns steward uses: exports carry a hundred or more,
	// and decoding the rest is most of the work. The projection keeps
	// whole top-level fields (a MAP keeps its key and value leaves).
	proj, toOrig, err := projection(schema, paths, func(i int) bool { return conv[i] != nil })
	if err != nil {
		return fs, fmt.Errorf("%s: %w", name, err)
	}
	projConv := make([]leafConv, len(toOrig))
	for j, i := range toOrig {
		if i >= 0 {
			projConv[j] = conv[i]
		}
	}
	buf := make([]parquet.Row, 512)
	var line int64 = 1
	for _, rg := range pf.RowGroups() {
		if err := ctx.Err(); err != nil {
			return fs, fmt.Errorf("%s: %w", name, err)
		}
		rows := parquet.NewRowGroupRowReader(parquet.ConvertRowGroup(rg, proj))
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				line++
				clear(vals)
				tkeys, tvals = tkeys[:0], tvals[:0]
				for _, v := range row {
					pc := v.Column()
					if pc < 0 || pc >= len(projConv) || projConv[pc] == nil || v.IsNull() {
						continue
					}
					col := toOrig[pc]
					s := projConv[pc](v)
					switch col {
					case keyLeaf:
						tkeys = append(tkeys, s)
					case valLeaf:
						tvals = append(tvals, s)
					default:
						vals[col] = s
					}
				}
				a.add(&fs, c, line, get, tagsOf)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rows.Close()
				return fs, fmt.Errorf("%s: read rows: %w", name, err)
			}
		}
		rows.Close()
	}
	a.stats.Files = append(a.stats.Files, fs)
	return fs, nil
}

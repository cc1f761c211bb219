package bill

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/steward-sre/steward/internal/money"
)

// cur2Row is a CUR 2.0 line as Parquet writes it: resource_tags is a
// MAP, and columns steward does not read sit between those it does.
type cur2Row struct {
	Identity     string            `parquet:"identity_line_item_id"`
	Payer        string            `parquet:"bill_payer_account_id"`
	Account      string            `parquet:"line_item_usage_account_id"`
	Type         string            `parquet:"line_item_line_item_type"`
	Start        time.Time         `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	Product      string            `parquet:"line_item_product_code"`
	UsageType    string            `parquet:"line_item_usage_type"`
	Resource     string            `parquet:"line_item_resource_id"`
	Amount       float64           `parquet:"line_item_usage_amount"`
	Cost         int64             `parquet:"line_item_unblended_cost,decimal(8:18)"`
	Currency     string            `parquet:"line_item_currency_code"`
	Tags         map[string]string `parquet:"resource_tags"`
	ProductFamly string            `parquet:"product_product_family"`
}

func TestIngestCUR2Parquet(t *testing.T) {
	day := time.Date(2025, 1, 5, 3, 0, 0, 0, time.UTC)
	rows := []cur2Row{
		{"a", "999", "111", "Usage", day, "AmazonEC2", "BoxUsage:t3.micro", "i-1", 1, 1_360_000, "USD", map[string]string{"user_system": "shop", "user_env": "prod"}, "Compute"},
		{"b", "999", "111", "Usage", day.Add(time.Hour), "AmazonEC2", "BoxUsage:t3.micro", "i-1", 1, 1_360_000, "USD", map[string]string{"user_env": "prod", "user_system": "shop"}, "Compute"},
		{"c", "999", "111", "Usage", day, "AmazonS3", "TimedStorage", "bucket", 1, -250, "USD", nil, "Storage"},
		{"d", "999", "111", "Tax", day, "AmazonEC2", "", "", 0, 10_000_000, "USD", nil, ""},
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[cur2Row](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a := NewAggregator("")
	fs, err := a.ReadParquet(context.Background(), "cur2.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range a.Batches() {
		for _, r := range b.Rollups {
			got = append(got, r.Day.Format(time.DateOnly)+" "+r.Source+" "+r.Account+" "+r.Service+" "+r.UsageType+" "+r.Resource+" "+string(r.Tags)+" "+string(r.Kind)+" "+r.Billed.String())
		}
	}
	want := []string{
		`2025-01-05 payer:999 111 AmazonEC2    tax 0.1`,
		`2025-01-05 payer:999 111 AmazonEC2 BoxUsage:t3.micro i-1 {"env":"prod","system":"shop"} usage 0.0272`,
		`2025-01-05 payer:999 111 AmazonS3 TimedStorage bucket  usage -0.0000025`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rollups (-want +got):\n%s", d)
	}
	if fs.Format != CUR2 || fs.Lines != 4 || fs.Billed.String() != "0.1271975" {
		t.Errorf("file stats %+v", fs)
	}
}

func TestDecimalInt64(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 7, 12345678901, -12345678901, 1 << 62, -1 << 63, 10_000_000_000, -5} {
		for _, scale := range []int{1, 2, 10, 18} {
			if got, want := decimalInt64(n, scale), decimalBig(big.NewInt(n), scale); got != want {
				t.Errorf("decimalInt64(%d, %d) = %s, want %s", n, scale, got, want)
			}
		}
	}
}

func TestMoneyFromDecimal(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 7, 12345678901, -12345678901, 1 << 62, -1 << 63, 1<<63 - 1, 10_000_000_000, -5} {
		for _, scale := range []int{0, 1, 2, 10, 15} {
			want, werr := money.Parse(decimalInt64(n, scale))
			if scale == 0 {
				want, werr = money.Parse(strconv.FormatInt(n, 10))
			}
			got, ok := moneyFromDecimal(n, scale)
			if werr != nil {
				t.Fatalf("money.Parse(%d, %d): %v", n, scale, werr)
			}
			if !ok {
				// Only -2^63 units is left to the text route.
				if scale != 0 || n != -1<<63 {
					t.Errorf("moneyFromDecimal(%d, %d) refused an amount money.Amount holds (%s)", n, scale, want)
				}
				continue
			}
			if got != want {
				t.Errorf("moneyFromDecimal(%d, %d) = %s, want %s", n, scale, got, want)
			}
		}
	}
}

func TestOpenParquetRejectsDamagedFooters(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSyntheticFOCUSParquet(&buf, 10); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	footerLen := int(good[len(good)-8]) | int(good[len(good)-7])<<8
	footerAt := len(good) - 8 - footerLen
	damage := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	tests := map[string]struct {
		file []byte
		want string
	}{
		"sound": {file: good},
		"footer length past the file": {
			file: damage(func(b []byte) { b[len(b)-5] = 0x7f }),
			want: "bytes does not fit in a file of 5500 bytes",
		},
		"no magic": {file: damage(func(b []byte) { b[len(b)-1] = 'X' }), want: "no PAR1 at the end of the file"},
		"list count past the footer": {
			// The schema list header: a big count (0xf = "size follows")
			// with a varint of 2^28.
			file: damage(func(b []byte) {
				i := bytes.IndexByte(b[footerAt:], 0x19) + footerAt // field 2 (schema), type list
				copy(b[i+1:], []byte{0xfc, 0x80, 0x80, 0x80, 0x80, 0x01})
			}),
			want: "count 268435456 is larger than",
		},
		"too short": {file: []byte("PAR1PAR1"), want: "8 bytes is too short for Parquet"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := openParquet(bytes.NewReader(tc.file), int64(len(tc.file)))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// curAthenaRow is a legacy CUR line as its Athena (Parquet) delivery
// writes it: snake-case names, one column per tag, a double cost, dates
// as text, and some columns dictionary-encoded.
type curAthenaRow struct {
	Identity  string  `parquet:"identity_line_item_id"`
	Payer     string  `parquet:"bill_payer_account_id,dict"`
	Period    string  `parquet:"bill_billing_period_start_date,dict"`
	Account   string  `parquet:"line_item_usage_account_id,dict"`
	Type      string  `parquet:"line_item_line_item_type,dict"`
	Start     string  `parquet:"line_item_usage_start_date"`
	Product   string  `parquet:"line_item_product_code,dict"`
	UsageType string  `parquet:"line_item_usage_type"`
	Resource  string  `parquet:"line_item_resource_id,optional"`
	Cost      float64 `parquet:"line_item_unblended_cost"`
	Hours     int32   `parquet:"line_item_usage_hours"`
	Currency  string  `parquet:"line_item_currency_code,dict"`
	System    string  `parquet:"resource_tags_user_system,optional,dict"`
	Env       string  `parquet:"resource_tags_user_env,optional"`
	CreatedBy string  `parquet:"resource_tags_aws_created_by,optional"`
}

// athenaParquet is a small legacy CUR Athena delivery: plain and
// dictionary pages of a few values, nulls, a double cost, a bad date.
func athenaParquet(t testing.TB) []byte {
	rows := []curAthenaRow{
		{"a", "999", "2025-01-01T00:00:00Z", "111", "Usage", "2025-01-05T03:00:00Z", "AmazonEC2", "BoxUsage:t3.micro", "i-1", 0.0136, 1, "USD", "shop", "prod", "AssumedRole:x"},
		{"b", "999", "2025-01-01T00:00:00Z", "111", "Usage", "2025-01-05T04:00:00Z", "AmazonEC2", "BoxUsage:t3.micro", "i-1", 0.0136, 1, "USD", "shop", "prod", "AssumedRole:x"},
		{"c", "999", "2025-01-01T00:00:00Z", "111", "Usage", "2025-01-05T03:00:00Z", "AmazonS3", "TimedStorage", "", 1e-7, 0, "USD", "", "", ""},
		{"d", "999", "2025-01-01T00:00:00Z", "111", "Usage", "2025-13-05T03:00:00Z", "AmazonS3", "TimedStorage", "", 2, 0, "USD", "", "", ""},
	}
	return writeParquetRows(t, rows, parquet.PageBufferSize(64))
}

// TestIngestLegacyCURParquet reads legacy CUR's Athena delivery, whose
// tags are columns rather than a map: without them every yen would be
// untagged.
func TestIngestLegacyCURParquet(t *testing.T) {
	buf := bytes.NewBuffer(athenaParquet(t))
	a := NewAggregator("")
	fs, err := a.ReadParquet(context.Background(), "cur.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range a.Batches() {
		for _, r := range b.Rollups {
			got = append(got, r.Day.Format(time.DateOnly)+" "+r.Period+" "+r.Service+" "+r.Resource+" "+string(r.Tags)+" "+r.Billed.String())
		}
	}
	want := []string{
		`2025-01-05 2025-01 AmazonEC2 i-1 {"aws:created_by":"AssumedRole:x","env":"prod","system":"shop"} 0.0272`,
		`2025-01-05 2025-01 AmazonS3   0.0000001`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rollups (-want +got):\n%s", d)
	}
	if fs.Format != CURLegacy || fs.Lines != 4 || fs.Skipped != 1 {
		t.Errorf("file stats %+v", fs)
	}
	wantBad := []BadRow{{File: "cur.parquet", Line: 5, Reason: `line_item_usage_start_date: "2025-13-05T03:00:00Z" is not a date (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`}}
	if d := cmp.Diff(wantBad, a.Stats().BadRows); d != "" {
		t.Errorf("bad rows (-want +got):\n%s", d)
	}
}

// TestDetectSnakeTags: CUR 2.0 with its tag map split into columns stays
// CUR 2.0; the same columns without CUR 2.0's account names are legacy.
func TestDetectSnakeTags(t *testing.T) {
	base := []string{"line_item_unblended_cost", "line_item_usage_start_date", "line_item_usage_account_id", "line_item_product_code", "line_item_line_item_type", "resource_tags_user_Env"}
	for _, tc := range []struct {
		extra []string
		want  Format
	}{{nil, CURLegacy}, {[]string{"bill_payer_account_name"}, CUR2}, {[]string{"resource_tags"}, CUR2}} {
		c, err := detect(append(slices.Clone(base), tc.extra...))
		if err != nil {
			t.Fatal(err)
		}
		if c.format != tc.want {
			t.Errorf("with %v: format %s, want %s", tc.extra, c.format, tc.want)
		}
		if tc.extra == nil && (len(c.tagCols) != 1 || c.tagCols[0].key != "env" || c.tagCols[0].idx != 5) {
			t.Errorf("tag columns %+v, want env at 5", c.tagCols)
		}
		if len(tc.extra) == 1 && tc.extra[0] == "resource_tags" && len(c.tagCols) != 0 {
			t.Errorf("a file with the tag map also read tag columns: %+v", c.tagCols)
		}
	}
}

// TestCheckChunkPages walks the page headers of sound files (every
// chunk must end on a page boundary) and of damaged ones.
func TestCheckChunkPages(t *testing.T) {
	var plain, dict bytes.Buffer
	if err := WriteSyntheticFOCUSParquet(&plain, 20_000); err != nil {
		t.Fatal(err)
	}
	if err := WriteSyntheticFOCUSParquetDict(&dict, 20_000); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"plain": plain.Bytes(), "dict": dict.Bytes(), "athena": athenaParquet(t)} {
		pf, err := openParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		chunks := 0
		for _, rg := range pf.Metadata().RowGroups {
			for i := range rg.Columns {
				chunks++
				if err := checkChunkPages(bytes.NewReader(b), int64(len(b)), &rg.Columns[i].MetaData); err != nil {
					t.Errorf("%s: column %d: %v", name, i, err)
				}
			}
		}
		if chunks == 0 {
			t.Errorf("%s: no column chunks", name)
		}
	}

	// A header: type 0, uncompressed u, compressed c (zigzag varints of
	// compact i32 fields 1-3), then a stop.
	header := func(u, c int64) []byte {
		h := []byte{0x15, 0x00, 0x15}
		h = binary.AppendUvarint(h, uint64(u<<1^u>>63))
		h = append(h, 0x15)
		h = binary.AppendUvarint(h, uint64(c<<1^c>>63))
		return append(h, 0x00)
	}
	// bigHeader carries a 10 kB field 8 (binary) after the sizes, as
	// statistics can make a header large.
	bigHeader := func(u, c int64, n int) []byte {
		h := header(u, c)
		h = append(h[:len(h)-1], 0x58)
		h = binary.AppendUvarint(h, uint64(n))
		return append(append(h, make([]byte, n)...), 0x00)
	}
	file := func(pages ...[]byte) ([]byte, *format.ColumnMetaData) {
		b := []byte("PAR1")
		for _, p := range pages {
			b = append(b, p...)
		}
		md := &format.ColumnMetaData{DataPageOffset: 4, TotalCompressedSize: int64(len(b) - 4)}
		return append(b, make([]byte, 8)...), md
	}
	body := func(n int) []byte { return make([]byte, n) }
	for name, tc := range map[string]struct {
		pages [][]byte
		size  int64 // TotalCompressedSize, if not the pages'
		want  string
	}{
		"sound":             {pages: [][]byte{append(header(100, 10), body(10)...), append(header(5, 5), body(5)...)}},
		"header over 4 KiB": {pages: [][]byte{append(bigHeader(100, 10, 10_000), body(10)...), append(header(5, 5), body(5)...)}},
		"huge uncompressed": {pages: [][]byte{append(header(300<<20, 10), body(10)...)}, want: "page at byte 4 claims 314572800 bytes (10 compressed), more than the 256 MiB a page may have"},
		"negative":          {pages: [][]byte{append(header(-1, 10), body(10)...)}, want: "page at byte 4 claims a negative size"},
		"past the chunk":    {pages: [][]byte{append(header(100, 50), body(10)...)}, want: "page at byte 4 runs 40 bytes past the end of its column chunk"},
		"header cut":        {pages: [][]byte{header(100, 10)[:4]}, want: "page header at byte 4: ends early"},
		"chunk past file":   {pages: [][]byte{append(header(1, 1), body(1)...)}, size: 1 << 20, want: "lies outside the file"},
	} {
		b, md := file(tc.pages...)
		if tc.size != 0 {
			md.TotalCompressedSize = tc.size
		}
		err := checkChunkPages(bytes.NewReader(b), int64(len(b)), md)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}

	// Through ReadParquet, the column and byte are named.
	defer func(n int64) { maxPageBytes = n }(maxPageBytes)
	maxPageBytes = 1000
	_, err := NewAggregator("").ReadParquet(context.Background(), "bill.parquet", bytes.NewReader(plain.Bytes()), int64(plain.Len()))
	if err == nil || !strings.HasPrefix(err.Error(), "bill.parquet: column ") || !strings.Contains(err.Error(), "more than the 0 MiB a page may have") {
		t.Errorf("error %v", err)
	}
}

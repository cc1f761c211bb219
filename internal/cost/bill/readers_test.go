package bill

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// focusLine is one generated FOCUS line, written both as CSV and as
// Parquet so the two readers can be held to the same rollups.
type focusLine struct {
	payer, currency, category, service, account, resource, region, usage string
	start                                                                *time.Time
	billed, effective                                                    int64
	tags                                                                 map[string]string
}

// Parquet layouts of the same line: plain pages with a MAP tag column,
// and dictionary pages with a JSON tag column.
type focusMapRow struct {
	BillingAccountID  string            `parquet:"BillingAccountId"`
	BillingCurrency   string            `parquet:"BillingCurrency"`
	ChargeCategory    string            `parquet:"ChargeCategory"`
	ChargePeriodStart *time.Time        `parquet:"ChargePeriodStart,optional,timestamp(millisecond)"`
	ServiceName       string            `parquet:"ServiceName"`
	SubAccountID      string            `parquet:"SubAccountId"`
	ResourceID        string            `parquet:"ResourceId,optional"`
	RegionID          string            `parquet:"RegionId"`
	UsageType         string            `parquet:"x_UsageType"`
	BilledCost        int64             `parquet:"BilledCost,decimal(10:18)"`
	EffectiveCost     int64             `parquet:"EffectiveCost,decimal(10:18)"`
	Tags              map[string]string `parquet:"Tags"`
}

type focusDictRow struct {
	BillingAccountID  string     `parquet:"BillingAccountId,dict"`
	BillingCurrency   string     `parquet:"BillingCurrency,dict"`
	ChargeCategory    string     `parquet:"ChargeCategory,dict"`
	ChargePeriodStart *time.Time `parquet:"ChargePeriodStart,optional,timestamp(millisecond)"`
	ServiceName       string     `parquet:"ServiceName,dict"`
	SubAccountID      string     `parquet:"SubAccountId,dict"`
	ResourceID        string     `parquet:"ResourceId,optional,dict"`
	RegionID          string     `parquet:"RegionId,dict"`
	UsageType         string     `parquet:"x_UsageType,dict"`
	BilledCost        int64      `parquet:"BilledCost,decimal(10:18)"`
	EffectiveCost     int64      `parquet:"EffectiveCost,decimal(10:18)"`
	Tags              string     `parquet:"Tags,optional,dict"`
}

func genFocusLines(n int) []focusLine {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]focusLine, n)
	for i := range out {
		l := focusLine{
			payer: pick("111111111111", "999999999999"), currency: "USD",
			category: pick("Usage", "Usage", "Usage", "Tax", "Credit"),
			service:  pick("Amazon Elastic Compute Cloud", "Amazon Simple Storage Service", "AWS Lambda"),
			account:  pick("222222222201", "222222222202"),
			resource: pick("", "i-0a", "i-0b", "i-0c", "bucket-logs"),
			region:   pick("ap-northeast-1", "us-east-1"),
			usage:    pick("APN1-BoxUsage:t3.micro", "TimedStorage-ByteHrs", "Request"),
			billed:   rng.Int64N(2e10) - 5e9, effective: rng.Int64N(1e10),
		}
		if rng.IntN(10) == 0 {
			l.effective = 0 // counted as billed for usage without commitment
		}
		if rng.IntN(300) != 0 { // a few lines have no start: bad rows, spread over row groups
			t := base.Add(time.Duration(rng.IntN(60*24)) * time.Hour)
			l.start = &t
		}
		switch rng.IntN(4) {
		case 0:
		case 1:
			l.tags = map[string]string{}
		default:
			l.tags = map[string]string{"system": pick("shop", "blog")}
			if rng.IntN(2) == 0 {
				l.tags["env"] = pick("prod", "dev")
				l.tags["owner"] = pick("team-a", "team-b")
			}
		}
		out[i] = l
	}
	return out
}

func tagJSON(m map[string]string) string {
	if m == nil {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func focusCSV(t *testing.T, lines []focusLine) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"BillingAccountId", "BillingCurrency", "ChargeCategory", "ChargePeriodStart", "ServiceName", "SubAccountId", "ResourceId", "RegionId", "x_UsageType", "BilledCost", "EffectiveCost", "Tags"})
	for _, l := range lines {
		start := ""
		if l.start != nil {
			start = l.start.Format(time.RFC3339)
		}
		w.Write([]string{l.payer, l.currency, l.category, start, l.service, l.account, l.resource, l.region, l.usage,
			decimalInt64(l.billed, 10), decimalInt64(l.effective, 10), tagJSON(l.tags)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeParquetRows[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParquetMatchesCSV holds the column-chunk reader to the CSV reader:
// several row groups read by parallel workers, pages of a few dozen
// values (so a line's MAP entries straddle pages), plain and dictionary
// pages, nulls, and bad lines that must be reported in file order.
func TestParquetMatchesCSV(t *testing.T) {
	lines := genFocusLines(5000)
	var mapRows []focusMapRow
	var dictRows []focusDictRow
	for _, l := range lines {
		mapRows = append(mapRows, focusMapRow{l.payer, l.currency, l.category, l.start, l.service, l.account, l.resource, l.region, l.usage, l.billed, l.effective, l.tags})
		dictRows = append(dictRows, focusDictRow{l.payer, l.currency, l.category, l.start, l.service, l.account, l.resource, l.region, l.usage, l.billed, l.effective, tagJSON(l.tags)})
	}
	small := []parquet.WriterOption{parquet.PageBufferSize(256), parquet.MaxRowsPerRowGroup(700)}
	files := map[string][]byte{
		"map tags, plain pages":       writeParquetRows(t, mapRows, small...),
		"JSON tags, dictionary pages": writeParquetRows(t, dictRows, small...),
		"one row group":               writeParquetRows(t, dictRows),
	}
	if !hasDictPages(t, files["JSON tags, dictionary pages"]) || hasDictPages(t, files["map tags, plain pages"]) {
		t.Fatal("the files do not have the page encodings under test")
	}
	// The CSV has no nulls: an absent ResourceId and an empty one are the
	// same to a rollup.
	want := NewAggregator("")
	if _, err := want.ReadCSV(context.Background(), "bill", bytes.NewReader(focusCSV(t, lines))); err != nil {
		t.Fatal(err)
	}
	wantStats := want.Stats()
	if wantStats.Skipped == 0 || wantStats.EffectiveFromBilled == 0 || len(wantStats.BadRows) != MaxBadRows {
		t.Fatalf("generated bill lacks the cases under test: %+v", wantStats)
	}
	def := defaultTuning()
	for _, workers := range []int{1, 2, 3} {
		for name, b := range files {
			// Caches of one start every ID (or class) afresh each batch
			// (or line): the answer must not change.
			for _, cache := range []struct{ ids, classes int }{{def.maxIDs, def.maxClasses}, {1, def.maxClasses}, {def.maxIDs, 1}} {
				t.Run(fmt.Sprintf("%s, %d workers, %d IDs, %d classes", name, workers, cache.ids, cache.classes), func(t *testing.T) {
					t.Parallel()
					got := NewAggregator("")
					got.tune.workers, got.tune.maxIDs, got.tune.maxClasses = workers, cache.ids, cache.classes
					fs, err := got.ReadParquet(context.Background(), "bill", bytes.NewReader(b), int64(len(b)))
					if err != nil {
						t.Fatal(err)
					}
					if fs.Lines != int64(len(lines)) {
						t.Errorf("read %d lines, want %d", fs.Lines, len(lines))
					}
					gs := got.Stats()
					gs.Files[0].Format = wantStats.Files[0].Format
					if d := diffAmounts(wantStats, gs); d != "" {
						t.Errorf("stats (-csv +parquet):\n%s", d)
					}
					if d := diffAmounts(want.Batches(), got.Batches()); d != "" {
						t.Errorf("rollups (-csv +parquet):\n%s", d)
					}
				})
			}
		}
	}
}

// TestParquetCancelled: a read whose context is cancelled stops with the
// context's error, said once. The bill has three row groups, read by
// three workers, so more than one worker sees the cancel.
func TestParquetCancelled(t *testing.T) {
	var buf bytes.Buffer
	if err := writeSynthFOCUS(&buf, 3_000, 1_000, func(r synthFOCUS) synthFOCUS { return r }); err != nil {
		t.Fatal(err)
	}
	if f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil || len(f.RowGroups()) < 2 {
		t.Fatalf("the bill is not of several row groups (%v)", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := NewAggregator("")
	a.tune.workers = 3
	_, err := a.ReadParquet(ctx, "bill", bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if want := "bill: " + context.Canceled.Error(); err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func hasDictPages(t *testing.T, b []byte) bool {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	pages := f.RowGroups()[0].ColumnChunks()[0].Pages()
	defer pages.Close()
	pg, err := pages.ReadPage()
	if err != nil {
		t.Fatal(err)
	}
	return pg.Dictionary() != nil
}

// TestCSVPipedMatchesSequential holds the two-goroutine CSV reader to
// the one-goroutine one on a bill of many batches with lines that are
// cut short, a bad cost and a bad date among them.
func TestCSVPipedMatchesSequential(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSyntheticCUR(&buf, 5_000); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	for _, i := range []int{1500, 3100, 4999} {
		lines[i] = []byte(`li,x,111111111111,2025-01-01T00:00:00Z,,2222222222,Usage,2025-01-0` + "\"" + `5T00:00:00Z,,AmazonEC2` + "\n")
	}
	lines[2000] = bytes.Replace(lines[2000], []byte(",USD,0.0136000000,"), []byte(",USD,0.0136000000,abc"), 1)
	lines[2500] = bytes.Replace(lines[2500], []byte(",Usage,2025-01-"), []byte(",Usage,2025-13-"), 1)
	bill := bytes.Join(lines, nil)
	for name, tc := range map[string]struct {
		r       func() io.Reader
		wantErr string
	}{
		"whole bill": {r: func() io.Reader { return bytes.NewReader(bill) }},
		"body cut": {
			r:       func() io.Reader { return io.MultiReader(bytes.NewReader(bill[:len(bill)/2]), errReader{errBodyCut}) },
			wantErr: "bill: " + errBodyCut.Error(),
		},
	} {
		t.Run(name, func(t *testing.T) {
			var aggs [2]*Aggregator
			for i, piped := range []bool{false, true} {
				aggs[i] = NewAggregator("")
				_, err := aggs[i].readCSV(context.Background(), "bill", tc.r(), piped)
				if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
					t.Fatalf("piped %t: error %v, want %q", piped, err, tc.wantErr)
				}
			}
			seq, piped := aggs[0], aggs[1]
			if tc.wantErr == "" {
				st := seq.Stats()
				if st.Lines != 5_000 || st.Skipped != 5 {
					t.Errorf("sequential read %d lines, %d skipped; want 5000, 5", st.Lines, st.Skipped)
				}
			}
			if d := diffAmounts(seq.Stats(), piped.Stats()); d != "" {
				t.Errorf("stats (-sequential +piped):\n%s", d)
			}
			if d := diffAmounts(seq.Batches(), piped.Batches()); d != "" {
				t.Errorf("rollups (-sequential +piped):\n%s", d)
			}
		})
	}
}

// TestParquetKeepsBadTagsUntagged: a Parquet line whose JSON tags cannot
// be read is rolled up untagged and counted, as in CSV, never dropped.
func TestParquetKeepsBadTagsUntagged(t *testing.T) {
	lines := genFocusLines(300)
	var good, bad []focusDictRow
	for i, l := range lines {
		r := focusDictRow{l.payer, l.currency, l.category, l.start, l.service, l.account, l.resource, l.region, l.usage, l.billed, l.effective, tagJSON(l.tags)}
		good = append(good, r)
		if i%10 == 3 {
			r.Tags = `{"system":`
		}
		bad = append(bad, r)
	}
	read := func(rows []focusDictRow) Stats {
		b := writeParquetRows(t, rows, parquet.MaxRowsPerRowGroup(70))
		a := NewAggregator("")
		if _, err := a.ReadParquet(context.Background(), "bill", bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		return a.Stats()
	}
	want, got := read(good), read(bad)
	if got.Skipped != want.Skipped || got.Billed != want.Billed {
		t.Errorf("bad tags: %d skipped, billed %s; with good tags %d, %s", got.Skipped, got.Billed, want.Skipped, want.Billed)
	}
	if got.BadTags != 30 || got.Files[0].BadTags != 30 || len(got.BadTagRows) != MaxBadRows || got.BadTagRows[0].Line != 5 {
		t.Errorf("bad tags counted %d (file %d), first rows %v; want 30 from line 5", got.BadTags, got.Files[0].BadTags, got.BadTagRows)
	}
}

// TestIngestParquetEncodings reads the synthetic bill written with plain
// and with dictionary pages: the rollups must be the same to the digit.
// The bill has every rollup key of a synthetic bill (SynthKeys lines)
// and more, in row groups small enough that each of three workers reads
// several and the rollups they share are merged: what an exporter's
// 128k-row groups of a long bill would give, at a fraction of the lines.
func TestIngestParquetEncodings(t *testing.T) {
	const lines, rowGroup = SynthKeys + 5_000, 3_000
	var plain, dict bytes.Buffer
	if err := writeSynthFOCUS(&plain, lines, rowGroup, func(r synthFOCUS) synthFOCUS { return r }); err != nil {
		t.Fatal(err)
	}
	if err := writeSynthFOCUS(&dict, lines, rowGroup, func(r synthFOCUS) synthFOCUSDict { return synthFOCUSDict(r) }); err != nil {
		t.Fatal(err)
	}
	if !hasDictPages(t, dict.Bytes()) || hasDictPages(t, plain.Bytes()) {
		t.Fatal("the files do not have the page encodings under test")
	}
	var got [2][]Batch
	for i, b := range []*bytes.Buffer{&plain, &dict} {
		a := NewAggregator("")
		a.tune.workers = 3
		fs, err := a.ReadParquet(context.Background(), "bill", bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if fs.Lines != lines || fs.Billed != SynthTotal(lines) || a.Len() != SynthKeys {
			t.Errorf("file %d: %d lines, billed %s, %d rollups; want %d, %s, %d", i, fs.Lines, fs.Billed, a.Len(), lines, SynthTotal(lines), SynthKeys)
		}
		got[i] = a.Batches()
	}
	if d := diffAmounts(got[0], got[1]); d != "" {
		t.Errorf("rollups (-plain +dictionary):\n%s", d)
	}
}

// TestIngestRaggedAndTruncated: a row with too few or too many fields is
// a bad row, named by file and line; a file that ends inside its last row
// is refused whole, as a truncated copy, and nothing of it is stored.
func TestIngestRaggedAndTruncated(t *testing.T) {
	const head = "BilledCost,ChargePeriodStart,ServiceName,ChargeCategory,Tags\n"
	const good = "1000,2024-11-01,EC2,Usage,\"{\"\"system\"\":\"\"shop\"\"}\"\n"
	tests := map[string]struct {
		body      string
		truncated string // the error, when the file is refused
		skipped   []string
		billed    string
	}{
		"cut inside the last row's cost": {
			body:      good + "98",
			truncated: "bill.csv:3: the file looks truncated: its last row has 1 of the header's 5 fields and no line ending",
		},
		"cut inside the last row's tags": {
			body:      good + "987.25,2024-11-01,EC2,Usage,\"{\"\"sys",
			truncated: "bill.csv:3: the file looks truncated: its last row ends inside a quoted field",
		},
		"cut inside a multi-line quoted field": {
			body:      good + "987.25,2024-11-01,EC2,Usage,\"{\"\"system\"\":\n\"\"shop\"\"}\n",
			truncated: "bill.csv:3: the file looks truncated: its last row ends inside a quoted field",
		},
		"short row in the middle": {
			body:    good + "987.25,2024-11-01,EC2\n" + good,
			skipped: []string{"bill.csv:3: 3 fields where the header has 5"},
			billed:  "2000",
		},
		"long row in the middle": {
			body:    good + "987.25,2024-11-01,EC2,Usage,{},extra\n" + good,
			skipped: []string{"bill.csv:3: 6 fields where the header has 5"},
			billed:  "2000",
		},
		"whole last row without a line ending": {
			body:   good + strings.TrimSuffix(good, "\n"),
			billed: "2000",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bill.csv")
			if err := os.WriteFile(p, []byte(head+tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, piped := range []bool{false, true} {
				a := NewAggregator("")
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				_, err = a.readCSV(context.Background(), "bill.csv", f, piped)
				f.Close()
				if tc.truncated != "" {
					var te *TruncatedError
					if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), tc.truncated) {
						t.Fatalf("piped %v: error %v, want %q", piped, err, tc.truncated)
					}
					continue
				}
				if err != nil {
					t.Fatalf("piped %v: %v", piped, err)
				}
				var got []string
				for _, b := range a.Stats().BadRows {
					got = append(got, b.String())
				}
				if d := cmp.Diff(tc.skipped, got); d != "" {
					t.Errorf("piped %v: bad rows (-want +got):\n%s", piped, d)
				}
				if s := a.Stats().Billed.String(); s != tc.billed {
					t.Errorf("piped %v: billed %s, want %s", piped, s, tc.billed)
				}
			}
		})
	}
}

var errBodyCut = errors.New("connection reset by peer")

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

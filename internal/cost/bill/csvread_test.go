package bill

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stdRecords and ourRecords read every record with the line it starts on, as
// "line: field|field|...", both from encoding/csv and from csvRecords.
func stdRecords(s string) ([]string, error) {
	cr := csv.NewReader(strings.NewReader(s))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		line, _ := cr.FieldPos(0)
		out = append(out, strconv.Itoa(line)+": "+strings.Join(rec, "|"))
	}
}

func ourRecords(s string, size int) ([]string, error) {
	out, _, err := ourRecordsCut(s, size)
	return out, err
}

// ourRecordsCut also says how the last record ended: "" when whole,
// "cut" without a line ending, "open" inside a quoted field.
func ourRecordsCut(s string, size int) ([]string, string, error) {
	cr := newCSVRecordsSize(strings.NewReader(s), size)
	var out []string
	end := ""
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, end, nil
		}
		if err != nil {
			return out, end, err
		}
		out = append(out, strconv.FormatInt(cr.Pos(), 10)+": "+strings.Join(rec, "|"))
		switch cut, open := cr.Cut(); {
		case open:
			end = "open"
		case cut:
			end = "cut"
		default:
			end = ""
		}
	}
}

// stdOpen says, from encoding/csv alone, whether s ends inside a quoted
// field: a line ending added there is text, so the records change.
func stdOpen(s string) bool {
	a, _ := stdRecords(s)
	b, _ := stdRecords(s + "\n")
	return !slices.Equal(a, b)
}

func TestCSVRecordsCut(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"whole":                          {"a,b\n1,2\n", ""},
		"no final newline":               {"a,b\n1,2", "cut"},
		"cr before EOF":                  {"a,b\n1,2\r", "cut"},
		"closed quote, no newline":       {"a,b\n1,\"x\"", "cut"},
		"open quote on the last line":    {"a,b\n1,\"x", "open"},
		"open quote with a newline":      {"a,b\n1,\"x\n", "open"},
		"open quote over lines":          {"a,b\n1,\"x\ny\nz", "open"},
		"multi-line closed, no newline":  {"a,b\n1,\"x\ny\"", "cut"},
		"multi-line closed with newline": {"a,b\n1,\"x\ny\"\n", ""},
		"escaped quote left open":        {"a,b\n1,\"x\"\"", "open"},
		"trailing empty lines":           {"a,b\n1,2\n\n\r\n", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for _, size := range []int{16, 4096} {
				_, end, err := ourRecordsCut(tc.in, size)
				if err != nil {
					t.Fatal(err)
				}
				if end != tc.want {
					t.Errorf("buffer %d: last record %q, want %q", size, end, tc.want)
				}
			}
		})
	}
}

var csvCases = map[string]string{
	"plain":                                "a,b,c\n1,2,3\n",
	"no final newline":                     "a,b\n1,2",
	"crlf":                                 "a,b\r\n1,2\r\n",
	"cr before EOF":                        "a,b\n1,2\r",
	"empty lines":                          "a\n\n\r\nb\n\n",
	"empty fields":                         ",,\n,\n",
	"quoted":                               "\"a,b\",c\n\"x\"\"y\",\"\"\n",
	"quoted last field":                    "a,\"{\"\"k\"\":\"\"v\"\"}\"\n",
	"quoted then comma at end":             "\"a\",\n",
	"bare quote in a field":                "a\"b,c\"\n",
	"quote inside quoted field":            "\"a\"b\",c\n",
	"quote then cr":                        "\"a\"\r,b\n",
	"multi-line field":                     "a,\"b\nc\",d\ne,f\n",
	"multi-line field with crlf":           "a,\"b\r\nc\"\r\nd\r\n",
	"unclosed quote at EOF":                "a,\"b\nc\n",
	"multi-line then quoted":               "\"x\ny\",\"z\"\n\"p\",q\n",
	"cr before crlf in a multi-line field": ",\r\na,\r\n\"\"\"\"\"\r,\r\r\na,\r,aa\n,\n\"\r\r,\r\n,,,\"\n\"\ra",
	"long line":                            "a," + strings.Repeat("x", 100) + ",\"" + strings.Repeat("y\n", 40) + "\"\n" + strings.Repeat("z", 70) + "\n",
}

func TestCSVRecordsMatchEncodingCSV(t *testing.T) {
	for name, in := range csvCases {
		t.Run(name, func(t *testing.T) {
			want, werr := stdRecords(in)
			for _, size := range []int{16, 4096} {
				got, err := ourRecords(in, size)
				if (err == nil) != (werr == nil) {
					t.Fatalf("buffer %d: error %v, encoding/csv says %v", size, err, werr)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("buffer %d (-encoding/csv +ours):\n%s", size, d)
				}
			}
		})
	}
}

// FuzzCSVRecords holds csvRecords to encoding/csv: the same records,
// starting on the same lines, with a buffer large or tiny.
func FuzzCSVRecords(f *testing.F) {
	for _, in := range csvCases {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		want, werr := stdRecords(in)
		for _, size := range []int{16, 4096} {
			got, end, err := ourRecordsCut(in, size)
			if (err == nil) != (werr == nil) {
				t.Fatalf("buffer %d: error %v, encoding/csv says %v", size, err, werr)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("buffer %d (-encoding/csv +ours):\n%s", size, d)
			}
			if err == nil && (end == "open") != stdOpen(in) {
				t.Fatalf("buffer %d: last record %q, encoding/csv says open %v", size, end, stdOpen(in))
			}
		}
	})
}

func TestIngestCURCSVTotal(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSyntheticCUR(&buf, 50_000); err != nil {
		t.Fatal(err)
	}
	a := NewAggregator("")
	fs, err := a.ReadCSV(context.Background(), "synthetic", &buf)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{fs.Format, fs.Lines, fs.Billed.String(), a.Len()}
	want := []any{CURLegacy, int64(50_000), SynthTotal(50_000).String(), SynthKeys}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

package cost

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/steward-sre/steward/internal/cost/bill"
)

var testNow = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// summary is what a test checks of an ingest: totals, and per rollup the
// fields attribution uses.
type summary struct {
	Format  Format
	Lines   int64
	Skipped int64
	Billed  string
	BadRows []string
	Rollups []string
}

func summarize(t *testing.T, st *MemStore, res *IngestResult) summary {
	t.Helper()
	s := summary{Lines: res.Stats.Lines, Skipped: res.Stats.Skipped, Billed: res.Stats.Billed.String()}
	if len(res.Stats.Files) > 0 {
		s.Format = res.Stats.Files[0].Format
	}
	for _, b := range res.Stats.BadRows {
		s.BadRows = append(s.BadRows, b.String())
	}
	err := st.Scan(context.Background(), Filter{}, func(r Rollup) error {
		s.Rollups = append(s.Rollups, strings.Join([]string{
			r.Day.Format(time.DateOnly), r.Source, r.Period, r.Account, r.Service, r.UsageType,
			r.Resource, string(r.Tags), string(r.Kind), r.Currency, r.Billed.String(), r.Effective.String(),
		}, " | "))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIngestFormats(t *testing.T) {
	tests := map[string]struct {
		file string
		want summary
	}{
		"legacy CUR with a bad cost and a bad date": {
			file: "bill/testdata/bills/cur-legacy.csv",
			want: summary{
				Format: CURLegacy, Lines: 7, Skipped: 2, Billed: "1.5272",
				BadRows: []string{
					`bill/testdata/bills/cur-legacy.csv:7: lineItem/UnblendedCost "abc" is not a number`,
					`bill/testdata/bills/cur-legacy.csv:8: lineItem/UsageStartDate: "2024-13-04T00:00:00Z" is not a date (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`,
				},
				Rollups: []string{
					"2024-09-01 | payer:111111111111 | 2024-09 | 222222222222 | AmazonEC2 |  |  |  | tax | USD | 1.5 | 1.5",
					"2024-09-03 | payer:111111111111 | 2024-09 | 222222222222 | AmazonEC2 | APN1-BoxUsage:m5.large | i-0def | {\"aws:createdBy\":\"root\"} | usage | USD | 0.124 | 0.08",
					"2024-09-03 | payer:111111111111 | 2024-09 | 222222222222 | AmazonEC2 | APN1-BoxUsage:t3.micro | i-0abc | {\"env\":\"prod\",\"system\":\"shop\"} | usage | USD | 0.0272 | 0.0272",
					"2024-09-03 | payer:111111111111 | 2024-09 | 222222222222 | ComputeSavingsPlans | APN1-BoxUsage:m5.large | i-0def |  | credit | USD | -0.124 | 0",
				},
			},
		},
		"CUR 2.0 CSV with a tag map and a reservation": {
			file: "bill/testdata/bills/cur2.csv",
			want: summary{
				Format: CUR2, Lines: 3, Billed: "-4.896",
				Rollups: []string{
					"2024-10-01 | payer:111111111111 | 2024-10 | 222222222222 | AmazonRDS |  |  |  | credit | USD | -5 | -5",
					"2024-10-02 | payer:111111111111 | 2024-10 | 222222222222 | AmazonRDS | APN1-InstanceUsage:db.t3.medium | arn:aws:rds:ap-northeast-1:222222222222:db:shop-prod-db | {\"env\":\"prod\",\"system\":\"shop\"} | usage | USD | 0.104 | 0.165",
				},
			},
		},
		"gzipped FOCUS 1.2 in yen": {
			file: "bill/testdata/bills/focus-1.2.csv.gz",
			want: summary{
				Format: FOCUS12, Lines: 2, Billed: "150.5",
				Rollups: []string{
					"2024-11-05 | payer:111111111111 | 2024-11 | 222222222222 | Amazon Elastic Compute Cloud | APN1-BoxUsage:t3.small | arn:aws:ec2:ap-northeast-1:222222222222:instance/i-0aaa | {\"env\":\"dev\",\"system\":\"shop\"} | usage | JPY | 120.5 | 120.5",
					"2024-11-05 | payer:111111111111 | 2024-11 | 222222222222 | Amazon Elastic Compute Cloud | APN1-EBS:VolumeUsage.gp2 | arn:aws:ec2:ap-northeast-1:222222222222:volume/vol-0bbb |  | usage | JPY | 30 | 30",
				},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := NewMemStore()
			res, err := Ingest(context.Background(), st, IngestOptions{Paths: []string{tc.file}, Now: testNow, AcceptSkipped: true})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, summarize(t, st, res)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestIngestParquet(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "focus.parquet")
	var buf bytes.Buffer
	if err := bill.WriteSyntheticFOCUSParquet(&buf, 40_000); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	st := NewMemStore()
	res, err := Ingest(context.Background(), st, IngestOptions{Paths: []string{dir}, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{res.Stats.Files[0].Format, res.Stats.Lines, res.Stats.Skipped, res.Stats.Billed.String()}
	want := []any{FOCUS12, int64(40_000), int64(0), bill.SynthTotal(40_000).String()}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	var tagged, untagged int
	st.Scan(context.Background(), Filter{}, func(r Rollup) error {
		if r.Tags == "" {
			untagged++
		} else if v, _ := r.Tags.Get("system"); v == "" {
			t.Errorf("tags %s have no system", r.Tags)
		} else {
			tagged++
		}
		return nil
	})
	if tagged == 0 || untagged == 0 {
		t.Errorf("tagged %d, untagged %d: want both", tagged, untagged)
	}
}

func TestReingestReplaces(t *testing.T) {
	st := NewMemStore()
	ctx := context.Background()
	for range 3 {
		if _, err := Ingest(ctx, st, IngestOptions{Paths: []string{"bill/testdata/bills/cur2.csv"}, Now: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := st.Periods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []PeriodInfo{{Source: "payer:111111111111", Period: "2024-10", Rollups: 2, Billed: MustMoney("-4.896"), Ingested: testNow,
		Last: time.Date(2024, 10, 2, 0, 0, 0, 0, time.UTC)}}
	if d := cmp.Diff(want, ps, cmp.AllowUnexported(Money{})); d != "" {
		t.Errorf("after three ingests (-want +got):\n%s", d)
	}
}

func TestIngestRejects(t *testing.T) {
	tests := map[string]struct {
		paths []string
		want  string
	}{
		"not a bill": {
			paths: []string{"bill/testdata/bills/not-a-bill.csv"},
			want:  "bill/testdata/bills/not-a-bill.csv: not a FOCUS or CUR export: closest is FOCUS 1.0, which needs the missing column(s) BilledCost, ChargePeriodStart, ServiceName, ChargeCategory",
		},
		"missing file": {paths: []string{"bill/testdata/bills/nope.csv"}, want: "billing export: stat bill/testdata/bills/nope.csv: no such file or directory"},
		"no paths":     {want: bill.ErrNoFiles.Error()},
		"bad s3":       {paths: []string{"s3:///x"}, want: "s3:///x: want s3://bucket/prefix"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := NewMemStore()
			_, err := Ingest(context.Background(), st, IngestOptions{Paths: tc.paths, Now: testNow})
			if err == nil {
				t.Fatal("want an error")
			}
			if got := strings.TrimPrefix(err.Error(), "ingest: "); got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
			ps, _ := st.Periods(context.Background())
			if len(ps) != 0 {
				t.Errorf("stored %v after a failed ingest", ps)
			}
		})
	}
}

// TestIngestRefusesTruncated: a file that ends inside its last row is
// refused whole (see bill's TestIngestRaggedAndTruncated for what the
// reader says), and nothing of it is stored.
func TestIngestRefusesTruncated(t *testing.T) {
	const head = "BilledCost,ChargePeriodStart,ServiceName,ChargeCategory,Tags\n"
	const good = "1000,2024-11-01,EC2,Usage,\"{\"\"system\"\":\"\"shop\"\"}\"\n"
	for name, body := range map[string]string{
		"cut inside the last row's cost":       good + "98",
		"cut inside the last row's tags":       good + "987.25,2024-11-01,EC2,Usage,\"{\"\"sys",
		"cut inside a multi-line quoted field": good + "987.25,2024-11-01,EC2,Usage,\"{\"\"system\"\":\n\"\"shop\"\"}\n",
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bill.csv")
			if err := os.WriteFile(p, []byte(head+body), 0o600); err != nil {
				t.Fatal(err)
			}
			st := NewMemStore()
			_, err := Ingest(context.Background(), st, IngestOptions{Paths: []string{p}, Now: testNow})
			var te *bill.TruncatedError
			if !errors.As(err, &te) {
				t.Fatalf("ingest of a truncated bill: error %v, want a TruncatedError", err)
			}
			if ps, _ := st.Periods(context.Background()); len(ps) != 0 {
				t.Errorf("a truncated bill stored %v", ps)
			}
		})
	}
}

// novemberBill is a FOCUS bill of n lines of 2 each on 2024-11-05; line
// i (from 0) is written by bad when it returns true.
func novemberBill(t *testing.T, n int, bad func(i int) (string, bool)) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("BilledCost,ChargePeriodStart,ServiceName,ChargeCategory,Tags\n")
	for i := range n {
		if s, ok := bad(i); ok {
			b.WriteString(s + "\n")
			continue
		}
		b.WriteString("2,2024-11-05,EC2,Usage,\"{\"\"system\"\":\"\"shop\"\"}\"\n")
	}
	p := filepath.Join(t.TempDir(), "november.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func storedBilled(t *testing.T, st *MemStore) []string {
	t.Helper()
	ps, err := st.Periods(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Period+" "+p.Billed.String())
	}
	return out
}

// TestIngestKeepsAGoodMonth: a bill whose lines are mostly unreadable
// does not replace the month already stored; a line whose tags are
// unreadable is kept as untagged spend, not dropped.
func TestIngestKeepsAGoodMonth(t *testing.T) {
	none := func(int) (string, bool) { return "", false }
	costs := []string{"NaN", "Inf", "-Inf", "1e308", "abc"}
	tests := map[string]struct {
		bad    func(i int) (string, bool)
		opt    IngestOptions
		refuse []string // what the error must say, when refused
		want   []string // the stored periods after
		// badTags is how many lines were kept untagged.
		badTags int64
	}{
		"999 of 1,000 with unreadable tags are kept untagged": {
			bad: func(i int) (string, bool) {
				return "2,2024-11-05,EC2,Usage,\"{\"\"system\"\":\"", i > 0
			},
			opt:     IngestOptions{MaxSkipped: DefaultMaxSkipped},
			want:    []string{"2024-11 2000"},
			badTags: 999,
		},
		"every cost unreadable": {
			bad: func(i int) (string, bool) {
				return costs[i%len(costs)] + ",2024-11-05,EC2,Usage,", true
			},
			opt:    IngestOptions{MaxSkipped: DefaultMaxSkipped},
			refuse: []string{"november.csv: 1000 of 1000 lines skipped", `line 2: BilledCost "NaN" is not a number`, `line 3: BilledCost "Inf" is not a number`, "more than the 1% that cost.max_skipped allows", "nothing was stored", "--accept-skipped"},
			want:   []string{"2024-11 2000"},
		},
		"2% of dates unreadable": {
			bad: func(i int) (string, bool) {
				return "2,2024-11-31,EC2,Usage,", i%50 == 7
			},
			opt:    IngestOptions{MaxSkipped: DefaultMaxSkipped},
			refuse: []string{"november.csv: 20 of 1000 lines skipped", "line 9: ChargePeriodStart"},
			want:   []string{"2024-11 2000"},
		},
		"2% under a 5% threshold": {
			bad: func(i int) (string, bool) {
				return "2,2024-11-31,EC2,Usage,", i%50 == 7
			},
			opt:  IngestOptions{MaxSkipped: 0.05},
			want: []string{"2024-11 1960"},
		},
		"2% accepted": {
			bad: func(i int) (string, bool) {
				return "2,2024-11-31,EC2,Usage,", i%50 == 7
			},
			opt:  IngestOptions{MaxSkipped: DefaultMaxSkipped, AcceptSkipped: true},
			want: []string{"2024-11 1960"},
		},
		"1% exactly is allowed": {
			bad: func(i int) (string, bool) {
				return "x,2024-11-05,EC2,Usage,", i%100 == 7
			},
			opt:  IngestOptions{MaxSkipped: DefaultMaxSkipped},
			want: []string{"2024-11 1980"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := NewMemStore()
			if _, err := Ingest(ctx, st, IngestOptions{Paths: []string{novemberBill(t, 1000, none)}, Now: testNow}); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{"2024-11 2000"}, storedBilled(t, st)); d != "" {
				t.Fatalf("good month (-want +got):\n%s", d)
			}
			o := tc.opt
			o.Paths, o.Now = []string{novemberBill(t, 1000, tc.bad)}, testNow
			res, err := Ingest(ctx, st, o)
			if tc.refuse != nil {
				var se *SkippedError
				if !errors.As(err, &se) {
					t.Fatalf("error %v, want a refusal for skipped lines", err)
				}
				for _, s := range tc.refuse {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.Stats.BadTags != tc.badTags || res.Stats.Files[0].BadTags != tc.badTags {
				t.Errorf("%d lines kept untagged (file: %d), want %d", res.Stats.BadTags, res.Stats.Files[0].BadTags, tc.badTags)
			}
			if d := cmp.Diff(tc.want, storedBilled(t, st)); d != "" {
				t.Errorf("stored after (-want +got):\n%s", d)
			}
		})
	}
}

// TestIngestSeveralPeriodsAtOnce: an ingest that is refused or
// interrupted leaves every period as it was, not some replaced.
func TestIngestSeveralPeriodsAtOnce(t *testing.T) {
	ctx := context.Background()
	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte("BilledCost,ChargePeriodStart,ServiceName,ChargeCategory\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	st := NewMemStore()
	first := write("a.csv", "1,2024-10-05,EC2,Usage\n1,2024-11-05,EC2,Usage\n")
	if _, err := Ingest(ctx, st, IngestOptions{Paths: []string{first}, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	// Two good periods, then a file with a bad line: none is replaced.
	again := write("b.csv", "5,2024-10-05,EC2,Usage\n5,2024-11-05,EC2,Usage\n")
	bad := write("c.csv", "5,2024-12-05,EC2,Usage\nx,2024-12-06,EC2,Usage\n")
	if _, err := Ingest(ctx, st, IngestOptions{Paths: []string{again, bad}, Now: testNow}); err == nil {
		t.Fatal("ingest with a bad file succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Ingest(cctx, st, IngestOptions{Paths: []string{again}, Now: testNow}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted ingest: %v, want context.Canceled", err)
	}
	if d := cmp.Diff([]string{"2024-10 1", "2024-11 1"}, storedBilled(t, st)); d != "" {
		t.Errorf("stored (-want +got):\n%s", d)
	}
}

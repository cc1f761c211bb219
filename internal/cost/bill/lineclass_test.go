package bill

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzDayKey holds a line key's charge start to parseDay: a start cut
// to its date must read as the same day, one kept whole must be one
// parseDay refuses or a bare date, and the month of one it reads must be
// its billing period's.
func FuzzDayKey(f *testing.F) {
	for _, s := range []string{
		"2025-01-01T05:00:00Z", "2024-09-01 00:00:00", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z",
		"2025-13-01T00:00:00Z", "1969-12-31T23:00:00Z", "2025-01-01", "2025-01-01X", "NULL", "",
		"2025-1-01T00:00:00Z", "+2025-01-01T00:00:00Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		day, y, m, err := parseDay(s)
		if mk := monthKey(s); err == nil && mk != periodString(y, m) {
			t.Fatalf("%q reads as %d-%02d, its month key is %q", s, y, m, mk)
		}
		k := dayKey(s)
		if kb := string(dayKey([]byte(s))); kb != k {
			t.Fatalf("dayKey(%q) is %q as a string, %q as bytes", s, k, kb)
		}
		if k == s {
			if err == nil && len(s) != 10 {
				t.Fatalf("%q reads as a date but is kept whole", s)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q is cut to %q, but does not read: %v", s, k, err)
		}
		kday, ky, km, kerr := parseDay(k)
		if kerr != nil || kday != day || ky != y || km != m {
			t.Fatalf("%q reads as day %d (%d-%d), its key %q as %d (%d-%d), %v", s, day, y, m, k, kday, ky, km, kerr)
		}
		if len(s) >= 10 {
			if _, _, _, err := parseDay(s[:10]); validDay(s[:10]) != (err == nil) {
				t.Fatalf("validDay(%q) = %t, parseDay error %v", s[:10], validDay(s[:10]), err)
			}
		}
	})
}

// TestLineKeyDistinct: texts that join to the same bytes without their
// lengths must still give different keys.
func TestLineKeyDistinct(t *testing.T) {
	c := &columns{}
	for i := range c.idx {
		c.idx[i] = -1
	}
	c.idx[fAccount], c.idx[fService] = 0, 1
	p := newLinePlan(c, false)
	k1 := string(p.appendKey(nil, []string{"ab", "c"}))
	k2 := string(p.appendKey(nil, []string{"a", "bc"}))
	k3 := string(p.appendKey(nil, []string{"a"}))
	k4 := string(p.appendKey(nil, []string{"a", ""}))
	if k1 == k2 {
		t.Errorf("%q and %q share a key", []string{"ab", "c"}, []string{"a", "bc"})
	}
	if k3 != k4 {
		t.Errorf("a short record and one with an empty last field differ: %q, %q", k3, k4)
	}
	_, class, err := cutLine(k1)
	if err != nil {
		t.Fatal(err)
	}
	vals, rest, err := p.decode(class, nil)
	if err != nil || vals[0] != "ab" || vals[1] != "c" || rest != "" {
		t.Errorf("decode(%q) = %q, %q, %v", class, vals, rest, err)
	}
	if _, _, err := p.decode(class[:len(class)-1], nil); err == nil {
		t.Error("a key cut short decodes")
	}
	if _, _, err := cutLine(k1[:2]); err == nil {
		t.Error("a key cut short in its line's texts cuts")
	}
}

// TestMapTagsRoundTrip: a MAP tag set through a line key comes back the
// tags the entries say, a key without a value left out.
func TestMapTagsRoundTrip(t *testing.T) {
	c := &columns{tagStrip: "user_"}
	got, err := mapTags(c, string(appendMapTags(nil, []string{"user_system", "env", "orphan"}, []string{"shop", "prod"})))
	if err != nil {
		t.Fatal(err)
	}
	if want := MakeTags(map[string]string{"system": "shop", "env": "prod"}); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := mapTags(c, "\x05ab"); err == nil {
		t.Error("a cut entry list reads")
	}
}

// TestLineClassSplitsTheKey: lines that share every text but their day,
// resource or billing period (from the charge start when the period cell
// is empty) are rolled up apart, each in its own period, and a bad charge
// start or period skips only its line, naming the column.
func TestLineClassSplitsTheKey(t *testing.T) {
	const header = "bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/CurrencyCode\n"
	lines := []string{
		",1,Usage,2025-01-31T10:00:00Z,EC2,i-1,1.5,USD",
		",1,Usage,2025-02-01T10:00:00Z,EC2,i-1,2,USD",
		",1,Usage,2025-02-01T11:00:00Z,EC2,i-1,0.25,USD",
		",1,Usage,2025-02-01T11:00:00Z,EC2,i-2,3,USD",
		"2025-01-01T00:00:00Z,1,Usage,2025-02-01T11:00:00Z,EC2,i-2,4,USD",
		",1,Usage,2025-02-30T11:00:00Z,EC2,i-2,5,USD",
		"2025-13-01T00:00:00Z,1,Usage,2025-02-01T11:00:00Z,EC2,i-2,6,USD",
	}
	type got struct {
		period, day, resource, billed string
		lines                         int64
	}
	want := []got{
		{"2025-01", "2025-01-31", "i-1", "1.5", 1},
		{"2025-01", "2025-02-01", "i-2", "4", 1},
		{"2025-02", "2025-02-01", "i-1", "2.25", 2},
		{"2025-02", "2025-02-01", "i-2", "3", 1},
	}
	wantBad := []string{
		`bill:7: lineItem/UsageStartDate: "2025-02-30T11:00:00Z" is not a date (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`,
		`bill:8: bill/BillingPeriodStartDate: "2025-13-01T00:00:00Z" is not a date (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`,
	}
	for name, repeat := range map[string]int{"whole-line cache": 0, "whole-line cache off": 1 << 30} {
		t.Run(name, func(t *testing.T) {
			a := NewAggregator("b")
			a.tune.lineWindow, a.tune.lineMinRepeat = 1, repeat
			bill := header + strings.Join(lines, "\n") + "\n"
			if _, err := a.readCSV(context.Background(), "bill", strings.NewReader(bill), false); err != nil {
				t.Fatal(err)
			}
			var rs []got
			for _, b := range a.Batches() {
				for _, r := range b.Rollups {
					rs = append(rs, got{r.Period, r.Day.Format(time.DateOnly), r.Resource, r.Billed.String(), r.Lines})
				}
			}
			if d := cmp.Diff(want, rs, cmp.AllowUnexported(got{})); d != "" {
				t.Errorf("rollups (-want +got):\n%s", d)
			}
			var bad []string
			for _, b := range a.Stats().BadRows {
				bad = append(bad, b.String())
			}
			if d := cmp.Diff(wantBad, bad); d != "" {
				t.Errorf("bad rows (-want +got):\n%s", d)
			}
		})
	}
}

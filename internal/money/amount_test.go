package money

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMoney(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    string
		wantErr bool
	}{
		"integer":            {in: "12", want: "12"},
		"sample digits":      {in: "0.00000080000", want: "0.0000008"},
		"negative credit":    {in: "-2.61370000000", want: "-2.6137"},
		"plus sign":          {in: "+1.5", want: "1.5"},
		"exponent":           {in: "1.5E-7", want: "0.00000015"},
		"big exponent":       {in: "2e3", want: "2000"},
		"15 places":          {in: "0.123456789012345", want: "0.123456789012345"},
		"trailing zeros ok":  {in: "0.1234567890123450000", want: "0.123456789012345"},
		"16 places rejected": {in: "0.1234567890123456", wantErr: true},
		"text":               {in: "NULL", wantErr: true},
		"empty":              {in: "", wantErr: true},
		"fraction syntax":    {in: "1/3", wantErr: true},
		"hex":                {in: "0x10", wantErr: true},
		"infinity":           {in: "Inf", wantErr: true},
		"lone dot":           {in: ".", wantErr: true},
		"leading dot":        {in: ".5", want: "0.5"},
		"negative zero":      {in: "-0.000", want: "0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got.String()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if _, err := Parse("0.0000000000000001"); !errors.Is(err, ErrPrecision) {
		t.Errorf("16th place: err = %v, want ErrPrecision", err)
	}
}

func TestMoneyArithmetic(t *testing.T) {
	tests := map[string]struct {
		a, b           string
		sum, diff      string
		cmp            int
		round2, round0 string
	}{
		"carry":          {a: "0.999999999999999", b: "0.000000000000001", sum: "1", diff: "0.999999999999998", cmp: 1, round2: "1.00", round0: "1"},
		"negative mixes": {a: "-1.25", b: "0.5", sum: "-0.75", diff: "-1.75", cmp: -1, round2: "-1.25", round0: "-1"},
		"half rounds up": {a: "2.345", b: "0", sum: "2.345", diff: "2.345", cmp: 1, round2: "2.35", round0: "2"},
		"neg half away":  {a: "-2.5", b: "-2.5", sum: "-5", diff: "0", cmp: 0, round2: "-2.50", round0: "-3"},
		"tiny negative":  {a: "-0.001", b: "0", sum: "-0.001", diff: "-0.001", cmp: -1, round2: "0.00", round0: "0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, b := MustParse(tc.a), MustParse(tc.b)
			got := []any{a.Add(b).String(), a.Sub(b).String(), a.Cmp(b), a.Round(2), a.Round(0)}
			want := []any{tc.sum, tc.diff, tc.cmp, tc.round2, tc.round0}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestMoneyScale(t *testing.T) {
	tests := map[string]struct {
		in     string
		factor float64
		want   string
	}{
		"yen":      {in: "20.52022672899", factor: 150, want: "3078.0340093485"},
		"half":     {in: "1", factor: 0.5, want: "0.5"},
		"negative": {in: "-3", factor: 2, want: "-6"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, MustParse(tc.in).Scale(tc.factor).String()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "-2.6137", "1.5E-7", "0.00000080000", "NULL", "1e400", "-.5", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s)
		if err != nil {
			return
		}
		// What parses prints back to the same value, and negation undoes.
		back, err := Parse(m.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", s, m, err)
		}
		if back != m {
			t.Fatalf("round trip %q: %s != %s", s, back, m)
		}
		if m.Neg().Neg() != m || !m.Add(m.Neg()).IsZero() {
			t.Fatalf("negation of %s is not an inverse", m)
		}
		if m.frac < 0 || m.frac >= fracScale {
			t.Fatalf("%q: frac %d out of range", s, m.frac)
		}
	})
}

func TestParts(t *testing.T) {
	for _, s := range []string{"0", "1.5", "-0.000000000000001", "-12.25", "123456789012345.999999999999999"} {
		m := MustParse(s)
		u, f := m.Parts()
		back, ok := FromParts(u, f)
		if !ok || back != m {
			t.Errorf("%s: parts %d %d read back as %s (%v)", s, u, f, back, ok)
		}
	}
	for _, frac := range []int64{-1, fracScale} {
		if _, ok := FromParts(0, frac); ok {
			t.Errorf("fraction %d accepted", frac)
		}
	}
}

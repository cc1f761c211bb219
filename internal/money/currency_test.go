package money

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormat(t *testing.T) {
	tests := map[string]struct {
		amount, code, want, plain string
	}{
		"dollars":              {amount: "1234.5", code: "USD", want: "$1,234.50", plain: "1234.50"},
		"dollars round up":     {amount: "0.005", code: "USD", want: "$0.01", plain: "0.01"},
		"negative dollars":     {amount: "-3", code: "USD", want: "-$3.00", plain: "-3.00"},
		"tiny negative is 0":   {amount: "-0.001", code: "USD", want: "$0.00", plain: "0.00"},
		"yen has no decimals":  {amount: "210832.4", code: "JPY", want: "¥210,832", plain: "210832"},
		"yen half rounds away": {amount: "-12345.5", code: "JPY", want: "-¥12,346", plain: "-12346"},
		"millions":             {amount: "1234567.891", code: "USD", want: "$1,234,567.89", plain: "1234567.89"},
		"lower-case code":      {amount: "5", code: "jpy", want: "¥5", plain: "5"},
		"empty code is USD":    {amount: "5", code: "", want: "$5.00", plain: "5.00"},
		"code outside table":   {amount: "1000", code: "EUR", want: "1,000.00 EUR", plain: "1000.00"},
		"three digits":         {amount: "999", code: "JPY", want: "¥999", plain: "999"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := MustParse(tc.amount)
			if d := cmp.Diff(tc.want, Format(a, tc.code)); d != "" {
				t.Errorf("Format (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.plain, Plain(a, tc.code)); d != "" {
				t.Errorf("Plain (-want +got):\n%s", d)
			}
		})
	}
}

func TestFormatFloat(t *testing.T) {
	tests := map[string]struct {
		v    float64
		code string
		want string
	}{
		"sum of floats":   {v: 0.1 + 0.2, code: "USD", want: "$0.30"},
		"yen estimate":    {v: 2661.3, code: "JPY", want: "¥2,661"},
		"not a number":    {v: math.NaN(), code: "USD", want: "n/a"},
		"infinite":        {v: math.Inf(1), code: "JPY", want: "n/a"},
		"negative thousa": {v: -1500, code: "USD", want: "-$1,500.00"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := FormatFloat(tc.v, tc.code); got != tc.want {
				t.Errorf("FormatFloat(%v, %s) = %q, want %q", tc.v, tc.code, got, tc.want)
			}
		})
	}
	if got := RoundFloat(0.1+0.2, "USD"); got != 0.3 {
		t.Errorf("RoundFloat(0.1+0.2) = %v, want 0.3", got)
	}
	if got := RoundFloat(2661.5, "JPY"); got != 2662 {
		t.Errorf("RoundFloat(2661.5, JPY) = %v, want 2662", got)
	}
}

func TestLookup(t *testing.T) {
	for _, code := range []string{"USD", "jpy", " JPY "} {
		if _, err := Lookup(code); err != nil {
			t.Errorf("Lookup(%q): %v", code, err)
		}
	}
	// Only currencies the config accepts are in the table.
	if d := cmp.Diff([]string{"USD", "JPY"}, Codes()); d != "" {
		t.Errorf("Codes (-want +got):\n%s", d)
	}
	_, err := Lookup("EUR")
	if err == nil || !strings.Contains(err.Error(), "valid: USD, JPY") {
		t.Errorf("Lookup(EUR) = %v, want an error naming the valid codes", err)
	}
}

func TestConvert(t *testing.T) {
	tests := map[string]struct {
		v        float64
		from     string
		fromRate float64
		to       string
		toRate   float64
		want     float64
		ok       bool
	}{
		"yen to dollars":          {v: 15000, from: "JPY", fromRate: 150, to: "USD", want: 100, ok: true},
		"dollars to yen":          {v: 100, from: "USD", to: "JPY", toRate: 150, want: 15000, ok: true},
		"yen at another rate":     {v: 15000, from: "JPY", fromRate: 150, to: "JPY", toRate: 100, want: 15000, ok: true},
		"same currency":           {v: 7, from: "USD", to: "usd", want: 7, ok: true},
		"yen rate unknown":        {v: 15000, from: "JPY", to: "USD", want: 15000},
		"target rate unknown":     {v: 100, from: "USD", to: "JPY", want: 100},
		"rate not a number":       {v: 100, from: "USD", to: "JPY", toRate: math.NaN(), want: 100},
		"dollar rate is always 1": {v: 100, from: "USD", fromRate: 3, to: "JPY", toRate: 150, want: 15000, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := Convert(tc.v, tc.from, tc.fromRate, tc.to, tc.toRate)
			if ok != tc.ok || math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("Convert = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestFormatPrice(t *testing.T) {
	tests := map[string]struct {
		amount, code string
		places       int
		want         string
	}{
		"hourly":              {"0.0456", "USD", 4, "$0.0456"},
		"no more than needed": {"0.05", "USD", 4, "$0.05"},
		"rounded at places":   {"0.123456", "USD", 4, "$0.1235"},
		"yen hourly":          {"6.84", "JPY", 4, "¥6.84"},
		"whole yen":           {"1200", "JPY", 4, "¥1,200"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := FormatPrice(MustParse(tc.amount), tc.code, tc.places); got != tc.want {
				t.Errorf("FormatPrice(%s, %s, %d) = %q, want %q", tc.amount, tc.code, tc.places, got, tc.want)
			}
		})
	}
}

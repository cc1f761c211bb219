package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// currencies steward formats with a symbol; others print as "12.34 CHF".
// Decimals follow ISO 4217 minor units.
var currencies = map[string]struct {
	symbol   string
	decimals int
}{
	"USD": {"$", 2},
	"JPY": {"¥", 0},
	"EUR": {"€", 2},
	"GBP": {"£", 2},
	"KRW": {"₩", 0},
	"CNY": {"CN¥", 2},
	"AUD": {"A$", 2},
	"CAD": {"CA$", 2},
}

// normalizeCurrency upper-cases an ISO 4217 code and checks its shape.
func normalizeCurrency(c string) (string, error) {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "" {
		return DefaultCurrency, nil
	}
	if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", fmt.Errorf("%q is not an ISO 4217 code (three letters, like USD or JPY)", c)
	}
	return c, nil
}

func currencyDecimals(c string) int {
	if info, ok := currencies[c]; ok {
		return info.decimals
	}
	return 2
}

// roundMoney rounds to the currency's minor unit, so sums of many float
// amounts do not print as 12.300000000000001.
func roundMoney(v float64, currency string) float64 {
	p := math.Pow10(currencyDecimals(currency))
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // not -0, which prints as "-0.00"
	}
	return r
}

// FormatMoney formats an amount for people: "$1,234.50", "¥12,345",
// "1,234.50 CHF" for currencies without a known symbol.
func FormatMoney(v float64, currency string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	cur := strings.ToUpper(currency)
	if cur == "" {
		cur = DefaultCurrency
	}
	dec := currencyDecimals(cur)
	s := strconv.FormatFloat(math.Abs(roundMoney(v, cur)), 'f', dec, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if roundMoney(v, cur) < 0 {
		b.WriteByte('-')
	}
	info, known := currencies[cur]
	if known {
		b.WriteString(info.symbol)
	}
	for i, d := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	if !known {
		b.WriteByte(' ')
		b.WriteString(cur)
	}
	return b.String()
}

// plainMoney formats an amount for machines: no symbol, no separators,
// the currency's decimals ("1234.50", "12345").
func plainMoney(v float64, currency string) string {
	return strconv.FormatFloat(roundMoney(v, currency), 'f', currencyDecimals(currency), 64)
}

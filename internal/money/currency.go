// Package money owns amounts of money: the exact decimal Amount bills are
// added up in, the currencies steward accepts, conversion between them at
// a configured rate, and the one formatter every amount a person reads goes
// through ("$1,234.50", "¥12,345"). It is a leaf: it knows nothing of
// bills, policies, the config file or output formats.
package money

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Currency is one currency steward accepts: its ISO 4217 code, the symbol
// people read and its minor unit (decimals shown).
type Currency struct {
	Code     string
	Symbol   string
	Decimals int
}

// USD is the currency list prices and inventory cost estimates are in;
// a rate is always units of another currency per US dollar.
const USD = "USD"

// currencies are the ones steward.yaml accepts, and no others: a currency
// in this table is one the config can name and a rate can reach.
var currencies = []Currency{
	{Code: "USD", Symbol: "$", Decimals: 2},
	{Code: "JPY", Symbol: "¥", Decimals: 0},
}

// Codes lists the accepted currency codes, USD first.
func Codes() []string {
	out := make([]string, len(currencies))
	for i, c := range currencies {
		out[i] = c.Code
	}
	return out
}

// Lookup finds an accepted currency by code (case and spaces ignored);
// the error says which codes are valid.
func Lookup(code string) (Currency, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	i := slices.IndexFunc(currencies, func(x Currency) bool { return x.Code == c })
	if i < 0 {
		return Currency{}, fmt.Errorf("%q is not a supported currency (valid: %s)", code, strings.Join(Codes(), ", "))
	}
	return currencies[i], nil
}

// known returns the currency for code, or for a code outside the table
// (an old store, a bill in euros) a currency printed with its code and
// two decimals, so such an amount is still labelled, never shown with
// another currency's symbol.
func known(code string) Currency {
	if c, err := Lookup(code); err == nil {
		return c
	}
	c := strings.ToUpper(strings.TrimSpace(code))
	if c == "" {
		return currencies[0]
	}
	return Currency{Code: c, Decimals: 2}
}

// Decimals is how many decimal places amounts in code are shown with.
func Decimals(code string) int { return known(code).Decimals }

// Format is the one way an amount is shown to people: the currency's
// symbol, thousands separators and its minor unit, rounded half away from
// zero: "$1,234.50", "-$3.00", "¥12,345". A code outside the table is
// written after the number: "12.00 EUR".
func Format(a Amount, code string) string {
	c := known(code)
	return decorate(a.Round(c.Decimals), c)
}

// FormatPrice is Format for a unit price (per hour, per GB), which needs
// more places than the currency's minor unit: at least that many, and
// places when more are needed to show the price exactly ("$0.0456").
func FormatPrice(a Amount, code string, places int) string {
	c := known(code)
	p := c.Decimals
	want := MustParse(a.Round(places))
	for p < places && MustParse(a.Round(p)) != want {
		p++
	}
	return decorate(a.Round(p), c)
}

// FormatFloat is Format for amounts computed as floats (estimates, sums
// of estimates). NaN and infinities print as "n/a".
func FormatFloat(v float64, code string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return Format(FromFloat(v), code)
}

// Plain is an amount for machines (CSV, JSON text): no symbol and no
// separators, the currency's decimals: "1234.50", "12345".
func Plain(a Amount, code string) string { return a.Round(Decimals(code)) }

// PlainFloat is Plain for a float amount; NaN and infinities are "".
func PlainFloat(v float64, code string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return Plain(FromFloat(v), code)
}

// RoundFloat rounds a float amount to the currency's minor unit, so sums
// of many estimates do not print as 12.300000000000001 in JSON.
func RoundFloat(v float64, code string) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, _ := strconv.ParseFloat(FromFloat(v).Round(Decimals(code)), 64)
	if r == 0 {
		return 0 // not -0
	}
	return r
}

// decorate adds the sign, symbol and thousands separators to a rounded
// decimal such as "-1234.50".
func decorate(s string, c Currency) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(c.Symbol)
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
	if c.Symbol == "" {
		b.WriteByte(' ')
		b.WriteString(c.Code)
	}
	return b.String()
}

// Convert turns a float amount in currency from, converted from USD at
// fromRate (units of from per dollar), into currency to at toRate. A rate
// of 0 means unknown, except for USD whose rate is always 1. It reports
// false when either rate is unknown, and then returns v unchanged: the
// amount must stay labelled with from.
func Convert(v float64, from string, fromRate float64, to string, toRate float64) (float64, bool) {
	from, to = known(from).Code, known(to).Code
	if from == to {
		return v, true
	}
	if from == USD {
		fromRate = 1
	}
	if to == USD {
		toRate = 1
	}
	if !(fromRate > 0) || !(toRate > 0) || math.IsInf(fromRate, 0) || math.IsInf(toRate, 0) {
		return v, false
	}
	return v / fromRate * toRate, true
}

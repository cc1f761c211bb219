package report

import (
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/money"
)

// normalizeCurrency upper-cases an ISO 4217 code and checks its shape. A
// finding read from a file or an old store may carry any code; it is
// shown labelled with it (package money formats it), never as another.
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

// toReportCurrency converts a finding's waste into the report's currency
// when both rates are known: a scan made under JPY and read under USD
// shows dollars, labelled as dollars. Without a rate the amount keeps its
// own currency, and the totals list it apart.
func toReportCurrency(f *finding.Finding, currency string, rate float64) {
	if f.Currency == currency {
		return
	}
	if f.MonthlyWaste == 0 {
		f.Currency, f.Rate = currency, rate
		return
	}
	v, ok := money.Convert(f.MonthlyWaste, f.Currency, f.Rate, currency, rate)
	if !ok {
		return
	}
	f.MonthlyWaste = money.RoundFloat(v, currency)
	f.Currency = currency
	f.Rate = rate
	if currency == money.USD {
		f.Rate = 1
	}
}

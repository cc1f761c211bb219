package cost

import "github.com/steward-sre/steward/internal/money"

// Money is the exact amount bills are added up in; it lives in package
// money, which every package that shows or stores amounts shares.
type Money = money.Amount

// ErrPrecision is money.ErrPrecision, for callers that classify errors.
var ErrPrecision = money.ErrPrecision

// ParseMoney reads a decimal such as "12" or "1.5E-7" exactly.
func ParseMoney(s string) (Money, error) { return money.Parse(s) }

// MustMoney is ParseMoney for constants known to be valid.
func MustMoney(s string) Money { return money.MustParse(s) }

// MoneyFromFloat converts a float (a list price, a statistic) to Money.
func MoneyFromFloat(f float64) Money { return money.FromFloat(f) }

package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// fracDigits is how many decimal places Amount keeps exactly. Billing
// exports write at most 10 to 12 (the FOCUS sample writes 11); 15 leaves
// room without ever rounding an input.
const fracDigits = 15

const fracScale = 1_000_000_000_000_000 // 10^fracDigits

// Amount is an exact decimal amount: units plus frac/10^15, with frac in
// [0, 10^15). Two int64 words instead of a general decimal (apd, big.Rat)
// because ingest adds millions of amounts and an add here is two integer
// adds and a carry, with no allocation; the range (about ±9.2e18 units) is
// far beyond any bill. Amounts with more than 15 decimal places that are
// not zero are rejected rather than rounded. Rounding happens only in
// Round, for display.
type Amount struct {
	units int64
	frac  int64
}

// ErrPrecision is returned for amounts with more than 15 significant
// decimal places.
var ErrPrecision = errors.New("more than 15 decimal places")

// Parse reads a decimal such as "12", "-0.00000080000", "1.5E-7".
func Parse(s string) (Amount, error) {
	m, ok := parseFast(s)
	if ok {
		return m, nil
	}
	return parseSlow(s)
}

// MustParse is Parse for constants known to be valid.
func MustParse(s string) Amount {
	m, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return m
}

// parseFast handles plain decimals ([-]digits[.digits]) of at most 18
// integer digits, which is every amount in practice.
func parseFast(s string) (Amount, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var u int64
	nd := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		u = u*10 + int64(s[i]-'0')
		nd++
		if nd > 18 {
			return Amount{}, false
		}
	}
	var f int64
	fd := 0
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if fd == fracDigits {
				if s[i] != '0' {
					return Amount{}, false
				}
				continue
			}
			f = f*10 + int64(s[i]-'0')
			fd++
			nd++
		}
	}
	if i != len(s) || nd == 0 {
		return Amount{}, false
	}
	for ; fd < fracDigits; fd++ {
		f *= 10
	}
	m := Amount{units: u, frac: f}
	if neg {
		m = m.Neg()
	}
	return m, true
}

// parseSlow handles exponents and reports errors.
func parseSlow(s string) (Amount, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Amount{}, fmt.Errorf("empty amount")
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok || strings.ContainsAny(t, "/xXpP_") || strings.Contains(strings.ToLower(t), "inf") {
		return Amount{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return fromRat(r)
}

var fracScaleInt = big.NewInt(fracScale)

func fromRat(r *big.Rat) (Amount, error) {
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(fracScaleInt))
	if !scaled.IsInt() {
		return Amount{}, ErrPrecision
	}
	n := scaled.Num()
	q, rem := new(big.Int).DivMod(n, fracScaleInt, new(big.Int))
	if !q.IsInt64() {
		return Amount{}, fmt.Errorf("amount out of range")
	}
	return Amount{units: q.Int64(), frac: rem.Int64()}, nil
}

func (m Amount) rat() *big.Rat {
	n := new(big.Int).Mul(big.NewInt(m.units), fracScaleInt)
	n.Add(n, big.NewInt(m.frac))
	return new(big.Rat).SetFrac(n, fracScaleInt)
}

// Add returns m + o.
func (m Amount) Add(o Amount) Amount {
	r := Amount{units: m.units + o.units, frac: m.frac + o.frac}
	if r.frac >= fracScale {
		r.frac -= fracScale
		r.units++
	}
	return r
}

// Neg returns -m.
func (m Amount) Neg() Amount {
	if m.frac == 0 {
		return Amount{units: -m.units}
	}
	return Amount{units: -m.units - 1, frac: fracScale - m.frac}
}

// Sub returns m - o.
func (m Amount) Sub(o Amount) Amount { return m.Add(o.Neg()) }

// Cmp compares m and o: -1, 0 or +1.
func (m Amount) Cmp(o Amount) int {
	switch {
	case m.units < o.units:
		return -1
	case m.units > o.units:
		return 1
	case m.frac < o.frac:
		return -1
	case m.frac > o.frac:
		return 1
	}
	return 0
}

// Sign is -1, 0 or +1.
func (m Amount) Sign() int { return m.Cmp(Amount{}) }

// IsZero reports whether m is exactly zero.
func (m Amount) IsZero() bool { return m.units == 0 && m.frac == 0 }

// Float64 is m as a float, for statistics (medians, shares) only; amounts
// shown to people come from String or Round.
func (m Amount) Float64() float64 {
	return float64(m.units) + float64(m.frac)/fracScale
}

// FromFloat converts a float (a list price, a statistic) to Amount at
// 10 decimal places.
func FromFloat(f float64) Amount {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Amount{}
	}
	m, err := Parse(strconv.FormatFloat(f, 'f', 10, 64))
	if err != nil {
		return Amount{}
	}
	return m
}

// MulRat returns m x num/den rounded to 15 places, half away from zero;
// used for currency conversion and pro-rating.
func (m Amount) MulRat(r *big.Rat) Amount {
	x := new(big.Rat).Mul(m.rat(), r)
	x.Mul(x, new(big.Rat).SetInt(fracScaleInt))
	n := roundRat(x)
	q, rem := new(big.Int).DivMod(n, fracScaleInt, new(big.Int))
	return Amount{units: q.Int64(), frac: rem.Int64()}
}

// Scale returns m x f for a float factor (a rate, a share of hours); the
// factor is taken exactly as the float it is.
func (m Amount) Scale(f float64) Amount {
	r := new(big.Rat)
	if r.SetFloat64(f) == nil {
		return Amount{}
	}
	return m.MulRat(r)
}

// roundRat rounds to the nearest integer, half away from zero.
func roundRat(x *big.Rat) *big.Int {
	num := new(big.Int).Abs(x.Num())
	den := x.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if rem.Lsh(rem, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if x.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// String is the exact decimal, without trailing zeros.
func (m Amount) String() string {
	neg := m.Sign() < 0
	a := m
	if neg {
		a = m.Neg()
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(strconv.FormatUint(uint64(a.units), 10))
	if a.frac != 0 {
		fs := strconv.FormatInt(a.frac, 10)
		fs = strings.Repeat("0", fracDigits-len(fs)) + fs
		b.WriteByte('.')
		b.WriteString(strings.TrimRight(fs, "0"))
	}
	return b.String()
}

// Round returns m rounded to places decimal places (half away from zero)
// as a string with exactly that many places. This is the only rounding.
func (m Amount) Round(places int) string {
	if places < 0 {
		places = 0
	}
	if places > fracDigits {
		places = fracDigits
	}
	neg := m.Sign() < 0
	a := m
	if neg {
		a = m.Neg()
	}
	div := int64(1)
	for range fracDigits - places {
		div *= 10
	}
	q := a.frac / div
	if r := a.frac % div; r*2 >= div {
		q++
	}
	units := a.units
	lim := fracScale / div
	if q >= lim {
		q -= lim
		units++
	}
	s := strconv.FormatUint(uint64(units), 10)
	if places > 0 {
		fs := strconv.FormatInt(q, 10)
		s += "." + strings.Repeat("0", places-len(fs)) + fs
	}
	if neg && strings.Trim(s, "0.") != "" {
		s = "-" + s
	}
	return s
}

// MarshalText writes the exact decimal, so JSON never carries a float.
func (m Amount) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a decimal.
func (m *Amount) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalJSON writes the exact decimal as a JSON number: no float ever
// stands between the bill and the reader.
func (m Amount) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number or string.
func (m *Amount) UnmarshalJSON(b []byte) error {
	return m.UnmarshalText([]byte(strings.Trim(string(b), `"`)))
}

// UnmarshalYAML reads `monthly: 500` or `monthly: "500.25"` exactly, from
// the YAML text rather than through a float.
func (m *Amount) UnmarshalYAML(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"'`)
	v, err := Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not an amount (e.g. 500 or 1234.56): %w", s, err)
	}
	*m = v
	return nil
}

// MaxScale is the most decimal places an Amount holds exactly.
const MaxScale = fracDigits

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// FromDecimal is n x 10^-scale exactly (a Parquet DECIMAL, a count of
// tenths); false when scale is outside [0, MaxScale] or the amount is out
// of range.
func FromDecimal(n int64, scale int) (Amount, bool) {
	if scale < 0 || scale > fracDigits {
		return Amount{}, false
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = -u
	}
	units := u / pow10[scale]
	if units > math.MaxInt64 {
		return Amount{}, false
	}
	m := Amount{units: int64(units), frac: int64(u%pow10[scale]) * int64(pow10[fracDigits-scale])}
	if neg {
		m = m.Neg()
	}
	return m, true
}

// Parts are the amount's whole units and its fraction in 10^-15 units,
// in [0, 10^15), for compact binary encodings; FromParts reads them back.
func (m Amount) Parts() (units, frac int64) { return m.units, m.frac }

// FromParts is the amount Parts returned; false when frac is outside
// [0, 10^15).
func FromParts(units, frac int64) (Amount, bool) {
	if frac < 0 || frac >= fracScale {
		return Amount{}, false
	}
	return Amount{units: units, frac: frac}, true
}

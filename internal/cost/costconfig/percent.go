package costconfig

import (
	"math"
	"strconv"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/quote"
)

// Percent is a share, written in steward.yaml as a percentage (1% or
// 0.5%) so that no one reads 0.01 as one percent or 1 as a hundred. It
// holds the fraction: 1% is 0.01.
type Percent float64

// DefaultMaxSkipped is the share of a file's lines that may be skipped
// before `cost ingest` stores nothing of it.
const DefaultMaxSkipped Percent = 0.01

// ParsePercent reads "1%", "0.5%" or "0"; the sign is required for any
// other number.
func ParsePercent(s string) (Percent, error) {
	s = strings.TrimSpace(s)
	num, ok := strings.CutSuffix(s, "%")
	if !ok && s != "0" {
		return 0, i18n.Say("cost.cfg.percent", quote.Value(s)).Err()
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 100 {
		return 0, i18n.Say("cost.cfg.percent.range", quote.Value(s)).Err()
	}
	return Percent(v / 100), nil
}

func (p Percent) String() string {
	return strconv.FormatFloat(float64(p)*100, 'f', -1, 64) + "%"
}

// MaxSkippedShare is MaxSkipped read (Validate has checked it).
func (c *Config) MaxSkippedShare() Percent {
	p, err := ParsePercent(c.MaxSkipped)
	if err != nil {
		return DefaultMaxSkipped
	}
	return p
}

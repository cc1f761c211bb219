package env

import (
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

func TestFormatDurationIn(t *testing.T) {
	tests := map[string]struct {
		d          time.Duration
		en, ja     string
		ago, agoJA string
	}{
		"zero":         {0, "0m", "0分", "0m", "0分"},
		"minutes":      {45 * time.Minute, "45m", "45分", "45m", "45分"},
		"hours":        {4*time.Hour + 30*time.Minute, "4h30m", "4時間30分", "4h", "4時間"},
		"days":         {52 * time.Hour, "2d4h", "2日4時間", "2d", "2日"},
		"negative":     {-90 * time.Minute, "-1h30m", "-1時間30分", "-90m", "-90分"},
		"under 2 days": {47 * time.Hour, "1d23h", "1日23時間", "47h", "47時間"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := FormatDurationIn(i18n.EN, tc.d); got != tc.en {
				t.Errorf("en: %q, want %q", got, tc.en)
			}
			if got := FormatDurationIn(i18n.JA, tc.d); got != tc.ja {
				t.Errorf("ja: %q, want %q", got, tc.ja)
			}
			if got := FormatAgo(tc.d); got != tc.ago {
				t.Errorf("ago: %q, want %q", got, tc.ago)
			}
			if got := FormatAgoIn(i18n.JA, tc.d); got != tc.agoJA {
				t.Errorf("ago ja: %q, want %q", got, tc.agoJA)
			}
		})
	}
}

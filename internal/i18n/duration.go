package i18n

import (
	"strings"
	"time"
)

// Units writes a span of time for people in l from its parts, leaving out
// the parts that are zero: "2d 4h" (sep " ") or "2d4h" (sep "") in
// English, 「2日4時間」 in Japanese, which runs its units together whatever
// sep says. All parts zero is zero minutes. Callers decide the rounding
// and how many parts to keep; this is the one place that knows the words.
func (l Lang) Units(days, hours, minutes int64, sep string) string {
	if l == JA {
		sep = ""
	}
	var parts []string
	if days != 0 {
		parts = append(parts, l.T("unit.d", days))
	}
	if hours != 0 {
		parts = append(parts, l.T("unit.h", hours))
	}
	if minutes != 0 || len(parts) == 0 {
		parts = append(parts, l.T("unit.m", minutes))
	}
	return strings.Join(parts, sep)
}

// Weekday is a day of the week, short, in l: Mon, 月.
func (l Lang) Weekday(d time.Weekday) string {
	return l.T("weekday." + d.String()[:3])
}

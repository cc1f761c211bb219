package env

import (
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// ParseDuration reads a lease length as people write it: Go's durations
// (90m, 4h, 1h30m) and whole days or weeks (2d, 1w), alone or before a Go
// duration (1d12h). It refuses zero, negatives and more than ten years, so
// no input overflows a time.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, i18n.Say("env.duration.empty").Err()
	}
	var total time.Duration
	rest := in
	for _, unit := range []struct {
		suffix byte
		d      time.Duration
	}{{'w', 7 * 24 * time.Hour}, {'d', 24 * time.Hour}} {
		i := strings.IndexByte(rest, unit.suffix)
		if i < 0 {
			continue
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n < 0 || n > 3660 {
			return 0, i18n.Say("env.duration.bad", in).Err()
		}
		total += time.Duration(n) * unit.d
		rest = rest[i+1:]
	}
	if rest != "" {
		if rest[0] == '-' || rest[0] == '+' {
			return 0, i18n.Say("env.duration.bad", in).Err()
		}
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, i18n.Say("env.duration.bad", in).Err()
		}
		total += d
	}
	if total <= 0 {
		return 0, i18n.Say("env.duration.zero", in).Err()
	}
	if total > MaxDuration {
		return 0, i18n.Say("env.duration.max", in, FormatDuration(MaxDuration)).Err()
	}
	return total, nil
}

// MaxDuration bounds every duration ParseDuration accepts.
const MaxDuration = 10 * 365 * 24 * time.Hour

// FormatDuration writes d as ParseDuration reads it, to the minute:
// 2d4h, 4h30m, 45m.
func FormatDuration(d time.Duration) string { return FormatDurationIn(i18n.EN, d) }

// FormatDurationIn is FormatDuration for a reader of lang: Japanese says
// 2日4時間.
func FormatDurationIn(lang i18n.Lang, d time.Duration) string {
	if d < 0 {
		return "-" + FormatDurationIn(lang, -d)
	}
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	m := (d - h*time.Hour) / time.Minute
	return lang.Units(int64(days), int64(h), int64(m), "")
}

// FormatAgo is a rough age for people: 45m, 5h, 3d.
func FormatAgo(d time.Duration) string { return FormatAgoIn(i18n.EN, d) }

// FormatAgoIn is FormatAgo for a reader of lang: Japanese says 45分, 5時間,
// 3日.
func FormatAgoIn(lang i18n.Lang, d time.Duration) string {
	switch {
	case d < time.Hour:
		return lang.Units(0, 0, int64(d/time.Minute), "")
	case d < 48*time.Hour:
		return lang.Units(0, int64(d/time.Hour), 0, "")
	}
	return lang.Units(int64(d/(24*time.Hour)), 0, 0, "")
}

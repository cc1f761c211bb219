package env

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a lease length as people write it: Go's durations
// (90m, 4h, 1h30m) and whole days or weeks (2d, 1w), alone or before a Go
// duration (1d12h). It refuses zero, negatives and more than ten years, so
// no input overflows a time.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty duration (e.g. 4h, 90m, 2d)")
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
			return 0, fmt.Errorf("%q is not a duration (e.g. 4h, 90m, 2d, 1d12h)", in)
		}
		total += time.Duration(n) * unit.d
		rest = rest[i+1:]
	}
	if rest != "" {
		if rest[0] == '-' || rest[0] == '+' {
			return 0, fmt.Errorf("%q is not a duration (e.g. 4h, 90m, 2d, 1d12h)", in)
		}
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration (e.g. 4h, 90m, 2d, 1d12h)", in)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q: a duration must be more than zero", in)
	}
	if total > MaxDuration {
		return 0, fmt.Errorf("%q: at most %s", in, FormatDuration(MaxDuration))
	}
	return total, nil
}

// MaxDuration bounds every duration ParseDuration accepts.
const MaxDuration = 10 * 365 * 24 * time.Hour

// FormatDuration writes d as ParseDuration reads it, to the minute:
// 2d4h, 4h30m, 45m.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	d = d.Round(time.Minute)
	if d == 0 {
		return "0m"
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	m := (d - h*time.Hour) / time.Minute
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// FormatAgo is a rough age for people: 45m, 5h, 3d.
func FormatAgo(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

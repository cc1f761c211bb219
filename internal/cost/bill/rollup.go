package bill

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/money"
)

// Rollup is the spend of one day x account x service x usage type x
// resource x tag set x charge kind, summed over the lines of a bill.
type Rollup struct {
	Day          time.Time    `json:"day"` // UTC midnight
	Source       string       `json:"source"`
	Period       string       `json:"period"` // billing period, YYYY-MM
	Account      string       `json:"account"`
	Region       string       `json:"region,omitempty"`
	Service      string       `json:"service"`
	UsageType    string       `json:"usage_type,omitempty"`
	Resource     string       `json:"resource,omitempty"`
	ResourceName string       `json:"resource_name,omitempty"`
	Tags         Tags         `json:"tags,omitempty"`
	Kind         Kind         `json:"kind"`
	Currency     string       `json:"currency"`
	Billed       money.Amount `json:"billed"`
	Effective    money.Amount `json:"effective"`
	Lines        int64        `json:"lines"`
}

// Cost is the billed or the effective (amortised) cost of the rollup.
func (r *Rollup) Cost(amortized bool) money.Amount {
	if amortized {
		return r.Effective
	}
	return r.Billed
}

// Tags is a canonical tag set: a JSON object with sorted keys, keys
// trimmed of spaces (exports write " env" and "env" for the same key).
// As a string it is comparable and can key a map or a table row.
type Tags string

// MakeTags builds the canonical form of a tag map; empty values are kept
// (an empty tag is still a tag someone set).
func MakeTags(m map[string]string) Tags {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	clean := make(map[string]string, len(m))
	for k, v := range m {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if _, dup := clean[k]; !dup {
			keys = append(keys, k)
		}
		clean[k] = v
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(clean[k])
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return Tags(b.String())
}

// Map decodes the tag set.
func (t Tags) Map() map[string]string {
	if t == "" {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(t), &m); err != nil {
		return nil
	}
	return m
}

// Get returns a tag's value by exact key, then case-insensitively.
func (t Tags) Get(key string) (string, bool) {
	m := t.Map()
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// parseTagJSON reads a JSON object of tags whose values may be strings,
// numbers or booleans (FOCUS allows any JSON value).
func parseTagJSON(s string) (map[string]string, error) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("tags %q are not a JSON object: %w", truncate(s, 60), err)
	}
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			m[k] = v
		case nil:
			m[k] = ""
		default:
			b, _ := json.Marshal(v)
			m[k] = string(b)
		}
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Period names a billing period as YYYY-MM.
func Period(t time.Time) string { return t.UTC().Format("2006-01") }

// epochDay converts a civil date to days since 1970-01-01 and back,
// without time.Time, because ingest does it for every line.
func epochDay(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// DayTime is the midnight UTC that starts epoch day d.
func DayTime(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// DayOf is the epoch day (days since 1970-01-01 UTC) t falls on.
func DayOf(t time.Time) int32 {
	u := t.Unix()
	d := u / 86400
	if u%86400 < 0 {
		d-- // before 1970: the day starts earlier
	}
	return int32(d)
}

var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// parseDay reads the date of a timestamp written as YYYY-MM-DD, with or
// without a time after it ("2024-09-18 22:00:00", "2024-09-18T22:00:00Z").
// The day is taken as written: exports write UTC.
func parseDay(s string) (day int32, year, month int, err error) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' || (len(s) > 10 && s[10] != ' ' && s[10] != 'T') {
		return 0, 0, 0, fmt.Errorf("%q is not a date (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", truncate(s, 40))
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	m, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > monthDays[m] || y < 1970 {
		return 0, 0, 0, fmt.Errorf("%q is not a date (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", truncate(s, 40))
	}
	if m == 2 && d == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return 0, 0, 0, fmt.Errorf("%q is not a date: %d is not a leap year", truncate(s, 40), y)
	}
	return epochDay(y, m, d), y, m, nil
}

func periodString(y, m int) string {
	b := []byte("0000-00")
	b[0], b[1], b[2], b[3] = byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[5], b[6] = byte('0'+m/10), byte('0'+m%10)
	return string(b)
}

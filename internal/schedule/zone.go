package schedule

import (
	"strings"
	"time"
	"unicode"

	"github.com/steward-sre/steward/internal/i18n"
)

// tzAliases are Cloud Custodian's short time zone names for offhours tags
// (c7n.filters.offhours.Time.TZ_ALIASES). An alias wins over an IANA zone
// of the same name: est is New York's time with its daylight saving, not
// the fixed-offset zone EST.
var tzAliases = map[string]string{
	"pdt": "America/Los_Angeles", "pt": "America/Los_Angeles", "pst": "America/Los_Angeles",
	"ast": "America/Phoenix", "at": "America/Phoenix",
	"est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
	"cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
	"mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
	"gmt": "Etc/GMT", "gt": "Etc/GMT",
	"bst":  "Europe/London",
	"ist":  "Europe/Dublin",
	"cet":  "Europe/Berlin",
	"it":   "Asia/Kolkata",
	"jst":  "Asia/Tokyo",
	"kst":  "Asia/Seoul",
	"sgt":  "Asia/Singapore",
	"aet":  "Australia/Sydney",
	"brt":  "America/Sao_Paulo",
	"nzst": "Pacific/Auckland",
	"utc":  "Etc/UTC",
}

// irregularZones are the IANA zones whose names are not in title case
// (title case capitalises each letter that follows a non-letter). Tag
// values are read in lower case, as Custodian reads them, so these are
// found by their lower-case name and the others by title-casing it.
var irregularZones = func() map[string]string {
	names := []string{
		"Africa/Dar_es_Salaam", "America/Argentina/ComodRivadavia", "America/Knox_IN",
		"America/Port-au-Prince", "America/Port_of_Spain", "Antarctica/DumontDUrville",
		"Antarctica/McMurdo", "Australia/ACT", "Australia/LHI", "Australia/NSW",
		"Brazil/DeNoronha", "CET", "CST6CDT", "Chile/EasterIsland", "EET", "EST", "EST5EDT",
		"Etc/GMT", "Etc/GMT+0", "Etc/GMT+1", "Etc/GMT+10", "Etc/GMT+11", "Etc/GMT+12",
		"Etc/GMT+2", "Etc/GMT+3", "Etc/GMT+4", "Etc/GMT+5", "Etc/GMT+6", "Etc/GMT+7",
		"Etc/GMT+8", "Etc/GMT+9", "Etc/GMT-0", "Etc/GMT-1", "Etc/GMT-10", "Etc/GMT-11",
		"Etc/GMT-12", "Etc/GMT-13", "Etc/GMT-14", "Etc/GMT-2", "Etc/GMT-3", "Etc/GMT-4",
		"Etc/GMT-5", "Etc/GMT-6", "Etc/GMT-7", "Etc/GMT-8", "Etc/GMT-9", "Etc/GMT0",
		"Etc/UCT", "Etc/UTC", "Europe/Isle_of_Man", "GB", "GB-Eire", "GMT", "GMT+0",
		"GMT-0", "GMT0", "HST", "MET", "MST", "MST7MDT", "Mexico/BajaNorte",
		"Mexico/BajaSur", "NZ", "NZ-CHAT", "PRC", "PST8PDT", "ROC", "ROK", "UCT",
		"US/Alaska", "US/Aleutian", "US/Arizona", "US/Central", "US/East-Indiana",
		"US/Eastern", "US/Hawaii", "US/Indiana-Starke", "US/Michigan", "US/Mountain",
		"US/Pacific", "US/Samoa", "UTC", "W-SU", "WET",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// LoadZone resolves a time zone: one of Custodian's aliases (jst, pt,
// et ...; an alias wins over a zone of the same name) or an IANA name in
// any case (Asia/Tokyo, asia/tokyo).
func LoadZone(name string) (*time.Location, error) {
	l := strings.ToLower(strings.TrimSpace(name))
	zone, ok := tzAliases[l]
	if !ok {
		zone, ok = irregularZones[l]
	}
	if !ok {
		zone = titleCase(l)
	}
	// "" and "Local" would be UTC and this machine's zone: neither is
	// what a schedule means.
	if l == "" || l == "local" {
		return nil, i18n.Say("schedule.err.zone", name).Err()
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, i18n.Say("schedule.err.zone", name).Err()
	}
	return loc, nil
}

// titleCase upper-cases each letter that follows a non-letter and
// lower-cases the others, as Python's str.title does.
func titleCase(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		cased := unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		switch {
		case cased && prevCased:
			r = unicode.ToLower(r)
		case cased:
			r = unicode.ToUpper(r)
		}
		prevCased = cased
		b.WriteRune(r)
	}
	return b.String()
}

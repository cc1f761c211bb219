package schedule

import (
	"testing"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/us"

	"github.com/steward-sre/steward/internal/i18n"
)

// Every holiday of the calendars schedules use has a Japanese name, so a
// preview in Japanese names no day off in English.
func TestHolidaysHaveJapaneseNames(t *testing.T) {
	for cal, hs := range map[string][]*cal.Holiday{"jp": jp.Holidays, "us": us.Holidays} {
		for _, h := range hs {
			if got := i18n.JA.Holiday(h.Name); got == h.Name {
				t.Errorf("%s holiday %q has no Japanese name", cal, h.Name)
			}
			if got := i18n.EN.Holiday(h.Name); got != h.Name {
				t.Errorf("%s holiday %q is %q in English", cal, h.Name, got)
			}
		}
	}
}

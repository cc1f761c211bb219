package i18n

import "testing"

func TestPhraseIn(t *testing.T) {
	tests := map[string]struct {
		p    Phrase
		lang Lang
		want string
	}{
		"zero is empty":      {Phrase{}, JA, ""},
		"english":            {Say("cost.show.more", 3), EN, "3 more (--top)"},
		"japanese":           {Say("cost.show.more", 3), JA, "ほか 3件（--top）"},
		"nested in japanese": {Say("cost.fix.via", Say("owner.via.naming")), JA, JA.T("cost.fix.via", JA.T("owner.via.naming"))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.p.In(tc.lang); got != tc.want {
				t.Errorf("In(%s) = %q, want %q", tc.lang, got, tc.want)
			}
		})
	}
}

package i18n

import (
	"errors"
	"fmt"
	"testing"
)

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

// TestPhraseListAndErrOf: a list of phrases is said item by item and
// joined the language's way; ErrOf says its phrase and is its target.
func TestPhraseListAndErrOf(t *testing.T) {
	items := []Phrase{Say("action.drift.diff", "desired", "2", "3"), Say("action.drift.diff", "tag:a", Say("action.drift.none"), "x")}
	p := Say("action.err.changed", items)
	if got, want := p.In(JA), "プランの作成後にリソースが変わりました: desired: 2 → 3、tag:a: （なし） → x。プランを作り直してください"; got != want {
		t.Errorf("JA = %q, want %q", got, want)
	}
	if got, want := p.In(EN), "resources changed since the plan was made: desired: 2 -> 3; tag:a: (none) -> x; make a new plan"; got != want {
		t.Errorf("EN = %q, want %q", got, want)
	}
	sentinel := errors.New("changed")
	err := fmt.Errorf("apply: %w", p.ErrOf(sentinel))
	if !errors.Is(err, sentinel) {
		t.Error("ErrOf: errors.Is(err, target) = false")
	}
	if err.Error() != "apply: "+p.In(EN) {
		t.Errorf("Error() = %q", err.Error())
	}
}

package finding

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/i18n"
)

// TestMessagesHoldEveryLanguage: a finding has a place for its message in
// every language steward speaks besides English, so a language added to
// the catalogue cannot be silently dropped from findings.
func TestMessagesHoldEveryLanguage(t *testing.T) {
	for _, lang := range i18n.Langs[1:] {
		var m Messages
		if !m.Set(lang, "text in "+string(lang)) {
			t.Errorf("Messages has no place for %s", lang)
		}
		if got, ok := m.Get(lang); !ok || got != "text in "+string(lang) {
			t.Errorf("Get(%s) = %q, %v", lang, got, ok)
		}
	}
	var m Messages
	if m.Set(i18n.EN, "x") {
		t.Error("English has a place in Messages: it is Message")
	}
}

func TestMessagesJSON(t *testing.T) {
	f := Finding{Policy: "p", Message: "vol-1 is attached to nothing",
		Messages: Messages{JA: "vol-1 はどこにもアタッチされていません"}}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"messages":{"ja":"vol-1 はどこにもアタッチされていません"}`) {
		t.Errorf("JSON %s, want the messages as an object by language", b)
	}
	var back Finding
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if b, _ := json.Marshal(Finding{Message: "m"}); strings.Contains(string(b), "messages") {
		t.Errorf("a finding with one message writes %s", b)
	}
}

// TestFindingIn: a reader gets the message in their language where the
// finding has it, else the one it has; a body stored before steward kept
// other languages has one message, shown to every reader as it is.
func TestFindingIn(t *testing.T) {
	f := Finding{Message: "en text", Messages: Messages{JA: "日本語"}}
	old := Finding{}
	if err := json.Unmarshal([]byte(`{"policy":"p","message":"英語のスキャンより前の行"}`), &old); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    Finding
		lang i18n.Lang
		want string
	}{
		{f, i18n.EN, "en text"}, {f, i18n.JA, "日本語"},
		{old, i18n.EN, "英語のスキャンより前の行"}, {old, i18n.JA, "英語のスキャンより前の行"},
	} {
		got := tc.f.In(tc.lang)
		if got.Message != tc.want || got.Messages != (Messages{}) {
			t.Errorf("In(%s) = %q with %v, want %q and no other languages", tc.lang, got.Message, got.Messages, tc.want)
		}
		if said := tc.f.Said().In(tc.lang); said != tc.want {
			t.Errorf("Said().In(%s) = %q, want %q", tc.lang, said, tc.want)
		}
	}
	if f.Messages.JA == "" {
		t.Error("In changed the finding it was called on")
	}
}

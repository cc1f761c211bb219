package finding

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/i18n"
)

func TestMessagesJSON(t *testing.T) {
	f := Finding{Policy: "p", Message: "vol-1 is attached to nothing",
		Messages: Messages{{Lang: i18n.JA, Text: "vol-1 はどこにもアタッチされていません"}}}
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
	if err := json.Unmarshal([]byte(`{"messages":{"fr":"x"}}`), &back); err == nil || !strings.Contains(err.Error(), `"fr"`) {
		t.Errorf("a language steward does not speak: error %v", err)
	}
}

// TestFindingIn: a reader gets the message in their language where the
// finding has it, else the one it has; a body stored before steward kept
// other languages has one message, shown to every reader as it is.
func TestFindingIn(t *testing.T) {
	f := Finding{Message: "en text", Messages: Messages{{Lang: i18n.JA, Text: "日本語"}}}
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
		if got.Message != tc.want || got.Messages != nil {
			t.Errorf("In(%s) = %q with %v, want %q and no other languages", tc.lang, got.Message, got.Messages, tc.want)
		}
		if said := tc.f.Said().In(tc.lang); said != tc.want {
			t.Errorf("Said().In(%s) = %q, want %q", tc.lang, said, tc.want)
		}
	}
	if f.Messages == nil {
		t.Error("In changed the finding it was called on")
	}
}

package policy

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// jaOwnData lists the built-in policies whose Japanese message shows other
// data than the English one, and why.
var jaOwnData = map[string]string{
	// tag_problems returns English phrases that the policy filters on
	// (startsWith('missing')); the Japanese message lists the offending
	// key=value pairs instead.
	"tagging-invalid-value": "invalid_tags instead of tag_problems",
}

// literalRe matches quoted CEL string literals, which a translation may
// word differently ('; ' + x + ' is the current generation').
var literalRe = regexp.MustCompile(`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`)

// messageData lists a message's ${...} expressions with their string
// literals blanked, sorted: the data the message shows.
func messageData(t *testing.T, msg string) []string {
	t.Helper()
	parts, exprs, _, err := splitMessage(msg)
	if err != nil {
		t.Fatalf("split %q: %v", msg, err)
	}
	var out []string
	for i, p := range parts {
		if exprs[i] {
			out = append(out, literalRe.ReplaceAllString(strings.TrimSpace(p), "''"))
		}
	}
	slices.Sort(out)
	return out
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// TestBuiltinJapanese holds every built-in policy to a whole Japanese text:
// title, message and remediation (and description where English has one)
// written in Japanese, and a message that shows the same data as the
// English one.
func TestBuiltinJapanese(t *testing.T) {
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 40 {
		t.Fatalf("only %d built-in policies loaded", len(ps))
	}
	for _, p := range ps {
		ja, ok := p.Translations[i18n.JA]
		if !ok {
			t.Errorf("%s: no ja: block", p.ID)
			continue
		}
		for field, s := range map[string]string{"title": ja.Title, "message": ja.Message, "remediation": ja.Remediation} {
			if !hasJapanese(s) {
				t.Errorf("%s: ja.%s %q is not Japanese", p.ID, field, s)
			}
		}
		if (p.Description != "") != (ja.Description != "") {
			t.Errorf("%s: description in English %t, in Japanese %t: give both or neither", p.ID, p.Description != "", ja.Description != "")
		}
		if _, own := jaOwnData[p.ID]; own {
			continue
		}
		if diff := cmp.Diff(messageData(t, p.Message), messageData(t, ja.Message)); diff != "" {
			t.Errorf("%s: the Japanese message shows other data than the English one (-en +ja):\n%s", p.ID, diff)
		}
	}
}

// TestPolicyIn checks the fallback: an untranslated text is the English one.
func TestPolicyIn(t *testing.T) {
	p := &Policy{Title: "T", Message: "M", Remediation: "R",
		Translations: map[i18n.Lang]Text{i18n.JA: {Title: "題"}}}
	want := Text{Title: "題", Message: "M", Remediation: "R"}
	if diff := cmp.Diff(want, p.In(i18n.JA)); diff != "" {
		t.Errorf("In(ja) (-want +got):\n%s", diff)
	}
	if got := p.In(i18n.EN).Title; got != "T" {
		t.Errorf("In(en).Title = %q, want T", got)
	}
}

// TestDemoEstateJapanese evaluates the built-in packs over the demo estate:
// every finding has its message in Japanese too, with no interpolation
// failing, durations in days as Japanese writes them.
func TestDemoEstateJapanese(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	col, err := demo.New(now).Collect(context.Background(), inventory.NoProgress{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(ps, Options{Now: now, Naming: cfg.NamingRule(), Required: cfg.Tags.Required, Pricer: ListPrices{}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(context.Background(), col.Resources)
	if err != nil {
		t.Fatal(err)
	}
	en, ja := map[string]string{}, map[string]string{}
	for _, f := range fs {
		en[f.Policy+" "+f.ARN], ja[f.Policy+" "+f.ARN] = f.Message, f.MessageIn(i18n.JA)
		if _, ok := f.Messages.Get(i18n.JA); !ok {
			t.Errorf("%s %s: no message in Japanese", f.Policy, f.ARN)
		}
		if hasJapanese(f.Message) {
			t.Errorf("%s %s: the English message %q is Japanese", f.Policy, f.ARN, f.Message)
		}
	}
	if len(ja) < 50 {
		t.Fatalf("only %d findings in Japanese", len(ja))
	}
	if diff := cmp.Diff(slices.Sorted(mapKeys(en)), slices.Sorted(mapKeys(ja))); diff != "" {
		t.Errorf("findings differ between languages (-en +ja):\n%s", diff)
	}
	sawDays := false
	for k, msg := range ja {
		if !hasJapanese(msg) || strings.Contains(msg, "<error") || strings.Contains(msg, " days") {
			t.Errorf("%s: message %q", k, msg)
		}
		sawDays = sawDays || strings.Contains(msg, "日間")
	}
	if !sawDays {
		t.Error("no message says how many days (N日間) in Japanese")
	}
	// One message checked whole, as a Japanese SRE reads it.
	found := false
	for k, msg := range ja {
		if strings.HasPrefix(k, "rds-idle ") && strings.Contains(msg, "shop-dev-reporting") {
			found = true
			if want := "shop-dev-reporting は 30日間接続がありません。$21.74/月"; msg != want {
				t.Errorf("rds-idle message = %q, want %q", msg, want)
			}
		}
	}
	if !found {
		t.Error("no rds-idle finding on shop-dev-reporting in Japanese")
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestJapaneseMessageErrors: a Japanese message that does not compile is
// reported at its own line, as ja.message, in a run in any language: every
// finding carries its message in each language the policy has.
func TestJapaneseMessageErrors(t *testing.T) {
	pack := `pack: mine
policies:
  - id: vol-big
    title: Big volume
    types: [AWS::EC2::Volume]
    severity: low
    category: cost
    where: r.attrs.size_gb > 100
    message: "${r.id} is big"
    ja:
      title: 大きなボリューム
      message: "${r.id} は ${r.attrs.size_gb GB} です"
`
	ps, err := LoadFS(fstest.MapFS{"mine.yaml": {Data: []byte(pack)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(ps, testOptions())
	if err == nil || !strings.Contains(err.Error(), "mine.yaml:12: policy vol-big: ja.message:") {
		t.Errorf("error = %v, want it at mine.yaml:12 naming ja.message", err)
	}
	if got := ps[0].In(i18n.JA).Remediation; got != "" {
		t.Errorf("remediation = %q, want the (empty) English one", got)
	}
}

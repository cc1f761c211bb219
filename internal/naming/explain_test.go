package naming

import "testing"

func TestExplain(t *testing.T) {
	rule := MustCompile("{system}-{env}-{role}", "", map[string][]string{"env": {"prod", "stg", "dev", "qa1", "qa2", "qa3", "sandbox"}})
	tests := map[string]string{
		"shop-prod-web-01":      "",
		"shop-production-batch": `env part "production" is not one of prod, stg, dev, qa1, qa2, qa3, ...`,
		"test-server":           `no role part: the name has 2 of the 3 parts of {system}-{env}-{role}`,
		"kobayashi":             `no env part: the name has 1 of the 3 parts of {system}-{env}-{role}`,
		"Shop_Assets-prod-web":  `system part "Shop_Assets" may hold only lower-case letters and digits`,
		"shop-prod-Web":         `role part "Web" may hold only lower-case letters, digits and -`,
		"":                      "the name is empty",
	}
	for name, want := range tests {
		if got := rule.Explain(name); got != want {
			t.Errorf("Explain(%q) = %q, want %q", name, got, want)
		}
	}
	re := MustCompile("", `^(?P<system>[a-z]+)_(?P<env>[a-z]+)$`, nil)
	if got := re.Explain("Shop"); got != `"Shop" does not match the rule ^(?P<system>[a-z]+)_(?P<env>[a-z]+)$` {
		t.Errorf("regex Explain = %q", got)
	}
	if got := (Rule{}).Explain("anything"); got != "" {
		t.Errorf("empty rule Explain = %q, want empty", got)
	}
}

// Explain never panics and is empty exactly when the name follows the rule.
func FuzzExplain(f *testing.F) {
	for _, s := range []string{"shop-prod-web", "a--b", "-", "shop-prod-", "ＳＨＯＰ-prod-web", "x-y-z-w"} {
		f.Add(s)
	}
	rule := MustCompile("{system}-{env}-{role}", "", map[string][]string{"env": {"prod", "stg"}})
	prefixed := MustCompile("app.{system}_{env}", "", nil)
	f.Fuzz(func(t *testing.T, name string) {
		for _, r := range []Rule{rule, prefixed} {
			if got := r.Explain(name); (got == "") != r.Match(name) {
				t.Errorf("%s: Explain(%q) = %q but Match = %v", r, name, got, r.Match(name))
			}
		}
	})
}

package naming

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRule(t *testing.T) {
	envs := map[string][]string{"env": {"prod", "stg", "dev", "qa1", "qa10"}}
	tests := map[string]struct {
		template, regex string
		allowed         map[string][]string
		name            string
		want            map[string]string
		ok              bool
	}{
		"template match":         {template: "{system}-{env}-{role}", name: "shop-prod-web", want: map[string]string{"system": "shop", "env": "prod", "role": "web"}, ok: true},
		"last field hyphens":     {template: "{system}-{env}-{role}", name: "shop-prod-web-01", want: map[string]string{"system": "shop", "env": "prod", "role": "web-01"}, ok: true},
		"allowed values":         {template: "{system}-{env}-{role}", allowed: envs, name: "shop-qa10-db", want: map[string]string{"system": "shop", "env": "qa10", "role": "db"}, ok: true},
		"value not allowed":      {template: "{system}-{env}-{role}", allowed: envs, name: "shop-production-db"},
		"upper case":             {template: "{system}-{env}-{role}", name: "Shop-prod-web"},
		"too few parts":          {template: "{system}-{env}-{role}", name: "shop-prod"},
		"console default name":   {template: "{system}-{env}-{role}", name: "launch-wizard-1", want: map[string]string{"system": "launch", "env": "wizard", "role": "1"}, ok: true},
		"console name rejected":  {template: "{system}-{env}-{role}", allowed: envs, name: "launch-wizard-1"},
		"regex":                  {regex: `^(?P<env>prod|dev)\.(?P<system>[a-z]+)$`, name: "dev.api", want: map[string]string{"env": "dev", "system": "api"}, ok: true},
		"literal prefix":         {template: "acme_{system}.{env}", name: "acme_shop.dev", want: map[string]string{"system": "shop", "env": "dev"}, ok: true},
		"literal prefix missing": {template: "acme_{system}.{env}", name: "acmeXshop.dev"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := Compile(tc.template, tc.regex, tc.allowed)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := r.Parse(tc.name)
			if ok != tc.ok {
				t.Fatalf("Parse(%q) ok = %v, want %v", tc.name, ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) fields (-want +got):\n%s", tc.name, diff)
			}
			if r.Match(tc.name) != tc.ok {
				t.Errorf("Match(%q) disagrees with Parse", tc.name)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := map[string]struct{ template, regex string }{
		"both":           {template: "{a}", regex: "(?P<a>x)"},
		"no placeholder": {template: "fixed-name"},
		"twice":          {template: "{a}-{a}"},
		"bad regex":      {regex: "(?P<a>["},
		"no groups":      {regex: "^[a-z]+$"},
		"bad field":      {template: "{system}-{Env}"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Compile(tc.template, tc.regex, nil); err == nil {
				t.Fatalf("Compile(%q, %q) succeeded, want an error", tc.template, tc.regex)
			}
		})
	}
}

func TestEmptyRuleMatchesAll(t *testing.T) {
	var r Rule
	if !r.Match("anything at all") || !r.Empty() {
		t.Fatal("zero rule must match everything")
	}
	if _, ok := r.Parse("x"); ok {
		t.Fatal("zero rule must extract nothing")
	}
}

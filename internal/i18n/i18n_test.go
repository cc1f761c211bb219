package i18n

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSelect(t *testing.T) {
	tests := map[string]struct {
		s       Settings
		locale  map[string]string
		want    Lang
		wantErr string
	}{
		"nothing set":              {want: EN},
		"flag":                     {s: Settings{Flag: "ja"}, want: JA},
		"flag beats env":           {s: Settings{Flag: "en", Env: "ja"}, want: EN},
		"env beats config":         {s: Settings{Env: "ja", Config: "en"}, want: JA},
		"config beats locale":      {s: Settings{Config: "en"}, locale: map[string]string{"LANG": "ja_JP.UTF-8"}, want: EN},
		"config":                   {s: Settings{Config: "ja"}, want: JA},
		"LANG posix locale":        {locale: map[string]string{"LANG": "ja_JP.UTF-8"}, want: JA},
		"LC_ALL beats LANG":        {locale: map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "ja_JP.UTF-8"}, want: EN},
		"LC_MESSAGES beats LANG":   {locale: map[string]string{"LC_MESSAGES": "ja_JP.eucJP", "LANG": "C"}, want: JA},
		"LC_ALL beats LC_MESSAGES": {locale: map[string]string{"LC_ALL": "ja_JP", "LC_MESSAGES": "en_US"}, want: JA},
		"C locale is English":      {locale: map[string]string{"LANG": "C.UTF-8"}, want: EN},
		"foreign locale is English, not an error": {locale: map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "ja_JP.UTF-8"}, want: EN},
		"BCP 47 tag in env":                       {s: Settings{Env: "ja-JP"}, want: JA},
		"bad flag is an error":                    {s: Settings{Flag: "fr"}, wantErr: `--lang: language "fr" is not supported (valid: en, ja)`},
		"bad env is an error":                     {s: Settings{Env: "klingon"}, wantErr: `STEWARD_LANG: language "klingon" is not supported`},
		"bad config is an error":                  {s: Settings{Config: "de"}, wantErr: `lang: language "de"`},
		"blank flag falls through":                {s: Settings{Flag: " ", Config: "ja"}, want: JA},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.s.Getenv = func(k string) string { return tc.locale[k] }
			got, err := Select(tc.s)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Select() error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Select() error = %v", err)
			}
			if got != tc.want {
				t.Errorf("Select() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCatalogComplete holds the catalog whole: every key has English and
// Japanese, both take the same arguments with the same verbs, and every
// singular form has its plural.
func TestCatalogComplete(t *testing.T) {
	for _, k := range slices.Sorted(maps.Keys(catalog)) {
		m := catalog[k]
		if strings.TrimSpace(m.en) == "" || strings.TrimSpace(m.ja) == "" {
			t.Errorf("%s: en %q, ja %q: both languages are required", k, m.en, m.ja)
			continue
		}
		en, err := Verbs(m.en)
		if err != nil {
			t.Errorf("%s: en: %v", k, err)
		}
		ja, err := Verbs(m.ja)
		if err != nil {
			t.Errorf("%s: ja: %v", k, err)
		}
		if diff := cmp.Diff(en, ja); diff != "" {
			t.Errorf("%s: arguments differ between en %q and ja %q (-en +ja):\n%s", k, m.en, m.ja, diff)
		}
		if base, ok := strings.CutSuffix(k, ".one"); ok {
			if _, ok := catalog[base]; !ok {
				t.Errorf("%s: singular form without %s", k, base)
			}
		}
	}
}

func TestVerbs(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    map[int]string
		wantErr bool
	}{
		"plain":            {in: "%d of %s", want: map[int]string{1: "d", 2: "s"}},
		"indexed":          {in: "%[2]s は %[1]d", want: map[int]string{1: "d", 2: "s"}},
		"percent sign":     {in: "100%% %v", want: map[int]string{1: "v"}},
		"flags and width":  {in: "%-8s|%08.2f|%q", want: map[int]string{1: "s", 2: "f", 3: "q"}},
		"after index runs": {in: "%[2]s %s", want: map[int]string{2: "s", 3: "s"}},
		"verb conflict":    {in: "%[1]s %[1]d", wantErr: true},
		"dangling":         {in: "50%", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Verbs(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Verbs(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("Verbs(%q) (-want +got):\n%s", tc.in, diff)
				}
			}
		})
	}
}

func TestT(t *testing.T) {
	tests := map[string]struct {
		lang Lang
		key  string
		n    int
		args []any
		want string
	}{
		"english plural":   {EN, "report.findings", 3, nil, "3 findings"},
		"english singular": {EN, "report.findings", 1, nil, "1 finding"},
		"japanese count":   {JA, "report.findings", 1, nil, "1件"},
		"reordered args":   {JA, "cli.failon", 0, []any{4, "high"}, "steward: 重大度 high 以上の検出事項が 4件あります"},
		"unknown key":      {JA, "no.such.key", 0, nil, "no.such.key"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got string
			if tc.args == nil && tc.key != "no.such.key" {
				got = tc.lang.N(tc.key, tc.n)
			} else {
				got = tc.lang.T(tc.key, tc.args...)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCatalogFormats formats every message with arguments of its verbs:
// no language may print fmt's %!verb(BADINDEX) or similar complaints.
func TestCatalogFormats(t *testing.T) {
	for _, k := range slices.Sorted(maps.Keys(catalog)) {
		verbs, err := Verbs(catalog[k].en)
		if err != nil {
			continue // TestCatalogComplete reports it
		}
		args := make([]any, len(verbs))
		for n, v := range verbs {
			if n < 1 || n > len(args) {
				t.Errorf("%s: argument %d of %d", k, n, len(args))
				continue
			}
			switch v {
			case "d":
				args[n-1] = 2
			case "f", "g", "e":
				args[n-1] = 2.5
			default:
				args[n-1] = "x"
			}
		}
		for _, l := range Langs {
			if got := l.T(k, args...); strings.Contains(got, "%!") {
				t.Errorf("%s in %s: %q", k, l, got)
			}
		}
	}
}

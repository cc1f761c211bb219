package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/golden"
)

// minePolicy is a user's policy with no ja: text: its readers in Japanese
// read its English message.
const minePolicy = `pack: mine
policies:
  - id: mine-volume-size
    title: Volume size
    types: [AWS::EC2::Volume]
    severity: info
    category: cost
    where: has(r.attrs.size_gb) && r.attrs.size_gb >= 100
    message: "${r.id} holds ${r.attrs.size_gb} GB"
`

// TestFindingsInReadersLanguage scans the demo (with a user's policy) in
// one language and reads the findings in each: what a reader sees depends
// on their language only, never on the language the scan ran in, in the
// table and in JSON.
func TestFindingsInReadersLanguage(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(pol, []byte(minePolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "policies:\n  paths: ["+pol+"]\n")
	// Policies whose messages show what a language changes: a helper's
	// words (name_problem), a duration, money, and the user's policy.
	only := "naming-rule,iam-access-key-old,rds-idle,mine-volume-size"
	out := map[string]string{} // scan language, reader, format
	for _, scanLang := range []string{"en", "ja"} {
		db := filepath.Join(dir, scanLang+".db")
		if code, _, errs := runLang(t, nil, 0, "--lang", scanLang, "--config", cfg, "--store", db, "scan", "--source", "demo"); code != 0 {
			t.Fatalf("scan in %s: exit %d: %s", scanLang, code, errs)
		}
		for _, read := range []string{"en", "ja"} {
			for _, format := range []string{"table", "json"} {
				code, got, errs := runLang(t, nil, 0, "--lang", read, "--config", cfg, "--store", db, "findings", "--policy", only, "-f", format)
				if code != 0 {
					t.Fatalf("findings --lang %s -f %s: exit %d: %s", read, format, code, errs)
				}
				out[scanLang+" "+read+" "+format] = scanIDRe.ReplaceAllString(got, "SCAN-ID")
			}
		}
	}
	for _, read := range []string{"en", "ja"} {
		other := map[string]string{"en": "ja", "ja": "en"}[read]
		for _, format := range []string{"table", "json"} {
			fromOther, fromSame := out[other+" "+read+" "+format], out[read+" "+read+" "+format]
			if diff := cmp.Diff(fromSame, fromOther); diff != "" {
				t.Errorf("findings --lang %s -f %s: a scan in %s reads otherwise than one in %s (-%s +%s):\n%s", read, format, other, read, read, other, diff)
			}
			ext := map[string]string{"table": ".golden", "json": ".json.golden"}[format]
			golden.Check(t, filepath.Join("testdata", "findings-"+read+"-from-"+other+"-scan"+ext), []byte(fromOther))
		}
	}
	ja, en := out["en ja table"], out["ja en table"]
	for _, want := range []string{"命名規則", "400日経過", "30日間接続がありません", "vol-09d1742556753d472 holds 1000 GB"} {
		if !strings.Contains(ja, want) {
			t.Errorf("Japanese reading of an English scan has no %q:\n%s", want, ja)
		}
	}
	if hasKana(en) {
		t.Errorf("English reading of a Japanese scan has Japanese in it:\n%s", en)
	}
}

func hasKana(s string) bool {
	for _, r := range s {
		if (r >= 0x3040 && r <= 0x30ff) || (r >= 0x4e00 && r <= 0x9fff) {
			return true
		}
	}
	return false
}

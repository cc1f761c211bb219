package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A key the code names (a literal in T or N) that the catalogue lacks would
// print as itself: this finds them across the module.
func TestEveryKeyTheCodeNamesIsInTheCatalog(t *testing.T) {
	re := regexp.MustCompile(`\b(?:lang|l|r\.lang|s\.lang|c\.lang|n\.lang|t\.Lang|Lang)\.[TN]\("([a-z][a-z0-9_.:-]*[a-z0-9])"`)
	filepath.Walk("../..", func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalog[m[1]]; !ok {
				t.Errorf("%s: %s", p, m[1])
			}
		}
		return nil
	})
}

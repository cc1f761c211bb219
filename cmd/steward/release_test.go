package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReleaseBuildStampsVersion builds steward the way the Makefile's
// release target does and checks that the version it stamps is the one
// `steward --version` prints, so a renamed variable cannot silently leave
// release binaries saying "dev".
func TestReleaseBuildStampsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release binary")
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"VERSION": "v0.0.0-releasetest"}
	for _, name := range []string{"MODULE", "LDFLAGS"} {
		m := regexp.MustCompile(`(?m)^` + name + `\s*:=\s*(.+)$`).FindSubmatch(mk)
		if m == nil {
			t.Fatalf("Makefile has no %s := line", name)
		}
		vars[name] = strings.TrimSpace(string(m[1]))
	}
	ldflags := vars["LDFLAGS"]
	for k, v := range vars {
		ldflags = strings.ReplaceAll(ldflags, "$("+k+")", v)
	}
	if !strings.Contains(ldflags, "-s -w") {
		t.Errorf("release ldflags %q do not strip the binary", ldflags)
	}
	bin := filepath.Join(t.TempDir(), "steward")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("release build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("steward --version: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "steward v0.0.0-releasetest" {
		t.Errorf("steward --version = %q, want the stamped version", got)
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// TestReleaseBuildStampsVersion links steward with the Makefile's release
// ldflags and checks that the version it stamps is the one
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
	if !strings.Contains(string(mk), "-trimpath") {
		t.Error("the Makefile's builds do not use -trimpath: release binaries would carry the builder's paths")
	}
	// The link is what stamps the version, so only the ldflags are the
	// release's: every package is compiled as for this test binary (race
	// detector, cgo), which the build cache already holds, instead of
	// compiling the whole module again for -trimpath and CGO_ENABLED=0.
	bin := filepath.Join(t.TempDir(), "steward")
	args := []string{"build", "-ldflags", ldflags, "-o", bin}
	env := os.Environ()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "-race":
				if s.Value == "true" {
					args = append(args, "-race")
				}
			case "CGO_ENABLED":
				env = append(env, "CGO_ENABLED="+s.Value)
			}
		}
	}
	build := exec.Command("go", append(args, ".")...)
	build.Env = env
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

package store_test

import (
	"os"
	"strings"
	"testing"
)

// Several tests start this test binary again as a child (overlapping
// scans, a crash, a read-only store as another user). A binary built with
// -race sleeps a second as it exits (the race detector's atexit_sleep_ms),
// idle time each of those tests waits out; with it at zero a race found in
// a child still fails it (exit 66). Children inherit GORACE from here.
func TestMain(m *testing.M) {
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
	code := m.Run()
	if emptyStore.dir != "" {
		os.RemoveAll(emptyStore.dir)
	}
	os.Exit(code)
}

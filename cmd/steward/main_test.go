package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// The scripts in testdata/script run the real steward binary: what a user
// types, what they see, and the exit codes CI gates rely on.
//
// A binary built with -race sleeps a second as it exits (the race
// detector's atexit_sleep_ms), idle time paid by every command of every
// script; with it at zero a race found in a command still fails it (exit
// 66). testscript passes GORACE on to the commands it runs.
func TestMain(m *testing.M) {
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
	testscript.Main(m, map[string]func(){"steward": main})
}

// -update rewrites the expected files inside the scripts (cmp stdout FILE
// against a file in the txtar archive) instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files inside testdata/script/*.txtar")

func TestScripts(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Each script gets its own store and home, never the user's.
			// The store is an empty one copied, not migrated again by the
			// script's first command (see storetest.EmptySQLite).
			if err := storetest.WriteEmptySQLite(env.WorkDir + "/steward.db"); err != nil {
				return err
			}
			env.Setenv("STEWARD_STORE", env.WorkDir+"/steward.db")
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_DATA_HOME", env.WorkDir+"/data")
			// Scripts may read the repository's own fixtures (demo states).
			env.Setenv("REPO", repo)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": exitcode,
		},
		RequireUniqueNames: true,
		UpdateScripts:      *update,
	})
}

// exitcode N prog args... runs prog and fails unless it exits with N;
// stdout and stderr are kept for the next cmp/stdout/stderr as with exec.
func exitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a number", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

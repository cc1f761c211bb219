//go:build profile

// Package profile runs one steward command line in a test, so that `go
// test -cpuprofile` profiles the real command end to end (steward has no
// profiling flag of its own):
//
//	STEWARD_PROFILE_ARGS="--store /tmp/w/p.db --max-input 4GiB --log-level debug scan --source file:/tmp/w/estate-200000.jsonl --limit 5" \
//	  go test -tags profile -run TestCommand -cpuprofile /tmp/scan.prof ./bench/scan/profile/
//	go tool pprof -top -cum profile.test /tmp/scan.prof
//
// Without STEWARD_PROFILE_ARGS it is skipped. It builds only with the
// profile tag: linking the whole command line under -race for a test that
// skips cost every run of the suite a few seconds of CPU.
package profile

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/cli"
)

func TestCommand(t *testing.T) {
	args := strings.Fields(os.Getenv("STEWARD_PROFILE_ARGS"))
	if len(args) == 0 {
		t.Skip("STEWARD_PROFILE_ARGS is not set: nothing to profile")
	}
	if code := cli.Main(context.Background(), args, cli.Env{Stdout: io.Discard, Stderr: os.Stderr, Getenv: os.Getenv}); code != 0 {
		t.Fatalf("steward %s: exit %d", strings.Join(args, " "), code)
	}
}

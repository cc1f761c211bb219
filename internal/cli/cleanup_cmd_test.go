package cli

import (
	"context"
	"strings"
	"testing"
)

// TestCleanupFlags: bad flags are refused (exit 2) before anything is
// read or any AWS client is built.
func TestCleanupFlags(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"bad at":          {args: []string{"cleanup", "plan", "--at", "tomorrow"}, want: `--at "tomorrow" is not an RFC 3339 time`},
		"negative grace":  {args: []string{"cleanup", "plan", "--grace-days=-1"}, want: "--grace-days -1: want 1 to 3650"},
		"grace too long":  {args: []string{"cleanup", "run", "--dry-run", "--grace-days", "4000"}, want: "--grace-days 4000: want 1 to 3650"},
		"unknown format":  {args: []string{"cleanup", "plan", "--format", "csv"}, want: "--format"},
		"no such command": {args: []string{"cleanup", "nuke"}, want: "unexpected argument nuke"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			env, _, errb := testEnv()
			if code := Main(context.Background(), append([]string{"--store", t.TempDir() + "/s.db"}, tc.args...), env); code != ExitUsage || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d\n%s\nwant exit %d and %q", code, errb, ExitUsage, tc.want)
			}
		})
	}
}

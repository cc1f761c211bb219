package cli

import (
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	tests := map[string]struct {
		bi   debug.BuildInfo
		want string
	}{
		"go install at a tag": {
			bi:   debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			want: "v1.4.0",
		},
		"checkout with vcs stamping": {
			bi: debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123456789abcdef0123"},
				{Key: "vcs.modified", Value: "true"},
			}},
			want: "dev-0123456789ab+dirty",
		},
		"nothing recorded": {
			bi:   debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want: "dev",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := buildVersion(&tc.bi); got != tc.want {
				t.Errorf("buildVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVersionFlagAndCommandAgree(t *testing.T) {
	old := Version
	Version = "v9.8.7"
	t.Cleanup(func() { Version = old })
	for _, args := range [][]string{{"--version"}, {"version"}} {
		env, out, errb := testEnv()
		if code := Main(context.Background(), args, env); code != 0 {
			t.Fatalf("%v: exit %d, stderr %s", args, code, errb)
		}
		if got := strings.TrimSpace(out.String()); got != "steward v9.8.7" {
			t.Errorf("%v printed %q, want %q", args, got, "steward v9.8.7")
		}
	}
}

package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/env"
)

func TestEnvironments(t *testing.T) {
	src := `environments:
  qa1..qa3:
    idle_stop_after: 2h
  shop-stg:
    tags: {env: stg}
    systems: [shop]
    resources: [legacy-admin]
leases:
  default_duration: 2h
  max_duration: 3d
  remind_before: off
  claim_on_deploy: 1h
  environments: ["qa*", shop-stg]
env_diff:
  parameters: [instance_class]
  match_tags: [role]
`
	c, err := Parse("steward.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range c.EnvDefinitions() {
		names = append(names, d.Name)
		if strings.HasPrefix(d.Name, "qa") && d.IdleStopAfter != 2*time.Hour {
			t.Errorf("%s idle_stop_after = %v, want 2h", d.Name, d.IdleStopAfter)
		}
	}
	if diff := cmp.Diff([]string{"qa1", "qa2", "qa3", "shop-stg"}, names); diff != "" {
		t.Errorf("environments (-want +got):\n%s", diff)
	}
	want := env.Policy{Default: 2 * time.Hour, Max: 72 * time.Hour, RemindBefore: 0, OnDeploy: time.Hour, Leasable: []string{"qa*", "shop-stg"}}
	if diff := cmp.Diff(want, c.LeasePolicy()); diff != "" {
		t.Errorf("lease policy (-want +got):\n%s", diff)
	}
	o := c.EnvDiffOptions()
	if diff := cmp.Diff([]string{"instance_class"}, o.Parameters); diff != "" {
		t.Errorf("parameters replace the default (-want +got):\n%s", diff)
	}
	if len(o.Drift) == 0 || o.Keys.Env != "env" || o.Naming.Empty() {
		t.Errorf("diff options keep the default drift list, keys and naming rule: %+v", o)
	}
	if d := Default(); d.LeasePolicy().Default != 4*time.Hour || len(d.EnvDefinitions()) != 0 {
		t.Errorf("defaults: %+v %+v", d.LeasePolicy(), d.EnvDefinitions())
	}
}

func TestEnvironmentErrors(t *testing.T) {
	tests := map[string]struct{ src, want string }{
		"bad range":      {"environments:\n  qa1..dev3: {}\n", `steward.yaml:2:12: environments.qa1..dev3: "qa1..dev3" is not a range`},
		"idle":           {"environments:\n  qa1:\n    idle_stop_after: soon\n", `steward.yaml:3:22: environments.qa1.idle_stop_after: "soon" is not a duration (e.g. 4h, 90m, 2d, 1d12h)`},
		"twice":          {"environments:\n  qa1..qa3: {}\n  qa2: {}\n", `environments.qa2: environment qa2 is also defined by environments.qa1..qa3`},
		"range tags":     {"environments:\n  qa1..qa2:\n    tags: {env: qa}\n", `environments.qa1..qa2.tags: a range of environments cannot share tags`},
		"unknown key":    {"environments:\n  qa1:\n    idle: 2h\n", `steward.yaml:3:5: unknown field "idle"`},
		"lease duration": {"leases:\n  default_duration: 4 hours\n", `steward.yaml:2:21: leases.default_duration: "4 hours" is not a duration`},
		"off not here":   {"leases:\n  max_duration: off\n", `leases.max_duration: "off" is not a duration`},
		"default > max":  {"leases:\n  default_duration: 3d\n  max_duration: 1d\n", `leases.default_duration: 3d is longer than max_duration 1d`},
		"remind":         {"leases:\n  remind_before: x\n", `leases.remind_before: "x" is not a duration (e.g. 4h, 90m, 2d, 1d12h) (or off)`},
		"glob":           {"leases:\n  environments: [\"qa[\"]\n", `leases.environments[0]: "qa[" is not a glob`},
		"both lists":     {"env_diff:\n  parameters: [engine_version]\n", `env_diff.parameters: engine_version is in both parameters and drift`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("steward.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant one containing %s", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "steward.yaml:") {
				t.Errorf("error %q names no file and line", err)
			}
		})
	}
}

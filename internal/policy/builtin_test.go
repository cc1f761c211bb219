package policy

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/naming"
)

func testOptions() Options {
	required := map[string][]string{"env": {"prod", "stg", "dev"}, "system": nil, "owner": nil}
	return Options{
		Now:      time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Naming:   naming.MustCompile("{system}-{env}-{role}", "", required),
		Required: required,
		Pricer:   ListPrices{},
	}
}

// TestBuiltinFixtures runs every built-in pack's fixture file and fails when
// a built-in policy lacks a matching or a non-matching fixture.
func TestBuiltinFixtures(t *testing.T) {
	res, err := RunTestsFS(context.Background(), BuiltinFS(), "packs/", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
	if diff := cmp.Diff([]string(nil), res.Untested); diff != "" {
		t.Errorf("built-in policies without both a match and a no_match fixture (-want +got):\n%s", diff)
	}
	if res.Passed < 100 {
		t.Errorf("only %d expectations ran; the fixture files were not all read", res.Passed)
	}
	t.Log(res.Summary())
}

// TestBuiltinMetadata checks what every built-in policy must carry.
func TestBuiltinMetadata(t *testing.T) {
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Remediation == "" {
			t.Errorf("%s: no remediation", p.ID)
		}
		if strings.TrimSpace(p.Message) == "" {
			t.Errorf("%s: no message", p.ID)
		}
		if (p.Category == "waste" || p.Category == "idle") && p.Waste == "" {
			t.Errorf("%s: a %s policy needs a waste estimate", p.ID, p.Category)
		}
	}
}

// A remediation tells a person what to do; it must not promise something
// steward cannot do. The commands that change resources are named only by
// the policies whose findings they act on: those that mark.
func TestRemediationPromisesNoMissingAction(t *testing.T) {
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	promise := regexp.MustCompile(`(?i)steward (can|will|does)|\b(tag|mark|stop|start|delete|snapshot-delete|notify|scale) action\b|steward (tag|act|fix)\b|(tag|mark|stop|delete|notify) ?アクション`)
	command := regexp.MustCompile(`steward (cleanup|apply)`)
	for _, p := range ps {
		if p.Remediation == "" {
			t.Errorf("%s has no remediation", p.ID)
		}
		marks, _ := p.Marks()
		for _, text := range []string{p.Remediation, p.In("ja").Remediation} {
			if m := promise.FindString(text); m != "" {
				t.Errorf("%s's remediation promises %q, which steward does not do: %s", p.ID, m, text)
			}
			if m := command.FindString(text); m != "" && !marks {
				t.Errorf("%s's remediation names %q, which does not act on its findings (it does not mark): %s", p.ID, m, text)
			}
		}
	}
}

package aws

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// readOnlyVerbs are the only verbs steward's actions may start with.
// Lookup (cloudtrail:LookupEvents) and Select (AWS Config's advanced
// queries) are queries over recorded history: they read, like Get.
var readOnlyVerbs = []string{"Describe", "List", "Get", "BatchGet", "Lookup", "Select"}

// mutating catches actions that read like reads but change state or mint data.
var mutating = []string{"GenerateCredentialReport", "GetSessionToken", "GetFederationToken", "GetObject", "GetSecretValue", "GetParameter"}

func TestIAMPolicyIsReadOnly(t *testing.T) {
	for _, a := range Actions() {
		_, op, _ := strings.Cut(a, ":")
		if !slices.ContainsFunc(readOnlyVerbs, func(v string) bool { return strings.HasPrefix(op, v) }) {
			t.Errorf("action %s is not a Describe/List/Get/BatchGet/Lookup/Select call", a)
		}
		if slices.Contains(mutating, op) {
			t.Errorf("action %s changes state or exposes data and must not be in the policy", a)
		}
	}
}

// TestIAMPolicyCoversCalls scans the fake estate, through the services'
// APIs and through a Config aggregator, and checks that every operation
// the SDK actually sent is allowed by the policy.
func TestIAMPolicyCoversCalls(t *testing.T) {
	estate := testEstate(testNow, testAccounts, testRegions, 3)
	fake := awsfake.New(estate, awsfake.Options{PageSize: 2, Now: testNow, ConfigAggregator: "org-all"})
	defer fake.Close()
	awsEnv(t, testAccounts)
	for name, aggregator := range map[string]string{"apis": "", "aggregator": "org-all"} {
		t.Run(name, func(t *testing.T) {
			opts := testOptions(fake.URL, testAccounts)
			opts.Regions = nil // exercise DescribeRegions too
			opts.Services = nil
			opts.ConfigAggregator = aggregator
			counter := newCallCounter()
			ctx := withCounter(context.Background(), counter)
			src, err := New(ctx, opts, nil)
			must(t, err)
			if _, err := src.Collect(ctx, nil); err != nil {
				t.Fatal(err)
			}
			allowed := Actions()
			ops := counter.operations()
			if len(ops) < 20 {
				t.Fatalf("only %d operations recorded; the scan did not run: %v", len(ops), ops)
			}
			if aggregator != "" && !slices.Contains(ops, "config:SelectAggregateResourceConfig") {
				t.Errorf("the aggregator was not queried: %v", ops)
			}
			for _, so := range ops {
				svc, op, _ := strings.Cut(so, ":")
				a, needed := iamAction(svc, op)
				if needed && !slices.Contains(allowed, a) {
					t.Errorf("the scan called %s but the policy lacks %s", so, a)
				}
			}
		})
	}
}

func TestIAMPolicyGolden(t *testing.T) {
	got, err := IAMPolicy()
	must(t, err)
	var doc map[string]any
	must(t, json.Unmarshal(got, &doc))
	path := filepath.Join("testdata", "iam-policy.json")
	if *update {
		must(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	must(t, err)
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("iam policy changed (-want +got); run go test -update if intended:\n%s", diff)
	}
}

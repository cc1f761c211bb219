package policy

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/golden"
)

func yamlKeys(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func docKeys(ds []fieldDoc) []string {
	var keys []string
	for _, d := range ds {
		keys = append(keys, d.Key)
	}
	slices.Sort(keys)
	return keys
}

// TestSchemaDocumented holds the reference's key tables to the structs the
// files are decoded into.
func TestSchemaDocumented(t *testing.T) {
	if diff := cmp.Diff(yamlKeys(policyYAML{}), docKeys(policyFields)); diff != "" {
		t.Errorf("policy keys and their docs differ (-struct +docs):\n%s", diff)
	}
	if diff := cmp.Diff(yamlKeys(testFile{}), docKeys(fixtureFields)); diff != "" {
		t.Errorf("fixture keys and their docs differ (-struct +docs):\n%s", diff)
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(resourceFields)), slices.Sorted(maps.Keys(resourceFieldDocs))); diff != "" {
		t.Errorf("fields of r and their docs differ (-fields +docs):\n%s", diff)
	}
}

// TestHelpersDocumented checks that every function steward adds to CEL has
// a doc, that no doc names a function that is gone, and that each example
// compiles.
func TestHelpersDocumented(t *testing.T) {
	env, err := (&funcs{}).env()
	if err != nil {
		t.Fatal(err)
	}
	base, err := cel.NewEnv(cel.OptionalTypes(), ext.Strings(), ext.Math(), ext.Lists(), ext.Sets(), ext.Bindings())
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for name := range env.Functions() {
		if _, std := base.Functions()[name]; !std {
			added = append(added, name)
		}
	}
	slices.Sort(added)
	if diff := cmp.Diff(added, slices.Sorted(maps.Keys(helperDocs))); diff != "" {
		t.Errorf("helpers and their docs differ (-declared +documented):\n%s", diff)
	}
	for name, h := range helperDocs {
		if !strings.HasPrefix(h.Signature, name+"(") {
			t.Errorf("%s: signature %q names another function", name, h.Signature)
		}
		if _, iss := env.Compile(h.Example); iss.Err() != nil {
			t.Errorf("%s: example %q does not compile: %v", name, h.Example, iss.Err())
		}
	}
}

// TestReferenceIsCurrent fails when docs/policies.md is not what the code
// generates; go test -update rewrites it.
func TestReferenceIsCurrent(t *testing.T) {
	got, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| `where` |", "`missing_tags(r) -> list of string`", "### AWS::EC2::Volume", "| `volume_type` |", "| `ebs-unattached` | waste |"} {
		if !strings.Contains(got, want) {
			t.Errorf("reference lacks %q", want)
		}
	}
	golden.Check(t, "../../docs/policies.md", []byte(got))
}

func TestSource(t *testing.T) {
	got, err := Source("ebs-unattached")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "  - id: ebs-unattached\n") || !strings.Contains(got, "waste: price(r)") || strings.Contains(got, "eip-unassociated") {
		t.Errorf("Source(ebs-unattached) =\n%s", got)
	}
	if _, err := Source("no-such"); err == nil || !strings.Contains(err.Error(), `no built-in policy "no-such"`) {
		t.Errorf("Source(no-such) error = %v", err)
	}
}

// Every built-in policy's source reads back as that policy and no other.
func TestSourceOfBuiltins(t *testing.T) {
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		src, err := SourceOf(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(src, "- id:") != 1 || !strings.HasPrefix(strings.TrimSpace(src), "- id: "+p.ID+"\n") {
			t.Errorf("SourceOf(%s) =\n%s", p.ID, src)
		}
		got, err := Parse("show.yaml", []byte("pack: x\npolicies:\n"+src))
		if err != nil {
			t.Errorf("SourceOf(%s) does not parse: %v\n%s", p.ID, err, src)
			continue
		}
		if len(got) != 1 || got[0].ID != p.ID || got[0].Where != p.Where || got[0].Message != p.Message || got[0].Remediation != p.Remediation {
			t.Errorf("SourceOf(%s) reads back as %+v", p.ID, got)
		}
	}
}

func TestSourceOfUserFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mine.yaml")
	data := `pack: mine
policies:
  - id: first
    title: First
    types: [AWS::S3::Bucket]
    severity: low
    category: tagging
    where: |
      r.name == ''
    message: unnamed

  # the second one
  - id: second
    title: Second
    types: [AWS::S3::Bucket]
    severity: low
    category: tagging
    where: "true"
    message: all
description: after the list
`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := Load(context.Background(), []string{file}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"first":  "  - id: first\n    title: First\n    types: [AWS::S3::Bucket]\n    severity: low\n    category: tagging\n    where: |\n      r.name == ''\n    message: unnamed\n",
		"second": "  - id: second\n    title: Second\n    types: [AWS::S3::Bucket]\n    severity: low\n    category: tagging\n    where: \"true\"\n    message: all\n",
	}
	for _, p := range ps {
		got, err := SourceOf(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[p.ID], got); diff != "" {
			t.Errorf("SourceOf(%s) (-want +got):\n%s", p.ID, diff)
		}
	}
}

// What `steward policy new` writes passes `steward policy test` as it is.
func TestSkeletonPasses(t *testing.T) {
	dir := t.TempDir()
	pack, test, err := Skeleton("vol-left-over")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"vol-left-over.yaml": pack, "vol-left-over_test.yaml": test} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := RunTests(t.Context(), dir, Options{Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Passed == 0 || len(res.Untested) > 0 {
		t.Errorf("skeleton tests: %+v", res)
	}
	if _, _, err := Skeleton("Bad Name"); err == nil || !strings.Contains(err.Error(), `"Bad Name"`) {
		t.Errorf("Skeleton(Bad Name) error = %v", err)
	}
}

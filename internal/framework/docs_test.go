package framework

import (
	"context"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/golden"
	"github.com/steward-sre/steward/internal/policy"
)

// TestReferenceIsCurrent fails when docs/frameworks.md is not what the
// catalogue and the built-in packs generate; go test -update rewrites it.
func TestReferenceIsCurrent(t *testing.T) {
	got, err := Reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| EC2.2 | high | checked by sg-default-allows-traffic |", "| KMS.3 | critical | not checked: steward does not collect the data: KMS keys |", "## CIS AWS Foundations Benchmark v3.0.0"} {
		if !strings.Contains(got, want) {
			t.Errorf("reference lacks %q", want)
		}
	}
	golden.Check(t, "../../docs/frameworks.md", []byte(got))
}

// TestBuiltinReferences holds the packs' references to the catalogues: each
// is a well-formed control id, and a CIS one names a recommendation of the
// benchmark version steward maps (a v1.x number would read as checked
// against the wrong recommendation).
func TestBuiltinReferences(t *testing.T) {
	ps, err := policy.Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	cis, err := Get("cis")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		for _, ref := range p.References {
			if !IsControlID(ref) {
				t.Errorf("%s: reference %q is not a control id (S3.1 or CIS 2.1.4)", p.ID, ref)
			}
			if strings.HasPrefix(ref, "CIS ") && !seen(cis, ref) {
				t.Errorf("%s: %s is not in the CIS %s catalogue", p.ID, ref, cis.Version)
			}
		}
	}
}

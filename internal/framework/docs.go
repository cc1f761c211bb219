package framework

import (
	"bytes"
	"context"
	"fmt"
	"github.com/steward-sre/steward/internal/i18n"
	"strings"

	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/report/table"
)

// Reference is docs/frameworks.md: every control of each catalogue, how
// steward checks it with the built-in packs as shipped, and the coverage
// figure.
func Reference(ctx context.Context) (string, error) {
	fws, err := All()
	if err != nil {
		return "", err
	}
	builtins, err := policy.Load(ctx, nil, true)
	if err != nil {
		return "", fmt.Errorf("built-in policies: %w", err)
	}
	refs := PolicyRefs(builtins, builtins)
	var b bytes.Buffer
	b.WriteString(`# Security frameworks

<!-- Generated from internal/framework/catalogue.yaml and the built-in packs;
go test ./internal/framework -update rewrites it. -->

steward judges a scan by the controls of AWS Security Hub's Foundational
Security Best Practices (FSBP) standard and of the CIS AWS Foundations
Benchmark, for the services it collects:

    steward scan --framework fsbp      # or cis; also steward demo --framework fsbp
    steward frameworks list            # the coverage figures below
    steward frameworks show fsbp       # this table, with your configuration

A control is **checked** when an enabled built-in policy names it in
` + "`references:`" + `. In a scan it is then **failed** when those policies found
something (with the number of findings), **not applicable** when the scan
holds no resource of its types, **passed** otherwise, and **not checked**
when a service it needs was not read (a coverage gap is never a pass).
The score is passed / (passed + failed). A control is not checked either
because no policy decides it yet, or because steward does not collect the
data it needs (named below).

`)
	for i := range fws {
		fw := &fws[i]
		ms := Map(fw, refs)
		fmt.Fprintf(&b, "## %s %s\n\nSource: %s\n\nCoverage: %s.\n\n", fw.Name, fw.Version, fw.Source, CoverageOf(ms))
		t := MappingTable(fw, ms, i18n.EN)
		t.Title = ""
		if err := table.Render(&b, table.FormatMarkdown, t, table.Options{}); err != nil {
			return "", err
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n", nil
}

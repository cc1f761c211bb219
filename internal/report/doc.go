// Package report renders a scan and its findings for people and for tools:
// a terminal table, one JSON document, CSV, SARIF 2.1.0 for GitHub code
// scanning and a short Markdown summary. It also owns the scan progress line
// and the --fail-on threshold check.
//
// It reads only inventory.Scan, finding.Finding and a description of the
// policies that were evaluated. It must not know about AWS SDK types, CEL,
// the store or how a finding was made; whether output goes to a terminal is
// decided by the caller and passed in Options. The cost commands' output
// lives in the subpackage costreport, so that this package does not depend
// on the cost domain; both lay out columns with report/table.
package report

package report

import "github.com/steward-sre/steward/internal/finding"

// ExceedsThreshold reports whether any open finding is at least sev, the
// test behind --fail-on. Resolved findings never fail a build.
func ExceedsThreshold(findings []finding.Finding, sev finding.Severity) bool {
	for i := range findings {
		if findings[i].ResolvedAt == nil && findings[i].Severity >= sev {
			return true
		}
	}
	return false
}

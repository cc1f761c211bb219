package report

// The report's headings and fixed phrases added for the "how to fix"
// section, in one place so they can be translated together.
const (
	wordsFixHeading   = "How to fix (steward explain POLICY says more):"
	wordsFixMarkdown  = "How to fix"
	wordsNoRemedation = "no remediation written"
)

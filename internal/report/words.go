package report

// The report's headings and fixed phrases added for the "how to fix"
// section, in one place so they can be translated together.
const (
	wordsFixHeading   = "How to fix (steward explain POLICY says more):"
	wordsFixMarkdown  = "How to fix"
	wordsNoRemedation = "no remediation written"
	// wordsWholeRegion is the resource of a finding about a whole region
	// (GuardDuty off in it).
	wordsWholeRegion = "(whole region)"
	// wordsChanges: new count, resolved count, previous scan id.
	wordsChanges = "Since the previous complete scan (%[3]s): %[1]d new, %[2]d resolved"
	// wordsFirstScan: new count.
	wordsFirstScan = "Since the previous complete scan: none to compare with, all %d new"
	// wordsMore: how many findings the limit left out.
	wordsMore = "…and %d more (--limit N lists more, --limit=-1 all)"
	// wordsListing: what the findings are, e.g. "new since scan X".
	wordsListing = "Showing %s."
)

package report

import "github.com/steward-sre/steward/internal/i18n"

// The report's fixed phrases are catalog keys (internal/i18n), looked up
// in the report's language where they are written.
const (
	wordsFixHeading   = "report.fix.heading"
	wordsFixMarkdown  = "report.fix.md"
	wordsNoRemedation = "report.fix.none"
	// wordsWholeRegion is the resource of a finding about a whole region
	// (GuardDuty off in it).
	wordsWholeRegion = "report.wholeregion"
	// wordsChanges: new count, resolved count, previous scan id.
	wordsChanges = "report.changes"
	// wordsFirstScan: new count.
	wordsFirstScan = "report.changes.first"
	// wordsMore: how many findings the limit left out.
	wordsMore = "report.more"
	// wordsListing: what the findings are, e.g. "new since scan X".
	wordsListing = "report.listing"
)

// typeLabel is a type's name for people, in lang: the words inventory
// gives made-up types (account, region) are translated.
func typeLabel(t string, lang i18n.Lang) string {
	d := inventoryDisplayType(t)
	if k := "type." + d; lang.Has(k) {
		return lang.T(k)
	}
	return d
}

// Package aws collects a live AWS estate into steward's inventory model:
// it resolves credentials and accounts (default chain, profiles, assumed
// roles, AWS Organizations), lists enabled regions, runs one unit of work per
// account x region x service on a bounded worker pool, and records for each
// unit whether it was read or why not (access denied, opt-in region,
// throttled, timeout).
//
// Each service lives in its own file behind a small interface holding only
// the SDK calls it makes, so tests can fake it and IAMPolicy can list exactly
// what the collectors call. The scanner is read-only: only Describe, List,
// Get and BatchGet operations appear in those interfaces.
//
// It knows AWS SDK types and the attrs contract of internal/inventory; it
// must not know about policies, findings, the store or how results are shown.
package aws

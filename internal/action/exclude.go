package action

import (
	"github.com/steward-sre/steward/internal/action/guard"
	"github.com/steward-sre/steward/internal/i18n"
)

// ProtectTag, set to true on a resource, keeps steward's hands off it.
const ProtectTag = guard.ProtectTag

// Exclusions are the resources no action may touch: those tagged
// steward:protect=true and those policies.actions.exclude names. A plan
// leaves them out and an apply refuses to touch them, checked on the
// resource as it is at apply time.
type Exclusions struct {
	// Patterns are globs (path.Match syntax) of ARNs or names, or
	// tag:KEY=VALUE (the value a glob too).
	Patterns []string
}

// CheckPattern says whether p is a valid exclusion pattern.
func CheckPattern(p string) error { return guard.CheckPattern(p) }

// Excluded says why r (with its tags now) is excluded, or "".
func (x Exclusions) Excluded(r Ref, tags map[string]string) i18n.Phrase {
	return guard.Excluded(r.ARN, r.Name, tags, x.Patterns)
}

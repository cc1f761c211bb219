// Package guard says which resources actions may touch and how many
// changes one apply may make: the protect tag, the exclusion patterns of
// policies.actions.exclude and the blast-radius cap. It is plain data and
// matching, so config can check patterns without importing the actions
// and the AWS SDK they need; it knows nothing of how a change is made.
package guard

import (
	"fmt"
	"path"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
)

// ProtectTag, set to true on a resource, keeps steward's hands off it.
const ProtectTag = "steward:protect"

// DefaultMaxChanges is the blast-radius cap: the most changes one apply
// makes unless policies.actions.max_changes says otherwise.
const DefaultMaxChanges = 20

// DefaultGraceDays is how long a resource marked for deletion waits
// before a plan may delete it, unless policies.actions.grace_days says
// otherwise.
const DefaultGraceDays = 7

// CheckPattern says whether p is a valid exclusion pattern: a glob
// (path.Match syntax) of ARNs or names, or tag:KEY=VALUE (the value a
// glob too).
func CheckPattern(p string) error {
	if strings.TrimSpace(p) == "" {
		return fmt.Errorf("empty pattern (want an ARN or name glob, or tag:KEY=VALUE)")
	}
	glob := p
	if rest, ok := strings.CutPrefix(p, "tag:"); ok {
		k, v, ok := strings.Cut(rest, "=")
		if !ok || k == "" {
			return fmt.Errorf("%q: want tag:KEY=VALUE", p)
		}
		glob = v
	}
	if _, err := path.Match(glob, ""); err != nil {
		return fmt.Errorf("%q: %w", p, err)
	}
	return nil
}

// Excluded says why a resource (its ARN, name and tags now) is excluded
// by the protect tag or one of patterns, or the zero Phrase when it is
// not; the planner says it in its plan's language.
func Excluded(arn, name string, tags map[string]string, patterns []string) i18n.Phrase {
	if strings.EqualFold(strings.TrimSpace(tags[ProtectTag]), "true") {
		return i18n.Say("guard.excluded.tag", ProtectTag+"=true")
	}
	for _, p := range patterns {
		if rest, ok := strings.CutPrefix(p, "tag:"); ok {
			k, g, _ := strings.Cut(rest, "=")
			if v, ok := tags[k]; ok {
				if m, _ := path.Match(g, v); m {
					return i18n.Say("guard.excluded.pattern", p)
				}
			}
			continue
		}
		for _, s := range []string{arn, name} {
			if s == "" {
				continue
			}
			if m, _ := path.Match(p, s); m {
				return i18n.Say("guard.excluded.pattern", p)
			}
		}
	}
	return i18n.Phrase{}
}

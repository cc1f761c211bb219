package action

import (
	"fmt"
	"path"
	"strings"
)

// ProtectTag, set to true on a resource, keeps steward's hands off it.
const ProtectTag = "steward:protect"

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

// Excluded says why r (with its tags now) is excluded, or "".
func (x Exclusions) Excluded(r Ref, tags map[string]string) string {
	if strings.EqualFold(strings.TrimSpace(tags[ProtectTag]), "true") {
		return "excluded: tagged " + ProtectTag + "=true"
	}
	for _, p := range x.Patterns {
		if rest, ok := strings.CutPrefix(p, "tag:"); ok {
			k, g, _ := strings.Cut(rest, "=")
			if v, ok := tags[k]; ok {
				if m, _ := path.Match(g, v); m {
					return "excluded by policies.actions.exclude " + p
				}
			}
			continue
		}
		for _, s := range []string{r.ARN, r.Name} {
			if s == "" {
				continue
			}
			if m, _ := path.Match(p, s); m {
				return "excluded by policies.actions.exclude " + p
			}
		}
	}
	return ""
}

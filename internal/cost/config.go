package cost

import (
	"path"
	"strings"

	"github.com/steward-sre/steward/internal/cost/costconfig"
)

// The cost section of steward.yaml lives in package costconfig, which
// config imports without pulling in the bill readers.
type (
	Config          = costconfig.Config
	Budget          = costconfig.Budget
	VirtualTag      = costconfig.VirtualTag
	Anomaly         = costconfig.Anomaly
	RecommendConfig = costconfig.RecommendConfig
	OfficeHours     = costconfig.OfficeHours
	FieldError      = costconfig.FieldError
	Percent         = costconfig.Percent
)

// DefaultMaxSkipped is the share of a file's lines that may be skipped
// before ingest stores nothing of it.
const DefaultMaxSkipped = costconfig.DefaultMaxSkipped

// ParsePercent reads a percentage as steward.yaml writes it.
func ParsePercent(s string) (Percent, error) { return costconfig.ParsePercent(s) }

// matchEnv reports whether env matches any glob, ignoring case.
func matchEnv(globs []string, env string) bool {
	env = strings.ToLower(env)
	for _, g := range globs {
		if ok, _ := path.Match(strings.ToLower(g), env); ok {
			return true
		}
	}
	return false
}

//go:build !gorules

package policy

import "github.com/steward-sre/steward/internal/inventory"

// A policy's hand-written Go twin exists only in benchmark builds (build
// tag gorules, twin.go), where it measures CEL against plain Go through
// this same engine. In steward these are empty and the calls to them
// compile away: policies run as CEL and nothing else.
type (
	twin    struct{}
	twinEnv struct{}
)

func newTwinEnv(*evalState, *funcs) twinEnv { return twinEnv{} }

func (twin) where(twinEnv, *inventory.Resource) (match, ok bool)       { return false, false }
func (twin) waste(twinEnv, *inventory.Resource) (usd float64, ok bool) { return 0, false }
func (twin) message(twinEnv, *inventory.Resource) (string, bool)       { return "", false }

package bill

import (
	"reflect"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/money"
)

// diffAmounts is cmp.Diff for values holding money.Amount (rollups,
// stats), unexported fields compared too. Deeply equal values, as they
// are whenever a test passes, skip cmp's reflection, which under -race
// costs seconds a bill; deep equality is the stricter of the two (it
// compares a time.Time's location, where cmp calls Equal), so the fast
// path never hides a difference cmp would report.
func diffAmounts[T any](want, got T) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return cmp.Diff(want, got, cmp.AllowUnexported(money.Amount{}))
}

package cli

import (
	"testing"

	"github.com/steward-sre/steward/internal/store/storetest"
)

// emptyStore is a new store at dir/name, migrated as the first command
// to open it would leave it, copied rather than migrated again (see
// storetest.EmptySQLite).
func emptyStore(t *testing.T, dir, name string) string {
	t.Helper()
	return storetest.EmptySQLite(t, dir, name)
}

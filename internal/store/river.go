package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// riverDirective marks a migration that applies river's migrations (the
// job queue's tables, see internal/jobs) up to the version that follows.
const riverDirective = "-- river:"

// riverTarget is the river migration version a migration's SQL names in
// its "-- river: N" line, or 0 when it names none.
func riverTarget(name, sqlText string) (int, error) {
	for line := range strings.SplitSeq(sqlText, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), riverDirective)
		if !ok {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(rest))
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("migration %s: %q must name a river migration version, e.g. %q", name, strings.TrimSpace(line), riverDirective+" 8")
		}
		return v, nil
	}
	return 0, nil
}

// migrateRiver applies river's SQLite migrations up to target inside tx,
// the store migration's transaction.
func migrateRiver(ctx context.Context, db *sql.DB, tx *sql.Tx, target int) error {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: target}); err != nil {
		return fmt.Errorf("river migrations up to %d: %w", target, err)
	}
	return nil
}

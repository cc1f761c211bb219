package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/steward-sre/steward/internal/store/sqldb"
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

// migrateRiver applies river's migrations (SQLite or PostgreSQL) up to target inside tx,
// the store migration's transaction.
func migrateRiver(ctx context.Context, db *sqldb.DB, tx *sqldb.Tx, target int) error {
	var err error
	switch db.Dialect() {
	case sqldb.Postgres:
		// PostgreSQL cannot use an enum value in the transaction that
		// added it, which river's migrations do from one version to the
		// next: each of river's versions commits on its own. The store
		// migration's transaction holds the write lock meanwhile, so
		// two stewards still migrate one after the other, and river
		// skips the versions already applied.
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riverdatabasesql.New(db.Raw()), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: target})
		}
	default:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(db.Raw()), nil); err == nil {
			_, err = m.MigrateTx(ctx, tx.Raw(), rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: target})
		}
	}
	if err != nil {
		return fmt.Errorf("river migrations up to %d: %w", target, err)
	}
	return nil
}

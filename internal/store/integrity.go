package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/store/sqldb"
)

// IntegrityChecker is a store that can check that its rows name rows that
// exist: what foreign keys would say, for the keys a backend does not
// enforce row by row (PostgreSQL's membership rows, migration 0013; every
// key of SQLite's during a scan's save, sqldb.BeginWriteUnchecked).
type IntegrityChecker interface {
	CheckIntegrity(ctx context.Context) error
}

// integrityChecks are the rows a save or a prune must never leave behind,
// each a query counting them.
var integrityChecks = []struct{ what, query string }{
	{"scan_resources rows naming no resource", `SELECT COUNT(*) FROM scan_resources sr
		WHERE NOT EXISTS (SELECT 1 FROM resources r WHERE r.id = sr.resource_id)`},
	{"scan_resources rows naming no version of their resource", `SELECT COUNT(*) FROM scan_resources sr
		WHERE NOT EXISTS (SELECT 1 FROM resource_versions v WHERE v.id = sr.version_id AND v.resource_id = sr.resource_id)`},
	{"scan_findings rows naming no finding episode", `SELECT COUNT(*) FROM scan_findings sf
		WHERE NOT EXISTS (SELECT 1 FROM finding_episodes e WHERE e.id = sf.episode_id)`},
	{"scan_findings rows naming no finding text", `SELECT COUNT(*) FROM scan_findings sf
		WHERE NOT EXISTS (SELECT 1 FROM finding_versions fv WHERE fv.hash = sf.body_hash)`},
	{"scan_findings rows last seen at no scan", `SELECT COUNT(*) FROM scan_findings sf
		WHERE sf.last_seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.seq = sf.last_seq)`},
	// The next save reads the open findings, and when each was last seen,
	// from the latest scan's rows (openEpisodes).
	{"open finding episodes not in the latest scan", `SELECT COUNT(*) FROM finding_episodes e
		WHERE e.resolved_seq IS NULL AND NOT EXISTS (SELECT 1 FROM scan_findings sf WHERE sf.episode_id = e.id
			AND sf.scan_seq = (SELECT seq FROM scans ORDER BY started_at DESC, seq DESC LIMIT 1))`},
}

// CheckIntegrity counts the rows that name a row that does not exist, and
// says which when there are any.
func (s *sqlStore) CheckIntegrity(ctx context.Context) error {
	var bad []string
	for _, c := range integrityChecks {
		var n int
		if err := s.db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return fmt.Errorf("check integrity: %s: %w", c.what, err)
		}
		if n > 0 {
			bad = append(bad, fmt.Sprintf("%d %s", n, c.what))
		}
	}
	if s.db.Dialect() == sqldb.SQLite {
		// Every key SQLite's schema declares, as SQLite reads them.
		byTable := map[string]int{}
		var tables []string
		q, err := s.db.QueryContext(ctx, `SELECT "table", parent FROM pragma_foreign_key_check`)
		err = forRows(q, err, func(q *sql.Rows) error {
			var table, parent string
			if err := q.Scan(&table, &parent); err != nil {
				return err
			}
			k := table + " rows naming no row of " + parent
			if byTable[k] == 0 {
				tables = append(tables, k)
			}
			byTable[k]++
			return nil
		})
		if err != nil {
			return fmt.Errorf("check integrity: foreign keys: %w", err)
		}
		for _, k := range tables {
			bad = append(bad, fmt.Sprintf("%d %s", byTable[k], k))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("store %s: %s", s.path, strings.Join(bad, "; "))
	}
	return nil
}

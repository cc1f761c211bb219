package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

var (
	_ scan.Staging  = (*sqlStore)(nil)
	_ scan.InFlight = (*sqlStore)(nil)
)

// Unit states in scan_units.
const (
	unitPending = "pending"
	unitDone    = "done"
	unitGap     = "gap"
)

func (s *sqlStore) PlanScan(ctx context.Context, p scan.Plan, units []string) error {
	if p.ScanID == "" || len(units) == 0 {
		return fmt.Errorf("plan scan %q: a scan id and at least one unit are needed", p.ScanID)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("plan scan %s: begin: %w", p.ScanID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `INSERT INTO scan_plans (scan_id, source, started_at, deadline_at, units, remaining, state) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ScanID, p.Source, nanos(p.Started), nanos(p.Deadline), len(units), len(units), scan.PlanCollecting); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("plan scan %s: a scan with this id is already planned", p.ScanID)
		}
		return fmt.Errorf("plan scan %s: %w", p.ScanID, s.describe(err))
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO scan_units (scan_id, unit, state) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("plan scan %s: %w", p.ScanID, s.describe(err))
	}
	defer stmt.Close()
	for _, u := range units {
		if _, err := stmt.ExecContext(ctx, p.ScanID, u, unitPending); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("plan scan %s: unit %s is given twice", p.ScanID, u)
			}
			return fmt.Errorf("plan scan %s: unit %s: %w", p.ScanID, u, s.describe(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("plan scan %s: commit: %w", p.ScanID, s.describe(err))
	}
	return nil
}

func (s *sqlStore) FinishUnit(ctx context.Context, scanID, unit string, record []byte, at time.Time) (bool, error) {
	tx, err := s.beginUnitWrite(ctx)
	if err != nil {
		return false, fmt.Errorf("finish unit %s of scan %s: begin: %w", unit, scanID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Only a pending unit takes a record: a unit read twice (its first
	// replica died after reading) or given up at the deadline keeps what
	// it has, and counts once.
	res, err := tx.ExecContext(ctx, `UPDATE scan_units SET state = ?, record = ?, finished_at = ? WHERE scan_id = ? AND unit = ? AND state = ?`,
		unitDone, record, nanos(at), scanID, unit, unitPending)
	if err != nil {
		return false, fmt.Errorf("finish unit %s of scan %s: %w", unit, scanID, s.describe(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	// The row lock of this update orders concurrent finishers: each sees
	// the others' decrements, so exactly one brings remaining to 0.
	var remaining int
	err = tx.QueryRowContext(ctx, `UPDATE scan_plans SET remaining = remaining - 1 WHERE scan_id = ? AND state = ? RETURNING remaining`,
		scanID, scan.PlanCollecting).Scan(&remaining)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Closed at its deadline meanwhile: the unit was given up.
		return false, nil
	case err != nil:
		return false, fmt.Errorf("finish unit %s of scan %s: count: %w", unit, scanID, s.describe(err))
	}
	last := false
	if remaining == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE scan_plans SET state = ? WHERE scan_id = ?`, scan.PlanAssembling, scanID); err != nil {
			return false, fmt.Errorf("finish unit %s of scan %s: %w", unit, scanID, s.describe(err))
		}
		last = true
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("finish unit %s of scan %s: commit: %w", unit, scanID, s.describe(err))
	}
	return last, nil
}

func (s *sqlStore) CloseScan(ctx context.Context, scanID, reason string, at time.Time) (bool, error) {
	tx, err := s.beginUnitWrite(ctx)
	if err != nil {
		return false, fmt.Errorf("close scan %s: begin: %w", scanID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Units first, then the plan: the order FinishUnit locks them in, so a
	// unit finishing meanwhile is waited for, never deadlocked with.
	if _, err := tx.ExecContext(ctx, `UPDATE scan_units SET state = ?, gap = ?, finished_at = ? WHERE scan_id = ? AND state = ?`,
		unitGap, reason, nanos(at), scanID, unitPending); err != nil {
		return false, fmt.Errorf("close scan %s: %w", scanID, s.describe(err))
	}
	res, err := tx.ExecContext(ctx, `UPDATE scan_plans SET state = ? WHERE scan_id = ? AND state = ?`, scan.PlanAssembling, scanID, scan.PlanCollecting)
	if err != nil {
		return false, fmt.Errorf("close scan %s: %w", scanID, s.describe(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		// Not collecting (its last unit finished meanwhile): nothing given up.
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("close scan %s: commit: %w", scanID, s.describe(err))
	}
	return true, nil
}

// beginUnitWrite starts a write of scan units. On PostgreSQL it takes no
// store-wide writer lock: row locks order the writers of one scan, and a
// big scan being saved does not hold up the units of the next.
func (s *sqlStore) beginUnitWrite(ctx context.Context) (*sqldb.Tx, error) {
	if s.db.Dialect() == sqldb.Postgres {
		return s.db.BeginTx(ctx, nil)
	}
	return s.beginWrite(ctx)
}

func (s *sqlStore) ScanPlan(ctx context.Context, scanID string) (scan.Plan, error) {
	var p scan.Plan
	var started, deadline, until sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT scan_id, source, started_at, deadline_at, units, remaining, state, assembler, assembler_until FROM scan_plans WHERE scan_id = ?`, scanID).
		Scan(&p.ScanID, &p.Source, &started, &deadline, &p.Units, &p.Remaining, &p.State, &p.Assembler, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return scan.Plan{}, fmt.Errorf("scan plan %s: %w", scanID, ErrNotFound)
	}
	if err != nil {
		return scan.Plan{}, fmt.Errorf("scan plan %s: %w", scanID, s.describe(err))
	}
	p.Started, p.Deadline = fromNanos(started).UTC(), fromNanos(deadline).UTC()
	if until.Valid && until.Int64 != 0 {
		p.AssemblerUntil = fromNanos(until)
	}
	return p, nil
}

func (s *sqlStore) UnitRecords(ctx context.Context, scanID string) ([]scan.UnitRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, state, record, gap FROM scan_units WHERE scan_id = ? ORDER BY unit`, scanID)
	if err != nil {
		return nil, fmt.Errorf("unit records of scan %s: %w", scanID, s.describe(err))
	}
	defer rows.Close()
	var out []scan.UnitRecord
	for rows.Next() {
		var u scan.UnitRecord
		var state string
		if err := rows.Scan(&u.Unit, &state, &u.Record, &u.Gap); err != nil {
			return nil, fmt.Errorf("unit records of scan %s: %w", scanID, err)
		}
		u.Done = state == unitDone
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unit records of scan %s: %w", scanID, err)
	}
	return out, nil
}

func (s *sqlStore) ScanSaved(ctx context.Context, scanID string) error {
	tx, err := s.beginUnitWrite(ctx)
	if err != nil {
		return fmt.Errorf("scan %s saved: begin: %w", scanID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `UPDATE scan_plans SET state = ? WHERE scan_id = ?`, scan.PlanSaved, scanID); err != nil {
		return fmt.Errorf("scan %s saved: %w", scanID, s.describe(err))
	}
	// The records are in the scan now; keep which units were given up.
	if _, err := tx.ExecContext(ctx, `UPDATE scan_units SET record = NULL WHERE scan_id = ?`, scanID); err != nil {
		return fmt.Errorf("scan %s saved: %w", scanID, s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("scan %s saved: commit: %w", scanID, s.describe(err))
	}
	return nil
}

// inFlightGrace is how long past its deadline an unsaved scan still
// counts as in flight (its assembly retried); one given up for longer
// holds nothing back.
const inFlightGrace = 2 * time.Hour

func (s *sqlStore) ScanInFlight(ctx context.Context, before, now time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scan_plans WHERE state IN (?, ?) AND started_at < ? AND deadline_at > ?`,
		scan.PlanCollecting, scan.PlanAssembling, nanos(before), nanos(now.Add(-inFlightGrace))).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("scans in flight: %w", s.describe(err))
	}
	return n > 0, nil
}

func (s *sqlStore) ClaimAssembly(ctx context.Context, scanID, holder string, now, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE scan_plans SET assembler = ?, assembler_until = ? WHERE scan_id = ? AND (assembler = ? OR assembler_until < ?)`,
		holder, nanos(until), scanID, holder, nanos(now))
	if err != nil {
		return false, fmt.Errorf("claim the assembly of scan %s: %w", scanID, s.describe(err))
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *sqlStore) AcquireSlot(ctx context.Context, scope string, limit int, holder string, now, until time.Time) (int, bool, error) {
	for slot := range limit {
		// A slot is free when never taken or its holder's time is up (a
		// replica that died holding it).
		res, err := s.db.ExecContext(ctx, `INSERT INTO scan_slots (scope, slot, holder, until_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (scope, slot) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
			WHERE scan_slots.until_at < ?`, scope, slot, holder, nanos(until), nanos(now))
		if err != nil {
			return 0, false, fmt.Errorf("take a slot of %s: %w", scope, s.describe(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, false, fmt.Errorf("take a slot of %s: %w", scope, err)
		} else if n == 1 {
			return slot, true, nil
		}
	}
	return 0, false, nil
}

func (s *sqlStore) ReleaseSlot(ctx context.Context, scope string, slot int, holder string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE scan_slots SET until_at = 0 WHERE scope = ? AND slot = ? AND holder = ?`, scope, slot, holder); err != nil {
		return fmt.Errorf("release slot %d of %s: %w", slot, scope, s.describe(err))
	}
	return nil
}

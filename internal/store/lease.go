package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/i18n"
)

// LeaseStore keeps environment leases and their history (env.Store).
type LeaseStore interface {
	env.Store
}

// ErrLeaseConflict is returned when a change would leave two unended
// leases on one environment (two claims racing): the change is not made.
var ErrLeaseConflict = errors.New("another lease of this environment was made meanwhile; try again")

const leaseColumns = `id, environment, holder, purpose, branch, started_at, until_at, via, ended_at, end_reason, ended_by, reminded_at`

func (s *sqlStore) ChangeLeases(ctx context.Context, environment string, decide func(*env.Lease) (env.Change, error)) error {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("change leases of %s: begin: %w", environment, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var cur *env.Lease
	rows, err := tx.QueryContext(ctx, `SELECT `+leaseColumns+` FROM leases WHERE environment = ? AND ended_at IS NULL`, environment)
	if err != nil {
		return fmt.Errorf("change leases of %s: %w", environment, s.describe(err))
	}
	for rows.Next() {
		l, err := scanLease(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("change leases of %s: %w", environment, err)
		}
		cur = &l
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("change leases of %s: %w", environment, err)
	}
	ch, err := decide(cur)
	if err != nil {
		return err
	}
	for _, l := range ch.Leases {
		if err := checkLease(l); err != nil {
			return fmt.Errorf("save lease: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO leases (`+leaseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, purpose = excluded.purpose, branch = excluded.branch,
			until_at = excluded.until_at, ended_at = excluded.ended_at, end_reason = excluded.end_reason,
			ended_by = excluded.ended_by, reminded_at = excluded.reminded_at`,
			l.ID, l.Environment, l.Holder, l.Purpose, l.Branch, nanos(l.Start), nanos(l.Until), l.Via,
			nanos(l.Ended), l.EndReason, l.EndedBy, nanos(l.Reminded))
		if err != nil {
			if isUniqueViolation(err) {
				return i18n.Say("store.err.lease.conflict", l.Environment).ErrOf(ErrLeaseConflict)
			}
			return fmt.Errorf("save lease of %s: %w", l.Environment, s.describe(err))
		}
	}
	for _, e := range ch.Events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lease_events (at, environment, lease_id, kind, actor, detail) VALUES (?, ?, ?, ?, ?, ?)`,
			nanos(e.At), e.Environment, e.LeaseID, e.Kind, e.Actor, e.Detail); err != nil {
			return fmt.Errorf("save lease event: %w", s.describe(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("change leases of %s: commit: %w", environment, s.describe(err))
	}
	return nil
}

func checkLease(l env.Lease) error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"id", l.ID}, {"environment", l.Environment}, {"holder", l.Holder}, {"via", l.Via}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if l.Start.IsZero() {
		missing = append(missing, "start")
	}
	if l.Until.IsZero() {
		missing = append(missing, "until")
	}
	if len(missing) > 0 {
		return fmt.Errorf("lease %q lacks %s", l.ID, strings.Join(missing, ", "))
	}
	if !l.Until.After(l.Start) {
		return fmt.Errorf("lease %q ends (%s) before it starts (%s)", l.ID, l.Until, l.Start)
	}
	return nil
}

func scanLease(rows *sql.Rows) (env.Lease, error) {
	var l env.Lease
	var start, until, ended, reminded sql.NullInt64
	if err := rows.Scan(&l.ID, &l.Environment, &l.Holder, &l.Purpose, &l.Branch, &start, &until, &l.Via, &ended, &l.EndReason, &l.EndedBy, &reminded); err != nil {
		return env.Lease{}, err
	}
	l.Start, l.Until, l.Ended, l.Reminded = fromNanos(start), fromNanos(until), fromNanos(ended), fromNanos(reminded)
	return l, nil
}

func (s *sqlStore) Leases(ctx context.Context, environment string, openOnly bool) ([]env.Lease, error) {
	q := `SELECT ` + leaseColumns + ` FROM leases WHERE (? = '' OR environment = ?)`
	if openOnly {
		q += ` AND ended_at IS NULL`
	}
	q += ` ORDER BY started_at DESC, id`
	rows, err := s.db.QueryContext(ctx, q, environment, environment)
	if err != nil {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	defer rows.Close()
	var out []env.Lease
	for rows.Next() {
		l, err := scanLease(rows)
		if err != nil {
			return nil, fmt.Errorf("read leases: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	return out, nil
}

func (s *sqlStore) LeaseEvents(ctx context.Context, environment string) ([]env.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, environment, lease_id, kind, actor, detail FROM lease_events
		WHERE (? = '' OR environment = ?) ORDER BY seq`, environment, environment)
	if err != nil {
		return nil, fmt.Errorf("read lease history: %w", err)
	}
	defer rows.Close()
	var out []env.Event
	for rows.Next() {
		var e env.Event
		var at sql.NullInt64
		if err := rows.Scan(&at, &e.Environment, &e.LeaseID, &e.Kind, &e.Actor, &e.Detail); err != nil {
			return nil, fmt.Errorf("read lease history: %w", err)
		}
		e.At = fromNanos(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read lease history: %w", err)
	}
	return out, nil
}

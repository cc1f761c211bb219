package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
)

// Overrides keeps the timed overrides of the schedules. Written by
// `steward schedule override` and `steward bastion`, read by every plan.
type Overrides interface {
	// AddOverride stores a new override; its ID must be unique.
	AddOverride(ctx context.Context, o schedule.Override) error
	// OverridesSince lists the overrides that had not ended at since
	// (ended: past until, or cancelled), the latest made first. A zero
	// since lists them all.
	OverridesSince(ctx context.Context, since time.Time) ([]schedule.Override, error)
	// CancelOverride ends an override at at; ErrNotFound when there is no
	// such override, an error when it has already ended.
	CancelOverride(ctx context.Context, id, by string, at time.Time) (schedule.Override, error)
}

const overrideColumns = `id, target, kind, state, reason, actor, created_at, until_at, cancelled_at, cancelled_by`

func (s *sqlStore) AddOverride(ctx context.Context, o schedule.Override) error {
	if o.ID == "" {
		return i18n.Say("store.err.override.id").Err()
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO schedule_override (`+overrideColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '')`,
		o.ID, o.Target, string(o.Kind), string(o.State), o.Reason, o.Actor, o.Created.UTC().UnixNano(), o.Until.UTC().UnixNano()); err != nil {
		return fmt.Errorf("save override %s: %w", o.ID, s.describe(err))
	}
	return nil
}

func (s *sqlStore) OverridesSince(ctx context.Context, since time.Time) ([]schedule.Override, error) {
	q := `SELECT ` + overrideColumns + ` FROM schedule_override`
	var args []any
	if !since.IsZero() {
		n := since.UTC().UnixNano()
		q += ` WHERE until_at > ? AND (cancelled_at IS NULL OR cancelled_at > ?)`
		args = append(args, n, n)
	}
	q += ` ORDER BY created_at DESC, seq DESC`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read overrides: %w", s.describe(err))
	}
	defer rows.Close()
	var out []schedule.Override
	for rows.Next() {
		o, err := scanOverride(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read overrides: %w", s.describe(err))
	}
	return out, nil
}

func (s *sqlStore) CancelOverride(ctx context.Context, id, by string, at time.Time) (schedule.Override, error) {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return schedule.Override{}, fmt.Errorf("cancel override %s: begin: %w", id, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	o, err := scanOverride(tx.QueryRowContext(ctx, `SELECT `+overrideColumns+` FROM schedule_override WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return schedule.Override{}, fmt.Errorf("override %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return schedule.Override{}, err
	}
	if !o.End().After(at) {
		return o, fmt.Errorf("override %s already ended at %s", id, o.End().Format(time.RFC3339))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schedule_override SET cancelled_at = ?, cancelled_by = ? WHERE id = ?`, at.UTC().UnixNano(), by, id); err != nil {
		return o, fmt.Errorf("cancel override %s: %w", id, s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return o, fmt.Errorf("cancel override %s: commit: %w", id, s.describe(err))
	}
	o.Cancelled, o.CancelledBy = at.UTC(), by
	return o, nil
}

func scanOverride(row interface{ Scan(...any) error }) (schedule.Override, error) {
	var o schedule.Override
	var kind, state string
	var created, until int64
	var cancelled sql.NullInt64
	if err := row.Scan(&o.ID, &o.Target, &kind, &state, &o.Reason, &o.Actor, &created, &until, &cancelled, &o.CancelledBy); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return o, err
		}
		return o, fmt.Errorf("read override: %w", err)
	}
	o.Kind, o.State = schedule.OverrideKind(kind), schedule.State(state)
	o.Created, o.Until = time.Unix(0, created).UTC(), time.Unix(0, until).UTC()
	if cancelled.Valid {
		o.Cancelled = time.Unix(0, cancelled.Int64).UTC()
	}
	return o, nil
}

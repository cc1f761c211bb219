package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// JournalStatus is how far a journaled change got.
type JournalStatus string

const (
	// JournalIntent: written before the change was made and never
	// completed: the process died or lost the store in between, so the
	// change may or may not have happened.
	JournalIntent JournalStatus = "intent"
	// JournalDone: the change was made.
	JournalDone JournalStatus = "done"
	// JournalFailed: the change was attempted and the API refused it.
	JournalFailed JournalStatus = "failed"
)

// JournalEntry is one change steward made, or meant to make, to a resource.
type JournalEntry struct {
	ID     string `json:"id"`
	PlanID string `json:"plan_id"`
	ARN    string `json:"arn"`
	Type   string `json:"type"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action"`
	Why    string `json:"why,omitempty"`
	// Actor is who asked for the change (the OS user, a CI job).
	Actor  string            `json:"actor,omitempty"`
	Before map[string]string `json:"before,omitempty"`
	After  map[string]string `json:"after,omitempty"`
	// AsOf is the instant the plan was made for (a schedule run's --at).
	AsOf     time.Time     `json:"as_of"`
	IntentAt time.Time     `json:"intent_at"`
	Status   JournalStatus `json:"status"`
	// ResultAt is zero while Status is intent.
	ResultAt time.Time `json:"result_at,omitzero"`
	// Previous are the values the change replaced, which undo restores.
	Previous map[string]string `json:"previous,omitempty"`
	Error    string            `json:"error,omitempty"`
	// UndoOf is the ID of the change this one undoes.
	UndoOf string `json:"undo_of,omitempty"`
}

// JournalFilter selects journal entries; zero values select all.
type JournalFilter struct {
	ARN   string
	Limit int
}

// Journal is the change journal. It is written by actions, before and
// after each change, and read by `steward journal` and undo.
type Journal interface {
	// JournalIntent records a change about to be made, with status
	// intent. IDs are unique: a second intent with the same ID is an error.
	JournalIntent(ctx context.Context, e JournalEntry) error
	// JournalResult records the outcome of a change recorded by
	// JournalIntent: done with the previous values, or failed with the
	// error. A change has one result: recording another is an error.
	JournalResult(ctx context.Context, id string, status JournalStatus, at time.Time, previous map[string]string, errText string) error
	// JournalEntries lists entries, the latest first.
	JournalEntries(ctx context.Context, f JournalFilter) ([]JournalEntry, error)
	// JournalEntry returns one entry; ErrNotFound when there is none.
	JournalEntry(ctx context.Context, id string) (JournalEntry, error)
}

func checkEntry(e JournalEntry) error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"id", e.ID}, {"plan_id", e.PlanID}, {"arn", e.ARN}, {"type", e.Type}, {"action", e.Action}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("journal entry: missing %s", strings.Join(missing, ", "))
	}
	if e.IntentAt.IsZero() || e.AsOf.IsZero() {
		return errors.New("journal entry: intent_at and as_of are required")
	}
	return nil
}

func encodeValues(m map[string]string) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func decodeValues(s string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func (s *sqlStore) JournalIntent(ctx context.Context, e JournalEntry) error {
	if err := checkEntry(e); err != nil {
		return err
	}
	before, err := encodeValues(e.Before)
	if err != nil {
		return fmt.Errorf("journal %s: %w", e.ID, err)
	}
	after, err := encodeValues(e.After)
	if err != nil {
		return fmt.Errorf("journal %s: %w", e.ID, err)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("journal %s: begin: %w", e.ID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM journal WHERE id = ?`, e.ID).Scan(&n); err != nil {
		return fmt.Errorf("journal %s: %w", e.ID, s.describe(err))
	}
	if n > 0 {
		return fmt.Errorf("journal %s: an entry with this id exists", e.ID)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO journal (id, plan_id, arn, type, name, action, why, actor, before, after, as_of, intent_at, status, undo_of)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'intent', ?)`,
		e.ID, e.PlanID, e.ARN, e.Type, e.Name, e.Action, e.Why, e.Actor, before, after,
		e.AsOf.UTC().UnixNano(), e.IntentAt.UTC().UnixNano(), e.UndoOf); err != nil {
		return fmt.Errorf("journal %s: %w", e.ID, s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal %s: commit: %w", e.ID, s.describe(err))
	}
	return nil
}

func (s *sqlStore) JournalResult(ctx context.Context, id string, status JournalStatus, at time.Time, previous map[string]string, errText string) error {
	if status != JournalDone && status != JournalFailed {
		return fmt.Errorf("journal %s: result status %q (want done or failed)", id, status)
	}
	prev, err := encodeValues(previous)
	if err != nil {
		return fmt.Errorf("journal %s: %w", id, err)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("journal %s: begin: %w", id, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var cur string
	err = tx.QueryRowContext(ctx, `SELECT status FROM journal WHERE id = ?`, id).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("journal %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("journal %s: %w", id, s.describe(err))
	}
	if JournalStatus(cur) != JournalIntent {
		return fmt.Errorf("journal %s: already has a result (%s)", id, cur)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE journal SET status = ?, result_at = ?, previous = ?, error = ? WHERE id = ?`,
		string(status), at.UTC().UnixNano(), prev, errText, id); err != nil {
		return fmt.Errorf("journal %s: %w", id, s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal %s: commit: %w", id, s.describe(err))
	}
	return nil
}

const journalColumns = `id, plan_id, arn, type, name, action, why, actor, before, after, as_of, intent_at, status, result_at, previous, error, undo_of`

func (s *sqlStore) JournalEntries(ctx context.Context, f JournalFilter) ([]JournalEntry, error) {
	q := `SELECT ` + journalColumns + ` FROM journal`
	var args []any
	if f.ARN != "" {
		q += ` WHERE arn = ?`
		args = append(args, f.ARN)
	}
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", s.describe(err))
	}
	defer rows.Close()
	var out []JournalEntry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read journal: %w", s.describe(err))
	}
	return out, nil
}

func (s *sqlStore) JournalEntry(ctx context.Context, id string) (JournalEntry, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+journalColumns+` FROM journal WHERE id = ?`, id)
	e, err := scanEntry(row)
	if errors.Is(err, sql.ErrNoRows) {
		return JournalEntry{}, fmt.Errorf("journal entry %s: %w", id, ErrNotFound)
	}
	return e, err
}

func scanEntry(row interface{ Scan(...any) error }) (JournalEntry, error) {
	var e JournalEntry
	var before, after, previous, status string
	var asOf, intentAt int64
	var resultAt sql.NullInt64
	if err := row.Scan(&e.ID, &e.PlanID, &e.ARN, &e.Type, &e.Name, &e.Action, &e.Why, &e.Actor, &before, &after,
		&asOf, &intentAt, &status, &resultAt, &previous, &e.Error, &e.UndoOf); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, err
		}
		return e, fmt.Errorf("read journal entry: %w", err)
	}
	var err error
	if e.Before, err = decodeValues(before); err != nil {
		return e, fmt.Errorf("journal entry %s: before: %w", e.ID, err)
	}
	if e.After, err = decodeValues(after); err != nil {
		return e, fmt.Errorf("journal entry %s: after: %w", e.ID, err)
	}
	if e.Previous, err = decodeValues(previous); err != nil {
		return e, fmt.Errorf("journal entry %s: previous: %w", e.ID, err)
	}
	e.Status = JournalStatus(status)
	e.AsOf = time.Unix(0, asOf).UTC()
	e.IntentAt = time.Unix(0, intentAt).UTC()
	if resultAt.Valid {
		e.ResultAt = time.Unix(0, resultAt.Int64).UTC()
	}
	return e, nil
}

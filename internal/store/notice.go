package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Notices remembers which notices went out, so that a notice (a team's
// weekly digest) is sent once even when several servers share the store
// and each runs the job that sends it.
type Notices interface {
	// ClaimNotice records key as sent at at and reports true; false when
	// key was claimed before (by this process or another).
	ClaimNotice(ctx context.Context, key string, at time.Time) (bool, error)
	// ForgetNotice removes the claim of key, for a notice that could not
	// be delivered, so that the next run sends it.
	ForgetNotice(ctx context.Context, key string) error
}

func (s *sqlStore) ClaimNotice(ctx context.Context, key string, at time.Time) (bool, error) {
	if key == "" {
		return false, errors.New("notice: key is required")
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO notice_sent (key, sent_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, at.UTC().UnixNano())
	if err != nil {
		return false, fmt.Errorf("claim notice %s: %w", key, s.describe(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim notice %s: %w", key, err)
	}
	return n == 1, nil
}

func (s *sqlStore) ForgetNotice(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM notice_sent WHERE key = ?`, key); err != nil {
		return fmt.Errorf("forget notice %s: %w", key, s.describe(err))
	}
	return nil
}

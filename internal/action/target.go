package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
)

// Observed is a resource as a target reads it now.
type Observed struct {
	// Power is On or Off.
	Power schedule.State
	// State is what a plan records and apply compares: the values a change
	// depends on, never counters that move by themselves.
	State map[string]string
	Tags  map[string]string
	// Skip, when set, is why no change may be made now (a deployment in
	// progress, a read replica, a transitional state).
	Skip i18n.Phrase
	// count is what a start sets when nothing was saved (Ref.Count).
	count int32
}

// Target stops and starts one resource type.
type Target interface {
	// Observe reads the resource with read-only calls.
	Observe(ctx context.Context, r Ref) (Observed, error)
	// After is what the resource will be after v, for the plan to show.
	After(o Observed, v Verb) map[string]string
	// Apply makes the change and returns the values it replaced.
	Apply(ctx context.Context, r Ref, v Verb) (previous map[string]string, err error)
}

// Targets gives the target of a type in an account and region.
type Targets interface {
	Target(account, region, typ string) (Target, error)
}

// ErrNoTarget: steward cannot act on that type, account or region.
var ErrNoTarget = errors.New("no target")

// Wait is how a target waits for a resource to settle after a start.
type Wait struct {
	Interval time.Duration
	Timeout  time.Duration
	// Sleep waits d or until ctx ends; nil sleeps for real.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultWait waits up to 15 minutes, checking every 10 seconds: RDS takes
// minutes to become available.
var DefaultWait = Wait{Interval: 10 * time.Second, Timeout: 15 * time.Minute}

// until calls done until it reports true, an error, or the timeout.
func (w Wait) until(ctx context.Context, what string, done func(context.Context) (bool, string, error)) error {
	sleep := w.Sleep
	if sleep == nil {
		sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	interval := w.Interval
	if interval <= 0 {
		interval = time.Second
	}
	var waited time.Duration
	for {
		ok, status, err := done(ctx)
		if err != nil || ok {
			return err
		}
		if waited >= w.Timeout {
			return fmt.Errorf("%s: not done after %s (%s)", what, w.Timeout, status)
		}
		if err := sleep(ctx, interval); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		waited += interval
	}
}

// power says on or off.
func power(on bool) schedule.State {
	if on {
		return schedule.On
	}
	return schedule.Off
}

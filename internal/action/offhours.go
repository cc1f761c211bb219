package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// ScheduleInput is what a schedule run plans from.
type ScheduleInput struct {
	// Resources are the inventory (the latest scan, or a source).
	Resources []inventory.Resource
	Resolver  *schedule.Resolver
	// EnvKey and SystemKey are the tags that give a resource's env and
	// system (config tags.env_key, tags.system_key).
	EnvKey, SystemKey string
	// At is the instant the schedules are evaluated at.
	At time.Time
	// Holds, by ARN, replace what a resource's schedule wants: a leased
	// environment stays on until its lease ends, an idle one is stopped
	// (env.Holds). A hold marked Unscheduled applies to a resource that
	// follows no schedule too.
	Holds map[string]Hold
}

// Hold is what a run wants of one resource instead of its schedule.
type Hold struct {
	Status      schedule.Status
	Why         string
	Unscheduled bool
}

// PlanSchedules plans what the schedules want at in.At: a stop or start
// for every scheduled resource not in its desired state. State, not exact
// hours: a run that was missed is caught up by the next one. It only reads.
func (e *Engine) PlanSchedules(ctx context.Context, in ScheduleInput) (*Plan, error) {
	now := e.Now()
	p := &Plan{Format: planFormat, ID: newID("p", now), Created: now, AsOf: in.At, Changes: []Change{}}
	for _, r := range in.Resources {
		if !isTarget(r.Type) {
			continue
		}
		ref := Ref{ARN: r.ARN, Type: r.Type, Name: r.Name}
		if c, ok := r.Attrs["cluster"].(string); ok && r.Type == TypeECSService {
			ref.Cluster = c
		}
		m, err := in.Resolver.For(schedule.Target{Tags: r.Tags, Env: r.Tags[in.EnvKey], System: r.Tags[in.SystemKey]})
		hold, held := in.Holds[r.ARN]
		switch {
		case err != nil:
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: "schedule: " + err.Error()})
			continue
		case m.OptedOut:
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: "opted out (" + m.By + ")"})
			continue
		case m.Schedule == nil && !(held && hold.Unscheduled):
			continue
		}
		var st schedule.Status
		name, by, enforced := "", m.By, false
		if m.Schedule != nil {
			st, name, enforced = m.Schedule.Eval(in.At), m.Schedule.Name(), m.Schedule.Enforced()
		}
		if held {
			st, by = hold.Status, hold.Why
			if name == "" {
				name = "(none)"
			}
		}
		if st.State == schedule.None {
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: fmt.Sprintf("schedule %s has no transition in the last 7 days", name)})
			continue
		}
		t, err := e.target(ref)
		if err != nil {
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: err.Error()})
			continue
		}
		o, err := t.Observe(ctx, ref)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: "could not read it: " + err.Error()})
			continue
		}
		if why := e.Exclude.Excluded(ref, o.Tags); why != "" {
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: why})
			continue
		}
		manual, err := e.changedByHand(ctx, ref, o.Power, in.At)
		if err != nil {
			return nil, err
		}
		d := schedule.Decide(st, enforced, o.Power, manual)
		why := fmt.Sprintf("%s (schedule %s, by %s)", d.Reason, name, by)
		if !d.Act {
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: why})
			continue
		}
		if o.Skip != "" {
			p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: o.Skip})
			continue
		}
		v := Stop
		if d.Want == schedule.On {
			v = Start
		}
		p.Changes = append(p.Changes, Change{Ref: ref, Action: v, Before: o.State, After: t.After(o, v), Why: why, Recorded: o.State})
	}
	order(p.Changes)
	for i := range p.Changes {
		p.Changes[i].ID = fmt.Sprintf("%s.%d", p.ID, i+1)
	}
	return p, nil
}

func isTarget(typ string) bool {
	for _, t := range Types {
		if t == typ {
			return true
		}
	}
	return false
}

// changedByHand returns when, at the latest, the resource was put in its
// current state by someone else than steward: the instant of steward's
// last completed change to it when that change left it in another state
// than it is now; zero when steward made its current state (or never
// touched it, so nothing says when it changed).
//
// AWS starts a database that has been stopped for 7 days by itself: that
// is not a change by hand, so the run stops it again.
func (e *Engine) changedByHand(ctx context.Context, r Ref, now schedule.State, at time.Time) (time.Time, error) {
	if e.Journal == nil {
		return time.Time{}, nil
	}
	es, err := e.Journal.JournalEntries(ctx, store.JournalFilter{ARN: r.ARN, Limit: 20})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return time.Time{}, fmt.Errorf("read journal of %s: %w", nameOr(r), err)
	}
	for _, en := range es {
		if en.Status != store.JournalDone {
			continue
		}
		left := schedule.On
		if Verb(en.Action) == Stop {
			left = schedule.Off
		}
		if left != now && left == schedule.Off && isDatabase(r.Type) && at.Sub(en.AsOf) >= rdsAutoStart {
			return time.Time{}, nil
		}
		if left != now {
			// Changed after steward's change, so strictly later.
			return en.AsOf.Add(time.Nanosecond), nil
		}
		return time.Time{}, nil
	}
	return time.Time{}, nil
}

// rdsAutoStart is how long AWS lets a database stay stopped before it
// starts it again by itself.
const rdsAutoStart = 7 * 24 * time.Hour

func isDatabase(typ string) bool { return typ == TypeDBInstance || typ == TypeDBCluster }

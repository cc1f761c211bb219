package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
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
	// Overrides are the timed overrides that had not ended some time
	// before At; those in force at At win over the schedules.
	Overrides []schedule.Override
	// Bastion, when set, is the bastion ECS service: off unless a lease
	// (an override of it) holds it on, so a run after the lease ends
	// brings it back to 0.
	Bastion *Ref
	// Holds, by ARN, replace what a resource's schedule wants: a leased
	// environment stays on until its lease ends, an idle one is stopped
	// (env.Holds). A hold marked Unscheduled applies to a resource that
	// follows no schedule too. A timed override wins over a hold.
	Holds map[string]Hold
	// Lang is the language of whoever plans: the reasons of the plan are
	// written in it, and the plan file and journal keep them so.
	Lang i18n.Lang
}

// Hold is what a run wants of one resource instead of its schedule.
type Hold struct {
	Status      schedule.Status
	Why         string
	Unscheduled bool
}

// PlanSchedules plans what the schedules want at in.At: a stop or start
// for every scheduled resource not in its desired state. State, not exact
// hours: a run that was missed is caught up by the next one. A timed
// override in force decides instead of the schedule, and is shown in the
// plan. It only reads.
func (e *Engine) PlanSchedules(ctx context.Context, in ScheduleInput) (*Plan, error) {
	now := e.Now()
	p := &Plan{Format: planFormat, ID: newID("p", now), Created: now, AsOf: in.At, Changes: []Change{}}
	for _, o := range in.Overrides {
		if o.Active(in.At) {
			p.Overrides = append(p.Overrides, o)
		}
	}
	bastionSeen := false
	for _, r := range in.Resources {
		if !isTarget(r.Type) {
			continue
		}
		ref := Ref{ARN: r.ARN, Type: r.Type, Name: r.Name}
		if r.Type == TypeECSService {
			if c, ok := r.Attrs.Value("cluster").(string); ok {
				ref.Cluster = c
			}
			if n, ok := r.Attrs.Value("load_balancers").(float64); ok && n == 0 {
				ref.Worker = true
			}
		}
		if in.Bastion != nil && r.ARN == in.Bastion.ARN {
			ref, bastionSeen = *in.Bastion, true
		}
		if err := e.planOne(ctx, in, p, ref, r); err != nil {
			return nil, err
		}
	}
	if in.Bastion != nil && !bastionSeen {
		if err := e.planOne(ctx, in, p, *in.Bastion, inventory.Resource{ARN: in.Bastion.ARN, Type: in.Bastion.Type, Name: in.Bastion.Name}); err != nil {
			return nil, err
		}
	}
	order(p.Changes)
	for i := range p.Changes {
		p.Changes[i].ID = fmt.Sprintf("%s.%d", p.ID, i+1)
	}
	return p, nil
}

// planOne adds to p what r needs: a change, a skip with its reason, or
// nothing when it follows no schedule.
func (e *Engine) planOne(ctx context.Context, in ScheduleInput, p *Plan, ref Ref, r inventory.Resource) error {
	skip := func(reason string) { p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: reason}) }
	l := in.Lang
	env := r.Tags.Value(in.EnvKey)
	bastion := in.Bastion != nil && ref.ARN == in.Bastion.ARN
	m, err := in.Resolver.For(schedule.Target{Tags: r.Tags.Map(), Env: env, System: r.Tags.Value(in.SystemKey)})
	ov, overridden := schedule.Governing(in.Overrides, ref.ARN, ref.Name, env, in.At)
	hold, held := in.Holds[ref.ARN]
	var (
		st       schedule.Status
		enforced bool
		label    string
	)
	switch {
	case overridden && (m.Schedule != nil || bastion):
		st, enforced = ov.Status(m.Schedule), true
		key := "sched.label.override"
		if bastion {
			key = "sched.label.lease"
		}
		label = l.T(key, ov.ID, OrSomeone(l, ov.Actor), ov.End().Format(time.RFC3339), ov.Reason)
	case overridden:
		skip(l.T("sched.skip.override", ov.ID))
		return nil
	case bastion:
		last, ok := schedule.LastEnded(in.Overrides, ref.ARN, ref.Name, env, in.At)
		if !ok {
			skip(l.T("sched.skip.nolease"))
			return nil
		}
		st = schedule.Status{State: schedule.Off, Since: last.End()}
		label = l.T("sched.label.leaseended", last.ID, OrSomeone(l, last.Actor), last.End().Format(time.RFC3339))
	case err != nil:
		skip(l.T("sched.skip.error", err))
		return nil
	case m.OptedOut:
		skip(l.T("sched.skip.optout", m.By.In(l)))
		return nil
	case held && (m.Schedule != nil || hold.Unscheduled):
		name := l.T("sched.none")
		if m.Schedule != nil {
			name, enforced = m.Schedule.Name(), m.Schedule.Enforced()
		}
		st = hold.Status
		label = l.T("sched.label.hold", name, hold.Why)
		if st.State == schedule.None {
			skip(l.T("sched.skip.notransition", name))
			return nil
		}
	case m.Schedule == nil:
		return nil
	default:
		st, enforced = m.Schedule.Eval(in.At), m.Schedule.Enforced()
		label = l.T("sched.label.schedule", m.Schedule.Name(), m.By.In(l))
		if st.State == schedule.None {
			skip(l.T("sched.skip.notransition", m.Schedule.Name()))
			return nil
		}
	}
	t, err := e.target(ref)
	if err != nil {
		skip(err.Error())
		return nil
	}
	o, err := t.Observe(ctx, ref)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		skip(l.T("cleanup.skip.read", err))
		return nil
	}
	if why := e.Exclude.Excluded(ref, o.Tags); why.Key != "" {
		skip(why.In(l))
		return nil
	}
	manual, err := e.changedByHand(ctx, ref, o.Power, in.At)
	if err != nil {
		return err
	}
	d := schedule.Decide(st, enforced, o.Power, manual)
	why := l.T("sched.why", d.Reason.In(l), label)
	if !d.Act {
		skip(why)
		return nil
	}
	if o.Skip.Key != "" {
		skip(o.Skip.In(l))
		return nil
	}
	v := Stop
	if d.Want == schedule.On {
		v = Start
	}
	c := Change{Ref: ref, Action: v, Before: o.State, After: t.After(o, v), Why: why, Recorded: o.State}
	if w := iacWarning(l, r, v); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	p.Changes = append(p.Changes, c)
	return nil
}

// iacWarning says when the IaC that manages an ECS service sets its
// desired count: its next deploy would start what a stop stopped.
func iacWarning(l i18n.Lang, r inventory.Resource, v Verb) string {
	if r.Type != TypeECSService || v != Stop {
		return ""
	}
	switch r.ManagedBy().Kind {
	case "terraform":
		if n, ok := r.Attrs.Value("iac_desired_count").(float64); ok && n > 0 {
			return l.T("sched.warn.terraform", r.ManagedBy().Ref, int(n))
		}
	case "cloudformation":
		return l.T("sched.warn.cloudformation", r.ManagedBy().Ref)
	}
	return ""
}

// OrSomeone names who did something, when nobody was recorded.
func OrSomeone(l i18n.Lang, actor string) string {
	if actor == "" {
		return l.T("sched.someone")
	}
	return actor
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

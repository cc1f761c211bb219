package action

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/steward-sre/steward/internal/action/guard"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// DefaultMaxChanges is the blast-radius cap: the most changes one apply
// makes unless steward.yaml says otherwise.
const DefaultMaxChanges = guard.DefaultMaxChanges

// Engine applies plans and undoes changes, journaling each one.
type Engine struct {
	Targets Targets
	Journal store.Journal
	Exclude Exclusions
	// MaxChanges is the blast-radius cap; 0 means DefaultMaxChanges.
	MaxChanges int
	// Actor is who asks for the changes, recorded in the journal.
	Actor string
	// Lang is the language of whoever asks: the reasons the engine writes
	// itself (an undo, a resource already in the state asked for) are in
	// it, as a planner's are (ScheduleInput.Lang, CleanupInput.Lang).
	Lang   i18n.Lang
	Now    func() time.Time
	Logger *slog.Logger
	// afterIntent runs between a change's journal intent and the change:
	// tests make it fail there, as a process that dies would.
	afterIntent func(Change)
}

// ErrTooMany is a plan over the blast-radius cap.
var ErrTooMany = errors.New("over the blast-radius cap")

// ErrChanged is a plan whose resources changed since it was made.
var ErrChanged = errors.New("resources changed since the plan was made")

// Outcome is what happened to one change.
type Outcome struct {
	Change   Change              `json:"change"`
	Status   store.JournalStatus `json:"status"`
	Previous map[string]string   `json:"previous,omitempty"`
	Error    string              `json:"error,omitempty"`
}

func (e *Engine) max() int {
	if e.MaxChanges > 0 {
		return e.MaxChanges
	}
	return DefaultMaxChanges
}

func (e *Engine) target(r Ref) (Target, error) {
	return e.Targets.Target(r.Account(), r.Region(), r.Type)
}

// Check reads every resource of the plan again and returns an error
// wrapping ErrChanged, naming each resource and what changed, when one is
// no longer in the state the plan recorded or is now excluded; ErrTooMany
// when the plan is over the cap. It only reads.
func (e *Engine) Check(ctx context.Context, p *Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if n := len(p.Changes); n > e.max() {
		return i18n.Say("action.err.toomany", n, e.max()).ErrOf(ErrTooMany)
	}
	var drifts []i18n.Phrase
	for _, c := range p.Changes {
		d, err := e.check(ctx, c)
		if err != nil {
			return err
		}
		if d.Key != "" {
			drifts = append(drifts, d)
		}
	}
	if len(drifts) > 0 {
		return i18n.Say("action.err.changed", drifts).ErrOf(ErrChanged)
	}
	return nil
}

// check returns why c may not be applied now, or the zero Phrase.
func (e *Engine) check(ctx context.Context, c Change) (i18n.Phrase, error) {
	t, err := e.target(c.Ref)
	if err != nil {
		return i18n.Phrase{}, fmt.Errorf("%s: %w", c.ARN, err)
	}
	o, err := t.Observe(ctx, c.Ref)
	if err != nil {
		return i18n.Phrase{}, fmt.Errorf("read %s: %w", nameOr(c.Ref), err)
	}
	if why := e.Exclude.Excluded(c.Ref, o.Tags); why.Key != "" {
		return i18n.Say("action.drift", nameOr(c.Ref), c.ARN, why), nil
	}
	if ds := diff(c.Recorded, markState(c.Action, o)); len(ds) > 0 {
		return Drift{Ref: c.Ref, Diffs: ds}.Phrase(), nil
	}
	return i18n.Phrase{}, nil
}

// Apply makes exactly the changes of p, in order, after checking them
// all (see Check). Each change is journaled before it is made and its
// result after. A change that fails is journaled as failed and the others
// go on; the error then says how many failed.
func (e *Engine) Apply(ctx context.Context, p *Plan) ([]Outcome, error) {
	if err := e.Check(ctx, p); err != nil {
		return nil, err
	}
	var out []Outcome
	failed := 0
	for _, c := range p.Changes {
		// Read once more right before the change: a resource that changed
		// since Check is left alone.
		why, err := e.check(ctx, c)
		msg := ""
		switch {
		case err != nil:
			msg = err.Error()
		case why.Key != "":
			msg = i18n.Say("action.err.changedone", why).In(e.Lang)
		}
		if msg != "" {
			out = append(out, Outcome{Change: c, Status: store.JournalFailed, Error: msg})
			failed++
			continue
		}
		o, err := e.apply(ctx, p, c, "")
		if err != nil {
			return out, err
		}
		if o.Status == store.JournalFailed {
			failed++
		}
		out = append(out, o)
	}
	if failed > 0 {
		return out, i18n.Say("action.err.failed", failed, len(p.Changes)).Err()
	}
	return out, nil
}

// apply journals c, makes it and journals the result. An error is
// returned only when the journal cannot be written: then nothing more may
// be changed.
func (e *Engine) apply(ctx context.Context, p *Plan, c Change, undoOf string) (Outcome, error) {
	t, err := e.target(c.Ref)
	if err != nil {
		return Outcome{}, err
	}
	entry := store.JournalEntry{
		ID: c.ID, PlanID: p.ID, ARN: c.ARN, Type: c.Type, Name: c.Name, Action: string(c.Action),
		Why: c.Why, Actor: e.Actor, Before: c.Before, After: c.After, AsOf: p.AsOf, IntentAt: e.Now(), UndoOf: undoOf,
	}
	if err := e.Journal.JournalIntent(ctx, entry); err != nil {
		return Outcome{}, fmt.Errorf("journal before %s %s (nothing was changed): %w", c.Action, nameOr(c.Ref), err)
	}
	if e.afterIntent != nil {
		e.afterIntent(c)
	}
	prev, applyErr := makeChange(ctx, t, c)
	o := Outcome{Change: c, Status: store.JournalDone, Previous: prev}
	if applyErr != nil {
		o.Status, o.Error = store.JournalFailed, applyErr.Error()
		e.log().Warn("change failed", "change", c.ID, "arn", c.ARN, "action", c.Action, "err", applyErr)
	}
	// The result is written even when ctx ended: the change was made.
	if err := e.Journal.JournalResult(context.WithoutCancel(ctx), c.ID, o.Status, e.Now(), prev, o.Error); err != nil {
		return o, fmt.Errorf("journal after %s %s (the change was %s; `steward journal` shows it as may have happened): %w", c.Action, nameOr(c.Ref), o.Status, err)
	}
	return o, nil
}

func (e *Engine) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// ErrNotReversible is a change undo cannot reverse.
var ErrNotReversible = errors.New("not reversible")

// Undo reverses a change recorded in the journal: a stop is undone by a
// start, which restores the values the stop saved, and the other way
// round. Only a change that was done can be undone; an undo is journaled
// like any change, with UndoOf naming the change it reverses.
func (e *Engine) Undo(ctx context.Context, id string) (Outcome, error) {
	en, err := e.Journal.JournalEntry(ctx, id)
	if err != nil {
		return Outcome{}, err
	}
	if en.Status != store.JournalDone {
		return Outcome{}, i18n.Say("action.err.undo.notdone", id, StatusPhrase(en.Status, true)).ErrOf(ErrNotReversible)
	}
	inv, ok := Verb(en.Action).inverse()
	if !ok {
		return Outcome{}, notReversible(en)
	}
	r := Ref{ARN: en.ARN, Type: en.Type, Name: en.Name}
	t, err := e.target(r)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", r.ARN, err)
	}
	o, err := t.Observe(ctx, r)
	if err != nil {
		return Outcome{}, fmt.Errorf("read %s: %w", nameOr(r), err)
	}
	if why := e.Exclude.Excluded(r, o.Tags); why.Key != "" {
		return Outcome{}, i18n.Say("action.err.undo.excluded", id, nameOr(r), why).Err()
	}
	// Why a resource may not be stopped, started or deleted now does not
	// keep its mark tags from being put back.
	if o.Skip.Key != "" && inv != Mark && inv != Unmark {
		return Outcome{}, i18n.Say("action.err.undo.skip", id, nameOr(r), o.Skip).Err()
	}
	now := e.Now()
	c := Change{ID: newID("u", now), Ref: r, Action: inv, Before: o.State, After: t.After(o, inv),
		Why: e.Lang.T("journal.undoof", id), Recorded: markState(inv, o)}
	if inv == Mark || inv == Unmark {
		// A mark is undone by putting the tags back as they were.
		c.Before, c.After = markValues(o.Tags), en.Before
	}
	p := &Plan{Format: planFormat, ID: c.ID, Created: now, AsOf: now, Changes: []Change{c}}
	out, err := e.apply(ctx, p, c, id)
	if err != nil {
		return out, err
	}
	if out.Status == store.JournalFailed {
		return out, i18n.Say("action.err.undo.failed", id, out.Error).Err()
	}
	return out, nil
}

// StatusText is how `steward journal` shows a status in JSON: the words
// programs read.
func StatusText(s store.JournalStatus) string { return StatusPhrase(s, false).In(i18n.EN) }

// StatusPhrase is how people read a journal status; long says why an
// intent may have happened.
func StatusPhrase(s store.JournalStatus, long bool) i18n.Phrase {
	switch s {
	case store.JournalIntent:
		if long {
			return i18n.Say("journal.status.intentlong")
		}
		return i18n.Say("journal.status.intent")
	case store.JournalDone:
		return i18n.Say("journal.status.done")
	case store.JournalFailed:
		return i18n.Say("journal.status.failed")
	}
	return i18n.Phrase{Key: string(s)}
}

// newID makes a plan or change id: the time, sortable, and a random
// part, so two plans made in the same second differ.
func newID(prefix string, t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%s%s-%x", prefix, t.UTC().Format("20060102T150405"), b)
}

// SetAfterIntent sets a function run between a change's journal intent
// and the change itself. Only tests use it, to end the process there as a
// crash would.
func SetAfterIntent(e *Engine, f func(Change)) { e.afterIntent = f }

// PlanOne plans one change to one resource, asked for by a person (the
// bastion's up and down): no change when the resource is already in the
// state v leaves it in. It only reads, and refuses an excluded resource
// or one that may not be changed now.
func (e *Engine) PlanOne(ctx context.Context, r Ref, v Verb, why string) (*Plan, error) {
	now := e.Now()
	p := &Plan{Format: planFormat, ID: newID("p", now), Created: now, AsOf: now, Changes: []Change{}}
	t, err := e.target(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.ARN, err)
	}
	o, err := t.Observe(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", nameOr(r), err)
	}
	if x := e.Exclude.Excluded(r, o.Tags); x.Key != "" {
		return nil, i18n.Say("action.err.excluded", nameOr(r), x).ErrOf(ErrExcluded)
	}
	if (v == Start && o.Power == schedule.On) || (v == Stop && o.Power == schedule.Off) {
		p.Skipped = append(p.Skipped, Skip{Ref: r, Reason: i18n.Say("sched.decide.already", schedule.StateWord(o.Power)).In(e.Lang)})
		return p, nil
	}
	if o.Skip.Key != "" {
		return nil, fmt.Errorf("%s: %s", nameOr(r), o.Skip.In(e.Lang))
	}
	p.Changes = append(p.Changes, Change{ID: p.ID + ".1", Ref: r, Action: v, Before: o.State, After: t.After(o, v), Why: why, Recorded: o.State})
	return p, nil
}

// ErrExcluded is a resource no action may touch.
var ErrExcluded = errors.New("excluded from actions")

// Until calls done every w.Interval until it reports true, an error, or
// w.Timeout has passed; status says how far it got, for the timeout
// error.
func (w Wait) Until(ctx context.Context, what string, done func(context.Context) (ok bool, status string, err error)) error {
	return w.until(ctx, what, done)
}

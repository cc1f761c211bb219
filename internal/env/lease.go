package env

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/i18n"
)

// Lease is one holding of an environment: who, for what, from when until
// when, and how it ended. A lease is live while it has not ended and its
// Until is in the future; one whose Until has passed ends by itself (as
// expired, at Until) the next time leases are read or a schedule runs.
type Lease struct {
	ID          string    `json:"id"`
	Environment string    `json:"environment"`
	Holder      string    `json:"holder"`
	Purpose     string    `json:"purpose,omitempty"`
	Branch      string    `json:"branch,omitempty"`
	Start       time.Time `json:"start"`
	Until       time.Time `json:"until"`
	// Via is how the lease began: claim, steal or deploy.
	Via string `json:"via"`
	// Ended is when the lease ended; zero while it has not.
	Ended time.Time `json:"ended,omitzero"`
	// EndReason is released, expired or stolen.
	EndReason string `json:"end_reason,omitempty"`
	// EndedBy is who ended it: the holder, the one who stole it, or
	// steward when it expired.
	EndedBy string `json:"ended_by,omitempty"`
	// Reminded is when the reminder before Until went out; zero while
	// none has (an extension clears it, so the new end is reminded too).
	Reminded time.Time `json:"reminded,omitzero"`
}

// Live reports whether the lease holds at now.
func (l Lease) Live(now time.Time) bool { return l.Ended.IsZero() && now.Before(l.Until) }

// Ways a lease begins and ends.
const (
	ViaClaim  = "claim"
	ViaSteal  = "steal"
	ViaDeploy = "deploy"

	EndReleased = "released"
	EndExpired  = "expired"
	EndStolen   = "stolen"
)

// Event is one line of an environment's lease history.
type Event struct {
	At          time.Time `json:"at"`
	Environment string    `json:"environment"`
	LeaseID     string    `json:"lease_id"`
	// Kind is claimed, extended, released, expired, stolen or reminded.
	Kind   string `json:"kind"`
	Actor  string `json:"actor"`
	Detail string `json:"detail,omitempty"`
}

// DetailPhrase is the event's detail for the reader's language. The
// detail is stored as steward wrote it ("until TIME: purpose", "from
// HOLDER: reason", "ends TIME"); a detail of another shape is said as it
// is.
func (e Event) DetailPhrase() i18n.Phrase {
	d := e.Detail
	switch e.Kind {
	case EventClaimed, EventExtended:
		if rest, ok := strings.CutPrefix(d, "until "); ok {
			if when, purpose, ok := strings.Cut(rest, ": "); ok {
				return i18n.Say("env.detail.untilfor", when, purpose)
			}
			return i18n.Say("env.detail.until", rest)
		}
	case EventStolen:
		if rest, ok := strings.CutPrefix(d, "from "); ok {
			if holder, reason, ok := strings.Cut(rest, ": "); ok {
				return i18n.Say("env.detail.from", holder, reason)
			}
		}
	case EventReminded:
		if rest, ok := strings.CutPrefix(d, "ends "); ok {
			return i18n.Say("env.detail.ends", rest)
		}
	}
	return i18n.Say("env.detail.as", d)
}

// Event kinds.
const (
	EventClaimed  = "claimed"
	EventExtended = "extended"
	EventReleased = "released"
	EventExpired  = "expired"
	EventStolen   = "stolen"
	EventReminded = "reminded"
)

// Change is what one decision writes: leases (new, or changed by id) and
// events, in order. A live lease that ends is written before the one that
// replaces it.
type Change struct {
	Leases []Lease
	Events []Event
}

// Store keeps leases and their history. ChangeLeases runs decide in one
// write transaction with the environment's unended lease (nil when none),
// then writes what it returns: all or none, so two people claiming the
// same environment at once cannot both get it.
type Store interface {
	ChangeLeases(ctx context.Context, environment string, decide func(current *Lease) (Change, error)) error
	// Leases lists leases, the latest start first; unended only when
	// openOnly; every environment when environment is empty.
	Leases(ctx context.Context, environment string, openOnly bool) ([]Lease, error)
	// LeaseEvents lists an environment's history, oldest first (every
	// environment when empty).
	LeaseEvents(ctx context.Context, environment string) ([]Event, error)
}

// Notice is something a person must hear of: their lease was stolen, is
// about to end, or ended.
type Notice struct {
	// Kind is stolen, reminder or expired.
	Kind string `json:"kind"`
	// To is who should hear of it: the holder.
	To    string `json:"to"`
	Lease Lease  `json:"lease"`
	// By is who stole it; Reason is why.
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Left is how long the lease has left, for a reminder.
	Left time.Duration `json:"left_ns,omitempty"`
}

// Notice kinds.
const (
	NoticeStolen   = "stolen"
	NoticeReminder = "reminder"
	NoticeExpired  = "expired"
)

// Notifier tells people. An error is the caller's to report; a lease
// change never waits on or fails for a notice.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// Policy is steward.yaml's leases: section, as values.
type Policy struct {
	// Default is a claim's length when none is given.
	Default time.Duration
	// Max is the longest a lease may run from now (a claim or an
	// extension).
	Max time.Duration
	// RemindBefore is how long before a lease ends its holder is reminded.
	RemindBefore time.Duration
	// OnDeploy is the length of the lease a deploy to an unleased
	// environment makes for its deployer; 0 makes none.
	OnDeploy time.Duration
	// Leasable are globs of the environments that may be leased.
	Leasable []string
}

// DefaultPolicy is the policy of a steward.yaml without leases:.
func DefaultPolicy() Policy {
	return Policy{Default: 4 * time.Hour, Max: 7 * 24 * time.Hour, RemindBefore: 30 * time.Minute,
		OnDeploy: 4 * time.Hour, Leasable: []string{"qa*", "dev*"}}
}

// HeldError refuses a claim on an environment someone else holds.
type HeldError struct{ Lease Lease }

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is leased by %s until %s", e.Lease.Environment, e.Lease.Holder, e.Lease.Until.Format(time.RFC3339))
}

// NotHolderError refuses an extension or release by someone who does not
// hold the lease.
type NotHolderError struct {
	Environment string
	Holder      string // empty when nobody holds it
}

func (e *NotHolderError) Error() string {
	if e.Holder == "" {
		return e.Environment + " is not leased"
	}
	return fmt.Sprintf("%s is leased by %s, not by you", e.Environment, e.Holder)
}

// RefusedError is a claim or extension the policy refuses: an
// environment that cannot be leased, a lease too long, no holder.
type RefusedError struct {
	// Reason is no-holder, not-leasable or too-long; Args are the values
	// its message names, for a caller that words it in another language.
	Reason string
	Args   []any
	Err    error
}

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

func refusef(reason, format string, args ...any) error {
	return &RefusedError{Reason: reason, Args: args, Err: fmt.Errorf(format, args...)}
}

// ErrReasonRequired refuses a steal without a reason.
var ErrReasonRequired = errors.New("a steal needs a reason (--reason), which the holder is told")

// Leases grants, extends, releases and ends leases. Now is the clock;
// tests advance a fake one.
type Leases struct {
	Store    Store
	Notifier Notifier
	Policy   Policy
	Now      func() time.Time
	// Known reports whether an environment exists; nil accepts any.
	Known func(name string) bool
}

// Claim asks for an environment.
type Claim struct {
	Environment string
	Holder      string
	// For is the lease's length; 0 takes the policy's default.
	For     time.Duration
	Purpose string
	Branch  string
	// Steal takes the environment from another holder; Reason is
	// required with it and told to that holder.
	Steal  bool
	Reason string
	// Via is ViaClaim (default) or ViaDeploy.
	Via string
}

// Result is what a claim did.
type Result struct {
	Lease Lease `json:"lease"`
	// Stolen is the lease taken from another holder, if any.
	Stolen *Lease `json:"stolen,omitempty"`
	// Renewed: the claimer already held the environment; the lease was
	// extended to the new end instead of starting another.
	Renewed bool `json:"renewed,omitempty"`
	// Expired is the lease that had just ended by itself, if any.
	Expired *Lease `json:"expired,omitempty"`
	// NoticeErr is a notice that could not be delivered.
	NoticeErr error `json:"-"`
}

func (m *Leases) now() time.Time { return m.Now().UTC().Truncate(time.Second) }

// CanLease reports whether the policy lets an environment be leased.
func (p Policy) CanLease(name string) bool {
	for _, g := range p.Leasable {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

func (m *Leases) check(envName, who string) error {
	if strings.TrimSpace(who) == "" {
		return refusef("no-holder", "who is claiming is unknown: give --as NAME or set STEWARD_USER")
	}
	if m.Known != nil && !m.Known(envName) {
		return &UnknownError{Name: envName}
	}
	if !m.Policy.CanLease(envName) {
		return refusef("not-leasable", "%s cannot be leased (leases.environments allows %s)", envName, strings.Join(m.Policy.Leasable, ", "))
	}
	return nil
}

// UnknownError names an environment nobody defined.
type UnknownError struct{ Name string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("no environment %q (see steward env list)", e.Name)
}

// Claim leases an environment. A claim on an environment its claimer
// already holds renews it to the new end. A claim on one someone else
// holds is refused with *HeldError unless it steals with a reason, in
// which case that holder's lease ends as stolen and they are notified.
func (m *Leases) Claim(ctx context.Context, c Claim) (Result, error) {
	if err := m.check(c.Environment, c.Holder); err != nil {
		return Result{}, err
	}
	if c.For == 0 {
		c.For = m.Policy.Default
	}
	if c.For < 0 || (m.Policy.Max > 0 && c.For > m.Policy.Max) {
		return Result{}, refusef("too-long", "a lease runs at most %s (leases.max_duration); asked for %s", FormatDuration(m.Policy.Max), FormatDuration(c.For))
	}
	if c.Steal && strings.TrimSpace(c.Reason) == "" {
		return Result{}, ErrReasonRequired
	}
	now := m.now()
	var res Result
	err := m.Store.ChangeLeases(ctx, c.Environment, func(cur *Lease) (Change, error) {
		res = Result{}
		var ch Change
		if cur != nil && !cur.Live(now) {
			ended := expire(*cur)
			res.Expired = &ended
			ch.Leases = append(ch.Leases, ended)
			ch.Events = append(ch.Events, expiredEvent(ended))
			cur = nil
		}
		via := cmp.Or(c.Via, ViaClaim)
		switch {
		case cur != nil && cur.Holder == c.Holder:
			l := *cur
			if until := now.Add(c.For); until.After(l.Until) {
				l.Until = until
				l.Reminded = time.Time{}
			}
			l.Purpose = cmp.Or(c.Purpose, l.Purpose)
			l.Branch = cmp.Or(c.Branch, l.Branch)
			res.Lease, res.Renewed = l, true
			ch.Leases = append(ch.Leases, l)
			ch.Events = append(ch.Events, Event{At: now, Environment: l.Environment, LeaseID: l.ID, Kind: EventExtended, Actor: c.Holder,
				Detail: "until " + l.Until.Format(time.RFC3339)})
			return ch, nil
		case cur != nil && !c.Steal:
			return Change{}, &HeldError{Lease: *cur}
		case cur != nil:
			old := *cur
			old.Ended, old.EndReason, old.EndedBy = now, EndStolen, c.Holder
			res.Stolen = &old
			via = ViaSteal
			ch.Leases = append(ch.Leases, old)
			ch.Events = append(ch.Events, Event{At: now, Environment: old.Environment, LeaseID: old.ID, Kind: EventStolen, Actor: c.Holder,
				Detail: "from " + old.Holder + ": " + c.Reason})
		}
		l := Lease{ID: leaseID(c.Environment, now), Environment: c.Environment, Holder: c.Holder, Purpose: c.Purpose,
			Branch: c.Branch, Start: now, Until: now.Add(c.For), Via: via}
		res.Lease = l
		ch.Leases = append(ch.Leases, l)
		detail := "until " + l.Until.Format(time.RFC3339)
		if l.Purpose != "" {
			detail += ": " + l.Purpose
		}
		ch.Events = append(ch.Events, Event{At: now, Environment: l.Environment, LeaseID: l.ID, Kind: EventClaimed, Actor: c.Holder, Detail: detail})
		return ch, nil
	})
	if err != nil {
		return Result{}, err
	}
	if res.Stolen != nil {
		res.NoticeErr = m.notify(ctx, Notice{Kind: NoticeStolen, To: res.Stolen.Holder, Lease: *res.Stolen, By: c.Holder, Reason: c.Reason})
	}
	return res, nil
}

// Extend moves the end of the holder's lease to by from now, or from its
// current end when that is later (extending never shortens a lease).
func (m *Leases) Extend(ctx context.Context, environment, holder string, by time.Duration) (Lease, error) {
	if by <= 0 {
		by = m.Policy.Default
	}
	now := m.now()
	var out Lease
	err := m.Store.ChangeLeases(ctx, environment, func(cur *Lease) (Change, error) {
		if cur == nil || !cur.Live(now) {
			return Change{}, &NotHolderError{Environment: environment}
		}
		if cur.Holder != holder {
			return Change{}, &NotHolderError{Environment: environment, Holder: cur.Holder}
		}
		l := *cur
		from := l.Until
		if now.After(from) {
			from = now
		}
		if m.Policy.Max > 0 && from.Add(by).Sub(now) > m.Policy.Max {
			return Change{}, refusef("too-long-extend", "a lease runs at most %s from now (leases.max_duration); %s would end %s",
				FormatDuration(m.Policy.Max), environment, from.Add(by).Format(time.RFC3339))
		}
		l.Until = from.Add(by)
		l.Reminded = time.Time{}
		out = l
		return Change{Leases: []Lease{l}, Events: []Event{{At: now, Environment: environment, LeaseID: l.ID, Kind: EventExtended, Actor: holder,
			Detail: "until " + l.Until.Format(time.RFC3339)}}}, nil
	})
	return out, err
}

// Release ends the holder's lease now.
func (m *Leases) Release(ctx context.Context, environment, holder string) (Lease, error) {
	now := m.now()
	var out Lease
	err := m.Store.ChangeLeases(ctx, environment, func(cur *Lease) (Change, error) {
		if cur == nil || !cur.Live(now) {
			return Change{}, &NotHolderError{Environment: environment}
		}
		if cur.Holder != holder {
			return Change{}, &NotHolderError{Environment: environment, Holder: cur.Holder}
		}
		l := *cur
		l.Ended, l.EndReason, l.EndedBy = now, EndReleased, holder
		out = l
		return Change{Leases: []Lease{l}, Events: []Event{{At: now, Environment: environment, LeaseID: l.ID, Kind: EventReleased, Actor: holder}}}, nil
	})
	return out, err
}

// Live ends the leases whose time is up and returns the live ones by
// environment. Every read of leases goes through it, so an expired lease
// never shows as held.
func (m *Leases) Live(ctx context.Context) (map[string]Lease, error) {
	if _, err := m.Expire(ctx); err != nil {
		return nil, err
	}
	ls, err := m.Store.Leases(ctx, "", true)
	if err != nil {
		return nil, err
	}
	now := m.now()
	out := map[string]Lease{}
	for _, l := range ls {
		if l.Live(now) {
			out[l.Environment] = l
		}
	}
	return out, nil
}

// Expire ends, as expired at their Until, the leases whose time is up,
// and tells their holders. It returns the leases it ended.
func (m *Leases) Expire(ctx context.Context) ([]Lease, error) {
	open, err := m.Store.Leases(ctx, "", true)
	if err != nil {
		return nil, err
	}
	now := m.now()
	var ended []Lease
	for _, l := range open {
		if l.Live(now) {
			continue
		}
		var done *Lease
		err := m.Store.ChangeLeases(ctx, l.Environment, func(cur *Lease) (Change, error) {
			done = nil
			if cur == nil || cur.Live(now) {
				return Change{}, nil // someone else ended or renewed it meanwhile
			}
			e := expire(*cur)
			done = &e
			return Change{Leases: []Lease{e}, Events: []Event{expiredEvent(e)}}, nil
		})
		if err != nil {
			return ended, err
		}
		if done != nil {
			ended = append(ended, *done)
		}
	}
	return ended, nil
}

// NotifyExpired tells the holders of leases that ended by themselves.
func (m *Leases) NotifyExpired(ctx context.Context, ended []Lease) error {
	var errs []error
	for _, l := range ended {
		errs = append(errs, m.notify(ctx, Notice{Kind: NoticeExpired, To: l.Holder, Lease: l}))
	}
	return errors.Join(errs...)
}

// Remind tells the holder of each live lease that ends within the
// policy's RemindBefore, once per lease end, and returns the leases
// reminded. A notice that fails is reported and tried again next time.
func (m *Leases) Remind(ctx context.Context) ([]Lease, error) {
	if m.Policy.RemindBefore <= 0 {
		return nil, nil
	}
	open, err := m.Store.Leases(ctx, "", true)
	if err != nil {
		return nil, err
	}
	now := m.now()
	var sent []Lease
	var errs []error
	for _, l := range open {
		if !l.Live(now) || !l.Reminded.IsZero() || l.Until.Sub(now) > m.Policy.RemindBefore {
			continue
		}
		if err := m.notify(ctx, Notice{Kind: NoticeReminder, To: l.Holder, Lease: l, Left: l.Until.Sub(now)}); err != nil {
			errs = append(errs, err)
			continue
		}
		var marked *Lease
		err := m.Store.ChangeLeases(ctx, l.Environment, func(cur *Lease) (Change, error) {
			marked = nil
			if cur == nil || cur.ID != l.ID {
				return Change{}, nil
			}
			c := *cur
			c.Reminded = now
			marked = &c
			return Change{Leases: []Lease{c}, Events: []Event{{At: now, Environment: c.Environment, LeaseID: c.ID, Kind: EventReminded, Actor: "steward",
				Detail: "ends " + c.Until.Format(time.RFC3339)}}}, nil
		})
		if err != nil {
			return sent, errors.Join(append(errs, err)...)
		}
		if marked != nil {
			sent = append(sent, *marked)
		}
	}
	return sent, errors.Join(errs...)
}

func (m *Leases) notify(ctx context.Context, n Notice) error {
	if m.Notifier == nil {
		return nil
	}
	if err := m.Notifier.Notify(ctx, n); err != nil {
		return fmt.Errorf("notify %s: %w", n.To, err)
	}
	return nil
}

func expire(l Lease) Lease {
	l.Ended, l.EndReason, l.EndedBy = l.Until, EndExpired, "steward"
	return l
}

func expiredEvent(l Lease) Event {
	return Event{At: l.Until, Environment: l.Environment, LeaseID: l.ID, Kind: EventExpired, Actor: "steward"}
}

// leaseID names a lease by its environment and start: unique, since an
// environment has one lease at a time and a start to the second.
func leaseID(environment string, start time.Time) string {
	return environment + "@" + start.UTC().Format("20060102T150405Z")
}

// SortNatural orders environment names as people count: qa2 before qa10.
func SortNatural(names []string) {
	slices.SortFunc(names, CompareNatural)
}

// CompareNatural compares two names, digit runs by their value.
func CompareNatural(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// Refusal is what to tell a person whose claim, extension or release was
// refused, in their language, with times in loc; ok is false for an error
// that is not a refusal (the store's, the network's).
func Refusal(err error, lang i18n.Lang, loc *time.Location) (msg string, ok bool) {
	var held *HeldError
	var nh *NotHolderError
	var unknown *UnknownError
	var refused *RefusedError
	switch {
	case errors.As(err, &held):
		l := held.Lease
		purpose := l.Purpose
		if purpose == "" {
			purpose = "-"
		}
		return lang.T("env.err.held", l.Environment, l.Holder, l.Until.In(loc).Format("2006-01-02 15:04 MST"), purpose), true
	case errors.As(err, &nh) && nh.Holder == "":
		return lang.T("env.err.free", nh.Environment), true
	case errors.As(err, &nh):
		return lang.T("env.err.notyours", nh.Environment, nh.Holder), true
	case errors.As(err, &unknown):
		return lang.T("env.err.unknown", unknown.Name), true
	case errors.Is(err, ErrReasonRequired):
		return lang.T("env.err.reason"), true
	case errors.As(err, &refused):
		return lang.T("env.err."+refused.Reason, refused.Args...), true
	}
	return "", false
}

// NoticeText is a notice as its holder reads it, times in loc.
func NoticeText(n Notice, lang i18n.Lang, loc *time.Location) string {
	until := n.Lease.Until.In(loc).Format("2006-01-02 15:04 MST")
	switch n.Kind {
	case NoticeStolen:
		return lang.T("env.notice.stolen", n.To, n.Lease.Environment, n.By, n.Reason)
	case NoticeReminder:
		return lang.T("env.notice.reminder", n.To, n.Lease.Environment, until, FormatDurationIn(lang, n.Left))
	}
	return lang.T("env.notice.expired", n.To, n.Lease.Environment, until)
}

// DeployOutcome is what a deploy did to leases: Foreign is the lease of
// someone else who holds the environment (the deploy is flagged with
// them); Claimed is the lease a deploy to a free environment made for its
// deployer.
type DeployOutcome struct {
	Foreign *Lease `json:"foreign,omitempty"`
	Claimed *Lease `json:"claimed,omitempty"`
}

// OnDeploy is a deploy's part in leases: a deploy to an environment
// someone else holds is flagged on the record (LeasedBy); one to a free
// environment that may be leased is leased to its deployer for the
// policy's OnDeploy. The command line and the server's deploy endpoint
// both come here.
func (m *Leases) OnDeploy(ctx context.Context, d *delivery.Deployment, deployer string) (DeployOutcome, error) {
	live, err := m.Live(ctx)
	if err != nil {
		return DeployOutcome{}, err
	}
	if l, ok := live[d.Environment]; ok {
		if l.Holder == deployer {
			return DeployOutcome{}, nil
		}
		d.LeasedBy = l.Holder
		return DeployOutcome{Foreign: &l}, nil
	}
	if m.Policy.OnDeploy <= 0 || !m.Policy.CanLease(d.Environment) || deployer == "" {
		return DeployOutcome{}, nil
	}
	res, err := m.Claim(ctx, Claim{Environment: d.Environment, Holder: deployer, For: m.Policy.OnDeploy, Via: ViaDeploy,
		Purpose: fmt.Sprintf("deploy %s %s", d.Service, delivery.ShortSHA(d.CommitSHA))})
	var held *HeldError
	if errors.As(err, &held) { // claimed meanwhile by someone else
		d.LeasedBy = held.Lease.Holder
		return DeployOutcome{Foreign: &held.Lease}, nil
	}
	if err != nil {
		return DeployOutcome{}, err
	}
	return DeployOutcome{Claimed: &res.Lease}, nil
}

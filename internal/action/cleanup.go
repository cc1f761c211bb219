package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action/guard"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// The verbs of mark-then-delete. A resource a policy flags is first
// marked (tagged with the day it may be deleted); a later run deletes it
// only when that day has passed and the latest scan, made on or after it,
// still flags it; a marked resource no longer flagged is unmarked.
const (
	Mark   Verb = "mark"
	Unmark Verb = "unmark"
	Delete Verb = "delete"
	// SnapshotDelete takes a snapshot, waits until it is complete, then
	// deletes the resource.
	SnapshotDelete Verb = "snapshot-then-delete"
)

// MarkTag holds when a marked resource may be deleted: "delete@2026-12-20"
// (a UTC date). MarkedByTag holds the policies whose findings marked it.
const (
	MarkTag     = "steward:marked-for"
	MarkedByTag = "steward:marked-by"
	// SnapshotOfTag is set on a snapshot steward takes before a delete: the
	// change it was taken for.
	SnapshotOfTag = "steward:snapshot-for"
)

// DefaultGraceDays is how long a marked resource waits before a delete.
const DefaultGraceDays = guard.DefaultGraceDays

// Resource types mark-then-delete acts on.
const (
	TypeVolume            = "AWS::EC2::Volume"
	TypeEIP               = "AWS::EC2::EIP"
	TypeEBSSnapshot       = "AWS::EC2::Snapshot"
	TypeDBSnapshot        = "AWS::RDS::DBSnapshot"
	TypeDBClusterSnapshot = "AWS::RDS::DBClusterSnapshot"
	TypeLoadBalancer      = "AWS::ElasticLoadBalancingV2::LoadBalancer"
)

// CleanupTypes are the types steward can mark and delete, in delete
// order: what uses others before what it uses (a load balancer before
// the addresses and volumes of its instances, a database and a volume
// before snapshots).
var CleanupTypes = []string{TypeLoadBalancer, TypeClassicLoadBalancer, TypeDBInstance, TypeVolume, TypeEIP, TypeEBSSnapshot, TypeDBSnapshot, TypeDBClusterSnapshot}

// snapshotTypes are the types steward can snapshot before a delete.
var snapshotTypes = []string{TypeVolume, TypeDBInstance}

// CanSnapshot says whether steward can snapshot a resource of typ before
// deleting it.
func CanSnapshot(typ string) bool { return slices.Contains(snapshotTypes, typ) }

// CanClean says whether steward can mark and delete a resource of typ.
func CanClean(typ string) bool { return slices.Contains(CleanupTypes, typ) }

func isCleanupVerb(v Verb) bool {
	return v == Mark || v == Unmark || v == Delete || v == SnapshotDelete
}

func isDelete(v Verb) bool { return v == Delete || v == SnapshotDelete }

// verbAllowed says whether a plan may hold v on a resource of typ.
func verbAllowed(typ string, v Verb) bool {
	switch {
	case v == Stop || v == Start:
		return slices.Contains(Types, typ)
	case v == SnapshotDelete:
		return CanSnapshot(typ)
	case isCleanupVerb(v):
		return CanClean(typ)
	}
	return false
}

// Cleaner is a target that also marks, unmarks and deletes resources of
// its type.
type Cleaner interface {
	Target
	// Make makes c (mark, unmark, delete, snapshot-then-delete) and
	// returns the values it replaced. A mark or unmark sets the tags of
	// c.After, removing those whose value is empty. A snapshot-then-delete
	// returns the snapshot's id under "snapshot" even when the delete
	// fails after it.
	Make(ctx context.Context, c Change) (previous map[string]string, err error)
}

// markState is what a change records and compares of a resource: its
// state, and for mark-then-delete also its mark tags, so a delete is
// refused when the mark was removed or changed since the plan.
func markState(v Verb, o Observed) map[string]string {
	if !isCleanupVerb(v) {
		return o.State
	}
	s := maps.Clone(o.State)
	if s == nil {
		s = map[string]string{}
	}
	for _, k := range []string{MarkTag, MarkedByTag} {
		if val, ok := o.Tags[k]; ok {
			s["tag:"+k] = val
		}
	}
	return s
}

// markValues are the mark tags of a resource, "" for an absent one.
func markValues(tags map[string]string) map[string]string {
	return map[string]string{MarkTag: tags[MarkTag], MarkedByTag: tags[MarkedByTag]}
}

// ParseMark reads a MarkTag value: delete@YYYY-MM-DD, the first instant
// (UTC) the resource may be deleted.
func ParseMark(s string) (time.Time, error) {
	d, ok := strings.CutPrefix(strings.TrimSpace(s), "delete@")
	if !ok {
		return time.Time{}, fmt.Errorf("tag %s=%q: want delete@YYYY-MM-DD", MarkTag, s)
	}
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return time.Time{}, fmt.Errorf("tag %s=%q: want delete@YYYY-MM-DD", MarkTag, s)
	}
	return t, nil
}

// markValue is the MarkTag value for a resource marked at at with grace
// days: the UTC day grace days after at's day.
func markValue(at time.Time, grace int) string {
	d := at.UTC().Truncate(24*time.Hour).AddDate(0, 0, grace)
	return "delete@" + d.Format(time.DateOnly)
}

// Match is one finding of a policy that marks: the resource it flags,
// the policy, and whether the policy wants a snapshot before the delete.
type Match struct {
	ARN      string
	Policy   string
	Snapshot bool
}

// CleanupInput is what a mark-then-delete plan is made from.
type CleanupInput struct {
	// Resources are the latest scan's inventory.
	Resources []inventory.Resource
	// Matches are that scan's findings of policies that mark.
	Matches []Match
	// Scanned is when that scan was made: a delete needs a scan on or
	// after the mark's day to confirm the resource still matches.
	Scanned time.Time
	// Coverage is that scan's coverage: a delete waits while the scan
	// could not read the resource's service in its account and region,
	// since a finding there may rest on a half-read estate.
	Coverage []inventory.Coverage
	// At is the instant the plan is made for (marks count from it).
	At time.Time
	// GraceDays is how long a mark waits; 0 means DefaultGraceDays.
	GraceDays int
	Lang      i18n.Lang
}

// PlanCleanup plans mark-then-delete from the latest scan: a mark for a
// flagged resource not yet marked; a delete (or snapshot-then-delete,
// when a policy asks for one) for a marked resource whose day has passed
// and which the scan still flags; an unmark for a marked resource no
// longer flagged. Excluded resources are left alone. It only reads.
func (e *Engine) PlanCleanup(ctx context.Context, in CleanupInput) (*Plan, error) {
	now := e.Now()
	grace := in.GraceDays
	if grace <= 0 {
		grace = DefaultGraceDays
	}
	l := in.Lang
	p := &Plan{Format: planFormat, ID: newID("p", now), Created: now, AsOf: in.At, Changes: []Change{}}
	type hit struct {
		policies []string
		snapshot bool
	}
	hits := map[string]*hit{}
	for _, m := range in.Matches {
		h := hits[m.ARN]
		if h == nil {
			h = &hit{}
			hits[m.ARN] = h
		}
		if !slices.Contains(h.policies, m.Policy) {
			h.policies = append(h.policies, m.Policy)
		}
		h.snapshot = h.snapshot || m.Snapshot
	}
	for _, r := range in.Resources {
		h, flagged := hits[r.ARN]
		if !flagged && r.Tags.Value(MarkTag) == "" {
			continue
		}
		// A volume or an address often has no Name tag: its id is what people know.
		ref := Ref{ARN: r.ARN, Type: r.Type, Name: cmp.Or(r.Name, r.ID), AccountID: r.Account}
		skip := func(reason string) { p.Skipped = append(p.Skipped, Skip{Ref: ref, Reason: reason}) }
		if !CanClean(r.Type) {
			skip(l.T("cleanup.skip.type", r.Type))
			continue
		}
		t, err := e.target(ref)
		if err != nil {
			skip(err.Error())
			continue
		}
		cl, ok := t.(Cleaner)
		if !ok {
			skip(l.T("cleanup.skip.type", r.Type))
			continue
		}
		o, err := cl.Observe(ctx, ref)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			skip(l.T("cleanup.skip.read", err.Error()))
			continue
		}
		if why := e.Exclude.Excluded(ref, o.Tags); why.Key != "" {
			skip(why.In(in.Lang))
			continue
		}
		mark, marked := o.Tags[MarkTag]
		add := func(v Verb, after map[string]string, why string) {
			p.Changes = append(p.Changes, Change{Ref: ref, Action: v, Before: beforeOf(v, o), After: after, Why: why, Recorded: markState(v, o)})
		}
		switch {
		case !flagged && marked:
			add(Unmark, map[string]string{MarkTag: "", MarkedByTag: ""}, l.T("cleanup.why.unmark", o.Tags[MarkedByTag]))
			continue
		case !flagged:
			continue // marked in the scan, unmarked since
		}
		slices.Sort(h.policies)
		by := strings.Join(h.policies, " ")
		if !marked {
			if o.Skip.Key != "" {
				skip(o.Skip.In(in.Lang))
				continue
			}
			v := markValue(in.At, grace)
			add(Mark, map[string]string{MarkTag: v, MarkedByTag: by}, l.T("cleanup.why.mark", by, strings.TrimPrefix(v, "delete@"), grace))
			continue
		}
		due, err := ParseMark(mark)
		switch {
		case err != nil:
			skip(l.T("cleanup.skip.badmark", err.Error()))
			continue
		case in.At.Before(due):
			skip(l.T("cleanup.skip.grace", due.Format(time.DateOnly), int(due.Sub(in.At).Hours()/24)+1))
			continue
		case in.Scanned.Before(due):
			skip(l.T("cleanup.skip.stale", due.Format(time.DateOnly), in.Scanned.UTC().Format(time.RFC3339)))
			continue
		case o.Skip.Key != "":
			skip(o.Skip.In(in.Lang))
			continue
		}
		if g, ok := gap(in.Coverage, r); ok {
			skip(l.T("cleanup.skip.gap", g.Service, g.Account, g.Region, g.Error))
			continue
		}
		v := Delete
		if h.snapshot {
			if !CanSnapshot(r.Type) {
				skip(l.T("cleanup.skip.nosnapshot", by, r.Type))
				continue
			}
			v = SnapshotDelete
		}
		after := cl.After(o, v)
		if r.Type == TypeDBInstance {
			after = map[string]string{"status": "deleted"}
		}
		add(v, after, l.T("cleanup.why.delete", due.Format(time.DateOnly), by))
	}
	orderCleanup(p.Changes)
	for i := range p.Changes {
		c := &p.Changes[i]
		c.ID = fmt.Sprintf("%s.%d", p.ID, i+1)
		if c.Action == SnapshotDelete {
			c.After["snapshot"] = snapshotName(c.Ref, c.ID)
		}
	}
	return p, nil
}

// coverageService is the scan's coverage name of the service that reads
// each type mark-then-delete acts on.
var coverageService = map[string]string{
	TypeVolume: "ec2", TypeEIP: "ec2", TypeEBSSnapshot: "ec2",
	TypeDBInstance: "rds", TypeDBSnapshot: "rds", TypeDBClusterSnapshot: "rds",
	TypeLoadBalancer: "elasticloadbalancingv2", TypeClassicLoadBalancer: "elasticloadbalancing",
}

// gap returns the coverage row that failed for r's service, account and
// region, if one did.
func gap(cov []inventory.Coverage, r inventory.Resource) (inventory.Coverage, bool) {
	for _, c := range cov {
		if !c.OK && c.Service == coverageService[r.Type] && c.Account == r.Account && c.Region == r.Region {
			return c, true
		}
	}
	return inventory.Coverage{}, false
}

// beforeOf is what a change shows as before: the mark tags for a mark or
// unmark, the state for a delete.
func beforeOf(v Verb, o Observed) map[string]string {
	if v == Mark || v == Unmark {
		return markValues(o.Tags)
	}
	return maps.Clone(o.State)
}

// orderCleanup sorts changes: unmarks, then marks, then deletes in
// dependency order (CleanupTypes).
func orderCleanup(cs []Change) {
	rank := func(c Change) int {
		switch c.Action {
		case Unmark:
			return 0
		case Mark:
			return 1
		}
		return 2 + slices.Index(CleanupTypes, c.Type)
	}
	slices.SortStableFunc(cs, func(a, b Change) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a.ARN, b.ARN)
	})
}

// snapshotName names the snapshot taken before a delete after the change,
// so the plan and the journal intent hold it before it exists. RDS wants
// letters, digits and single hyphens, starting with a letter.
func snapshotName(r Ref, changeID string) string {
	var b strings.Builder
	b.WriteString("steward-")
	last := byte('-')
	for _, c := range []byte(strings.ToLower(resourceID(r) + "-" + changeID)) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		switch {
		case ok:
			b.WriteByte(c)
			last = c
		case last != '-':
			b.WriteByte('-')
			last = '-'
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 255 {
		s = strings.TrimRight(s[:255], "-")
	}
	return s
}

// resourceID is the last part of the resource's ARN.
func resourceID(r Ref) string {
	_, _, res, err := r.arnParts()
	if err != nil {
		return ""
	}
	if i := strings.LastIndexAny(res, "/:"); i >= 0 {
		return res[i+1:]
	}
	return res
}

// setTags applies the tag values of after: set the non-empty ones,
// remove the empty ones.
func splitTags(after map[string]string) (set map[string]string, remove []string) {
	set = map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if after[k] == "" {
			remove = append(remove, k)
		} else {
			set[k] = after[k]
		}
	}
	return set, remove
}

// DeleteNotReversible is undo's answer for a delete: it cannot be
// undone; Snapshot, when one was taken first, holds the data and Restore
// says how to make the resource again from it.
type DeleteNotReversible struct {
	ChangeID, Name    string
	Snapshot, Restore string
}

func (e *DeleteNotReversible) Error() string {
	if e.Snapshot == "" {
		return fmt.Sprintf("change %s deleted %s: a delete cannot be undone and no snapshot was taken", e.ChangeID, e.Name)
	}
	return fmt.Sprintf("change %s deleted %s: a delete cannot be undone; snapshot %s holds its data: %s", e.ChangeID, e.Name, e.Snapshot, e.Restore)
}

func (e *DeleteNotReversible) Unwrap() error { return ErrNotReversible }

// notReversible is undo's answer for a change it cannot reverse.
func notReversible(en store.JournalEntry) error {
	if !isDelete(Verb(en.Action)) {
		return i18n.Say("action.err.undo.kind", en.ID, en.Action).ErrOf(ErrNotReversible)
	}
	e := &DeleteNotReversible{ChangeID: en.ID, Name: nameOr(Ref{ARN: en.ARN, Name: en.Name}), Snapshot: en.Previous["snapshot"]}
	if e.Snapshot != "" {
		e.Restore = restoreHint(en.Type, e.Snapshot, en.Previous)
	}
	return e
}

// restoreHint says how to make a resource again from the snapshot taken
// before it was deleted.
func restoreHint(typ, snap string, prev map[string]string) string {
	switch typ {
	case TypeVolume:
		az := prev["availability_zone"]
		if az == "" {
			az = "ZONE"
		}
		return fmt.Sprintf("aws ec2 create-volume --snapshot-id %s --availability-zone %s", snap, az)
	case TypeDBInstance:
		id := prev["id"]
		if id == "" {
			id = "NAME"
		}
		return fmt.Sprintf("aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier %s --db-instance-identifier %s", snap, id)
	}
	return "restore it from the snapshot"
}

// errNotCleaner is a mark or delete on a target that cannot make one.
var errNotCleaner = errors.New("steward cannot mark or delete this type")

// makeChange makes c with t: stop and start through Apply, the verbs of
// mark-then-delete through Make.
func makeChange(ctx context.Context, t Target, c Change) (map[string]string, error) {
	if !isCleanupVerb(c.Action) {
		return t.Apply(ctx, c.Ref, c.Action)
	}
	cl, ok := t.(Cleaner)
	if !ok {
		return nil, fmt.Errorf("%s %s: %w", c.Action, c.Type, errNotCleaner)
	}
	return cl.Make(ctx, c)
}

// noStopStart is the Apply of a target that only marks and deletes.
func noStopStart(r Ref, v Verb) error {
	return fmt.Errorf("%s: steward cannot %s a %s", nameOr(r), v, r.Type)
}

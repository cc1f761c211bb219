// Package action owns the changes steward makes to resources: a [Plan] is
// the exact list of changes (resource, action, before -> after, why, and
// the state of the resource it was made from); an [Engine] checks a plan
// against the resources as they are now, refuses it when one changed,
// journals every change before making it and after, and undoes a change
// from its journal entry. One file per target type holds how that type is
// stopped and started, or marked and deleted (the *_cleanup.go files),
// with the SDK calls behind a small interface.
//
// Mark-then-delete (cleanup.go) plans from a scan's findings, given as
// plain matches: a mark tag with the day a resource may be deleted, the
// delete once that day has passed and a scan made since still flags it
// (a snapshot first, waited for, where asked), an unmark when it is no
// longer flagged.
//
// A schedule plan honours the timed overrides in force (package schedule
// holds them, the store keeps them) and the bastion's lease: the bastion
// ECS service is off unless a lease holds it on, so the first run after
// a lease ends scales it back to 0. Stops go services, workers, the
// EventBridge rules of scheduled tasks, then databases; starts the other
// way round.
//
// Planning only reads: every target's Observe makes read calls only, so a
// dry run never changes anything. Exclusions (the steward:protect=true tag
// and policies.actions.exclude) are checked when planning and again, on the
// resource as it is then, when applying.
//
// It knows schedules (package schedule), the store's journal and the AWS
// SDK, and nothing of the command line, policies or reports.
package action

// Package env owns environments and their leases. An environment is a
// named set of resources (by its env tag, by system, or listed in
// steward.yaml's environments:); a lease says who uses one, for what and
// until when, with the full history of who held it.
//
// It decides: whether a claim is refused, stolen or granted, when a lease
// has ended by itself, which reminders are due, what state an environment
// is in from an inventory and the schedules, what a schedule run should
// do with a leased or idle environment, and how two environments differ.
// It knows nothing of SQL, the CLI or how a notice is delivered: the store
// implements Store and the caller implements Notifier.
package env

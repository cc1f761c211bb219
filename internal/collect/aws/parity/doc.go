// Package parity holds the end-to-end check that a live AWS scan and the
// demo agree: the demo estate is served over HTTP by awsfake, scanned by
// the aws collector, evaluated with the built-in policies, and compared
// finding for finding with the demo's own evaluation. It has no code of
// its own; it lives apart from package aws so that the collector's unit
// tests do not depend on the policy engine.
package parity

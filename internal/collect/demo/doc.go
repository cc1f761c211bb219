// Package demo owns steward's demo estate: a deterministic, synthetic AWS
// estate of a messy startup (three accounts, mostly Tokyo, five systems,
// ten QA environments) that exhibits every problem steward's built-in
// policies look for, mixed with many clean resources. It is what
// `steward scan --source demo` reads, what policy tests and the end-to-end
// test assert against (Problems says which ARN has which problem), and,
// through Generate, the synthetic estate of any size that benchmarks use.
//
// Delivery is the matching delivery history (deployments from three
// tools, main-branch commits, merged pull requests, incidents) that
// `steward dora` shows after `steward demo`.
//
// It builds inventory resources and delivery records only, following the attrs contract in
// internal/inventory/types.go exactly, and prices them with
// internal/pricing. It must not know about the AWS SDK, policies, the store
// or reports.
package demo

// Package policy owns steward's policy-as-code: loading policy packs written
// in YAML with CEL expressions, compiling them once, evaluating them over an
// inventory in parallel, resolving who owns each finding, and the built-in
// packs embedded in the binary with their fixture tests.
//
// Evaluation is built to cost little per resource: each worker reuses one
// CEL activation and frame, a resource's fields are boxed and its helper
// results (tags, prices, relations) computed once for all its policies,
// params are folded into the expressions at compile time, and messages are
// rendered only for matches. A match's message is rendered in English and
// in every other language the policy has a text in (finding.Messages), each
// value evaluated once and shown in each, so that a reader of any language
// reads it whatever language the scan ran under. A benchmark build (tag gorules) adds
// CompileGo, which runs hand-written Go functions through the same
// evaluation, so that CEL is held against Go with everything around the
// rules shared; steward itself is built without it.
//
// policy knows resources, not AWS SDK types: everything a policy can read
// comes from inventory.Resource and the attribute contract in
// inventory/types.go. It knows nothing of collectors, the store or reports.
package policy

import _ "cel.dev/cel-go/cel"

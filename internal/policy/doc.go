// Package policy owns steward's policy-as-code: loading policy packs written
// in YAML with CEL expressions, compiling them once, evaluating them over an
// inventory in parallel, resolving who owns each finding, and the built-in
// packs embedded in the binary with their fixture tests.
//
// policy knows resources, not AWS SDK types: everything a policy can read
// comes from inventory.Resource and the attribute contract in
// inventory/types.go. It knows nothing of collectors, the store or reports.
package policy

import _ "cel.dev/cel-go/cel"

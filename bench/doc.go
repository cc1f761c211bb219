// Package bench measures the policy engine: the built-in packs evaluated by
// CEL over synthetic estates of 100k and 1M resources, against the same
// rules written by hand as plain Go functions over the same data. Both run
// through the same engine (policy.CompileGo), so owners, waste in currency,
// messages and sorting are shared and only the rules differ; a test holds
// the two to identical findings. The hand-written rules and CompileGo are
// built only with the tag gorules (go test -tags gorules ./bench/...), so
// steward itself never carries them; a built-in policy without a Go twin is
// left out of the comparison and named. It owns only measurements. See
// README.md for the commands and the numbers.
package bench

// Package bench measures the policy engine: the built-in packs evaluated by
// CEL over synthetic estates of 100k and 1M resources, against the same
// rules written by hand as plain Go functions over the same data. It owns
// only measurements; the rules it repeats in Go are checked to agree with
// the packs, so the comparison is of like with like.
package bench

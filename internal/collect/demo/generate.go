package demo

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// Generate is a synthetic estate of exactly n resources for benchmarks: as
// many copies of the demo estate as it takes, each in its own three
// accounts (400000000000 upwards), cut at n. Every copy has the demo's mix
// of types and problems; seed jitters ages (upwards, so every threshold the
// problems rely on still holds) and sizes. The resources are in dependency
// order, so even the cut copy has every relation target it points at.
// The same n, seed and now give the same estate.
func Generate(n int, seed int64, now time.Time) []inventory.Resource {
	if n <= 0 {
		return nil
	}
	b := &builder{
		now: now,
		rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)),
		in:  new(inventory.Interner),
		// One copy more than n, so the last copy never regrows the slice.
		res: make([]inventory.Resource, 0, n+copySize),
	}
	for copyN := 0; len(b.res) < n; copyN++ {
		base := 400000000000 + int64(copyN)*3
		b.bucketSuffix = "-" + strconv.Itoa(copyN)
		b.estate(accountSet{
			dev:  strconv.FormatInt(base, 10),
			stg:  strconv.FormatInt(base+1, 10),
			prod: strconv.FormatInt(base+2, 10),
		})
	}
	clear(b.res[n:])
	rs := b.res[:n:n]
	b.in.Compact(rs)
	return rs
}

// copySize bounds the resources of one copy of the demo estate.
const copySize = 1024

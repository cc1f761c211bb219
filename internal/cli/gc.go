package cli

import (
	"runtime/debug"
)

// The collector's settings for the commands that stream a whole bill.
// Ingest holds a bounded working set (the rollups of one run, the
// store's page cache): collecting less often saves a tenth of its CPU,
// and the soft limit keeps its peak memory down (200 MiB: a
// resource-level ingest lives in about 80 MB of heap, and SQLite's cache
// and the binary take some 180 MB more of the process's memory). A report
// allocates a block at a time over a small live heap, so it can let the
// heap grow further between collections.
//
// A scan holds the whole estate and its findings, so its live heap grows
// with the estate (about 1.5 GB at a million resources while the scan is
// saved) and the collector's default lets the heap grow to twice that
// before it collects. Its soft limit, 2 GiB, is above what a million
// resources keep live and below that doubling: smaller scans run as
// before, a larger one collects earlier instead (at 1M: peak RSS 2.2 GB
// instead of 3.1 GB for 12% more CPU; a limit of 1.5 GiB, under what is
// live, made the collector run all the time: 2.0 GB for 67% more CPU).
const (
	ingestGCPercent  = 300
	ingestMemLimit   = 200 << 20
	reportGCPercent  = 400
	scanGCPercent    = 100
	scanMemLimit     = 2 << 30
	noMemLimitChange = -1
)

// tuneGC sets the collector's percent and soft memory limit for this
// process unless GOGC or GOMEMLIMIT says otherwise (getenv reads the
// process's environment, which the runtime read them from) (each is left alone
// when its variable is set); a negative limit leaves the limit alone. It
// returns a function that puts back what was there before.
func tuneGC(getenv func(string) string, percent int, limit int64) (undo func()) {
	oldPercent, oldLimit := -2, int64(-1)
	if getenv("GOGC") == "" {
		oldPercent = debug.SetGCPercent(percent)
	}
	if limit >= 0 && getenv("GOMEMLIMIT") == "" {
		oldLimit = debug.SetMemoryLimit(limit)
	}
	return func() {
		if oldPercent != -2 {
			debug.SetGCPercent(oldPercent)
		}
		if oldLimit >= 0 {
			debug.SetMemoryLimit(oldLimit)
		}
	}
}

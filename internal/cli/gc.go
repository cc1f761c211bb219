package cli

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
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
// with the estate (at a million resources about 1.1 GB at its peak, while
// the findings are saved) and the collector's default lets the heap grow
// to twice that before it collects. Its soft limit, 2 GiB, is above what
// a million resources keep live and below that doubling: smaller scans run
// as before, a larger one collects earlier instead (at 1M: peak RSS 2.3 GB
// instead of 3.1 GB for 12% more CPU). A lower limit costs more than it
// saves while a million resources keep 1.0-1.2 GB live: 1.5 GiB held a 1M
// scan to 1.8 GB of RSS but collected twice as often, for 60% more CPU
// (bench/README.md). A scan whose live heap comes near the limit (an
// estate larger than a million resources) has it raised to a third above
// what it keeps live (followLive), so that it collects when its heap grew
// by a third rather than all the time.
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

// liveHeadroom is how far above the live heap followLive keeps the soft
// limit: a third of it.
const liveHeadroom = 3

// limitFor is the soft limit for a live heap: base, or a third above
// live when that is more.
func limitFor(base int64, live uint64) int64 {
	return max(base, int64(live+live/liveHeadroom))
}

// followLive raises the soft memory limit, checked every so often, to
// limitFor(base, the live heap after the last collection) whenever that
// is above the limit it set; it never lowers it. stop ends it; the limit
// stays as it was raised (tuneGC's undo puts back the one before).
func followLive(base int64, every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(every)
		defer t.Stop()
		set := base
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				continue
			}
			if want := limitFor(base, sample[0].Value.Uint64()); want > set {
				debug.SetMemoryLimit(want)
				set = want
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

//go:build unix

package store_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the test process has used. On a
// shared machine it measures the work done, where wall time also measures
// the neighbours.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

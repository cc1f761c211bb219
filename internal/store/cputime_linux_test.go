//go:build linux

package store_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// postgresCPUTime is the CPU time (user + system) used so far by the
// processes named postgres on this machine: the server's side of a save,
// which the test process's own CPU time leaves out. Other clients of the
// same server count too, so it is read around one operation at a time.
func postgresCPUTime() (time.Duration, bool) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return 0, false
	}
	var ticks int64
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		// After the name: state is field 3, utime and stime fields 14, 15.
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		u, err1 := strconv.ParseInt(f[11], 10, 64)
		st, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 == nil && err2 == nil {
			ticks += u + st
		}
	}
	// Linux reports in USER_HZ, 100 per second on every architecture Go runs on.
	return time.Duration(ticks) * (time.Second / 100), true
}

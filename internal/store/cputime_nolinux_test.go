//go:build !linux

package store_test

import "time"

func postgresCPUTime() (time.Duration, bool) { return 0, false }

package store

import (
	"runtime"
	"strings"
	"sync"
)

// chunkRows is how many rows one multi-row statement writes or looks up.
// A statement per row costs a round trip through database/sql and the
// driver each; a statement per few hundred rows makes that cost vanish,
// while staying far below either backend's limit on parameters (SQLite
// 32766, PostgreSQL 65535) for the widest row the store writes.
const chunkRows = 500

// values is the VALUES list of a multi-row statement: rows groups of cols
// placeholders, "(?, ?), (?, ?)".
func values(rows, cols int) string {
	group := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(group+", ", rows-1) + group
}

// list is an IN list of n placeholders, "?, ?, ?".
func list(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}

// chunks calls fn with the bounds of consecutive pieces of at most size
// items out of n, stopping at the first error.
func chunks(n, size int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += size {
		if err := fn(lo, min(lo+size, n)); err != nil {
			return err
		}
	}
	return nil
}

// parallel runs fn over [0, n) split between the CPUs: the content hashes
// and bodies of a big scan are pure CPU work, independent per resource.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/1024, 1))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}

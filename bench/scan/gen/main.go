// Command gen writes a saved scan file (the format `steward scan --source
// file:PATH` reads) of n synthetic resources, copies of the demo estate
// (demo.Generate), for the end-to-end scan benchmark. With -change P it
// writes the same estate with P percent of the resources changed (a tag
// value moved on), spread evenly over it: the next day's scan.
//
//	go run ./bench/scan/gen -resources 1000000 -o /tmp/estate.jsonl
//	go run ./bench/scan/gen -resources 1000000 -change 1 -o /tmp/estate2.jsonl
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/collect/snapshot"
	"github.com/steward-sre/steward/internal/inventory"
)

func main() {
	out := flag.String("o", "", "scan file to write (.gz to gzip it)")
	n := flag.Int("resources", 1_000_000, "resources in the estate")
	change := flag.Float64("change", 0, "percent of the resources changed (0-100)")
	flag.Parse()
	if *out == "" {
		log.Fatal("gen: -o is required")
	}
	if *n <= 0 || *change < 0 || *change > 100 {
		log.Fatal("gen: -resources must be positive and -change between 0 and 100")
	}
	// A fixed time: the same flags give the same file, so two files differ
	// only by -change.
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	rs := demo.Generate(*n, 1, now)
	changed := 0
	if *change > 0 {
		every := int(100 / *change)
		for i := 0; i < len(rs); i += max(every, 1) {
			tags := make(map[string]string, rs[i].Tags.Len()+1)
			for k, v := range rs[i].Tags.All() {
				tags[k] = v
			}
			tags["bench-rev"] = "2"
			rs[i].Tags = inventory.TagsOf(tags)
			changed++
		}
	}
	sc := &inventory.Scan{ID: fmt.Sprintf("gen-%d-%g", *n, *change), Source: "bench", Started: now, Finished: now.Add(time.Minute)}
	cov := map[[2]string]int{}
	for _, r := range rs {
		cov[[2]string{r.Account, r.Region}]++
	}
	for k, c := range cov {
		sc.Coverage = append(sc.Coverage, inventory.Coverage{Account: k[0], Region: k[1], Service: "all", OK: true, Resources: c})
	}
	inventory.SortCoverage(sc.Coverage)
	if err := snapshot.WriteFile(*out, sc, rs); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s: %d resources (%d changed) in %s\n", *out, len(rs), changed, time.Since(start).Round(time.Millisecond))
}

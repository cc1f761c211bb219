// Command seed writes a SQLite store for the dashboard's latency benchmark:
// one scan of n resources (copies of the demo estate, demo.Generate) with
// m findings spread over them, saved through the store API as a real scan
// is. STORE may be a PostgreSQL DSN too. Every fourth resource is unmanaged by IaC and the rest managed, so
// the coverage figures have work to do.
//
//	go run ./bench/serve/seed -store /tmp/serve-bench.db -resources 1000000 -findings 200000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

func main() {
	path := flag.String("store", "", "SQLite file to create (must not exist), or a PostgreSQL DSN")
	ifEmpty := flag.Bool("if-empty", false, "seed only when the store has no scan yet (for a PostgreSQL DSN)")
	nres := flag.Int("resources", 1_000_000, "resources in the scan")
	nfind := flag.Int("findings", 200_000, "findings in the scan")
	flag.Parse()
	if *path == "" {
		log.Fatal("seed: -store is required")
	}
	if _, err := os.Stat(*path); err == nil {
		log.Fatalf("seed: %s exists; remove it or reuse it", *path)
	}
	if *ifEmpty {
		st, err := store.Open(context.Background(), *path, nil)
		if err != nil {
			log.Fatal(err)
		}
		sc, err := st.LatestScan(context.Background())
		st.Close()
		switch {
		case err == nil:
			fmt.Fprintf(os.Stderr, "seed: the store has scan %s already: kept\n", sc.ID)
			return
		case !errors.Is(err, store.ErrNotFound):
			log.Fatal(err)
		}
	}
	if err := seed(context.Background(), *path, *nres, *nfind); err != nil {
		log.Fatal(err)
	}
}

// policies are what the synthetic findings say: a spread of severities and
// categories like a real estate's.
var policies = []struct {
	id, title string
	sev       finding.Severity
	cat       finding.Category
	waste     float64
}{
	{"s3-public", "S3 bucket public", finding.Critical, finding.Security, 0},
	{"rds-unencrypted", "RDS storage not encrypted", finding.High, finding.Security, 0},
	{"sg-open-ssh", "Security group open to the world on SSH", finding.High, finding.Security, 0},
	{"ebs-unattached", "EBS volume not attached", finding.Medium, finding.Waste, 8},
	{"ec2-stopped-long", "Instance stopped for 30 days", finding.Low, finding.Idle, 12.5},
	{"tag-owner-missing", "No owner tag", finding.Low, finding.Tagging, 0},
	{"name-rule", "Name breaks the naming rule", finding.Low, finding.Naming, 0},
	{"gp2-volume", "gp2 volume (gp3 is cheaper)", finding.Medium, finding.Cost, 1.6},
	{"iac-unmanaged", "Not managed by IaC", finding.Info, finding.IaC, 0},
	{"logs-no-retention", "Log group keeps logs forever", finding.Medium, finding.Waste, 3.2},
}

func seed(ctx context.Context, path string, nres, nfind int) error {
	now := time.Now().UTC().Truncate(time.Second)
	start := time.Now()
	rs := demo.Generate(nres, 1, now)
	for i := range rs {
		if i%4 == 0 {
			rs[i].SetManagedBy(inventory.ManagedBy{Kind: "none"})
		} else {
			rs[i].SetManagedBy(inventory.ManagedBy{Kind: "terraform", Ref: fmt.Sprintf("module.m%d.aws_x.r%d", i%50, i), Source: "s3://states/bench.tfstate"})
		}
	}
	fmt.Fprintf(os.Stderr, "generated %d resources in %s\n", len(rs), time.Since(start).Round(time.Millisecond))
	// A prime stride walks the resources without repeating one before
	// it has seen them all, so every (policy, ARN) is distinct.
	fs := make([]finding.Finding, 0, nfind)
	for i := range nfind {
		r := &rs[(i*7919)%len(rs)]
		p := policies[i%len(policies)]
		owner, _ := r.Tag("owner")
		system, _ := r.Tag("system")
		env, _ := r.Tag("env")
		fs = append(fs, finding.Finding{
			Policy: p.id, Title: p.title, Category: p.cat, Severity: p.sev,
			ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, Name: r.Name,
			Owner: owner, System: system, Env: env, OwnerSource: "tag",
			MonthlyWaste: p.waste, Currency: "USD", Rate: 1,
			Message: fmt.Sprintf("%s: %s", r.Name, p.title),
		})
	}
	st, err := store.Open(ctx, path, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	cov := map[[2]string]int{}
	for _, r := range rs {
		cov[[2]string{r.Account, r.Region}]++
	}
	sc := &inventory.Scan{ID: "bench-" + now.Format("20060102T150405Z"), Source: "bench", Started: now, Finished: now.Add(time.Minute), Resources: len(rs), Currency: "USD", Rate: 1}
	for k, n := range cov {
		sc.Coverage = append(sc.Coverage, inventory.Coverage{Account: k[0], Region: k[1], Service: "all", OK: true, Resources: n})
	}
	start = time.Now()
	if _, err := st.SaveScan(ctx, sc, rs, fs); err != nil {
		return fmt.Errorf("save scan: %w", err)
	}
	fmt.Fprintf(os.Stderr, "saved scan %s: %d resources, %d findings in %s\n", sc.ID, len(rs), len(fs), time.Since(start).Round(time.Millisecond))
	return nil
}

// Command costbench writes the synthetic bills of the end-to-end ingest
// comparison and runs DuckDB's side of it (e2e.sh runs both sides):
//
//	costbench gen -wide -lines 1000000 -o cur.csv
//	costbench duck -db rollups.duckdb cur.csv
//
// duck does end to end what `steward cost ingest` does: it reads the CSV,
// groups the lines by day x account x region x service x usage type x
// resource x tags x charge kind x currency, sums the costs as exact
// decimals, counts the lines, and writes the rollups as a table to a
// database file, which is checkpointed to disk before it exits.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/steward-sre/steward/internal/cost/bill"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "costbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: costbench gen|duck ...")
	}
	switch args[0] {
	case "gen":
		return gen(args[1:])
	case "duck":
		return duck(ctx, args[1:])
	}
	return fmt.Errorf("unknown command %q (want gen or duck)", args[0])
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	lines := fs.Int("lines", 1_000_000, "usage lines")
	wide := fs.Bool("wide", false, "resource granularity: every line its own rollup (else 15,000 rollups)")
	out := fs.String("o", "", "file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("gen: -o is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	write := bill.WriteSyntheticCUR
	if *wide {
		write = bill.WriteSyntheticCURWide
	}
	if err := write(f, *lines); err != nil {
		f.Close()
		return fmt.Errorf("gen: %w", err)
	}
	return f.Close()
}

func duck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("duck", flag.ContinueOnError)
	dbPath := fs.String("db", "", "DuckDB database file to write (replaced)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbPath == "" || fs.NArg() != 1 {
		return errors.New("duck: want -db FILE and one CSV")
	}
	csv := fs.Arg(0)
	for _, p := range []string{*dbPath, *dbPath + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	db, err := sql.Open("duckdb", *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	q := `CREATE TABLE rollups AS SELECT CAST("lineItem/UsageStartDate"[1:10] AS DATE) AS day,
		"lineItem/UsageAccountId" AS account, "product/regionCode" AS region, "lineItem/ProductCode" AS service,
		"lineItem/UsageType" AS usage_type, "lineItem/ResourceId" AS resource,
		"resourceTags/user:system" AS system, "resourceTags/user:env" AS env, "resourceTags/user:owner" AS owner,
		"lineItem/LineItemType" AS kind, "lineItem/CurrencyCode" AS currency,
		SUM(CAST("lineItem/UnblendedCost" AS DECIMAL(38,15))) AS billed, COUNT(*) AS lines
		FROM read_csv('` + strings.ReplaceAll(csv, "'", "''") + `', header=true, all_varchar=true) GROUP BY ALL`
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("duck: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("duck: checkpoint: %w", err)
	}
	var n, lines int64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), SUM(lines) FROM rollups`).Scan(&n, &lines); err != nil {
		return fmt.Errorf("duck: %w", err)
	}
	fmt.Printf("duckdb: %d lines, stored %d daily rollups in %s\n", lines, n, *dbPath)
	return nil
}

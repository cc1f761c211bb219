package costdb

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/costtest"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/pgtest"
	"github.com/steward-sre/steward/internal/store/sqldb"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// backends open a new, empty store (as steward does) and return its
// database, where the cost tables live; pgtest skips PostgreSQL loudly when
// no server is given.
var backends = map[string]func(t *testing.T) string{
	"sqlite":   func(t *testing.T) string { return storetest.EmptySQLite(t, t.TempDir(), "steward.db") },
	"postgres": func(t *testing.T) string { return pgtest.DSN(t) },
}

func openDB(t *testing.T, dsn string) *sqldb.DB {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.(store.SQLDatabase).SQLDB()
}

func forEachBackend(t *testing.T, fn func(t *testing.T, newDSN func(t *testing.T) string)) {
	for name, newDSN := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newDSN)
		})
	}
}

func TestConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		costtest.Run(t, func(t *testing.T) cost.RollupStore {
			st, err := Open(context.Background(), openDB(t, newDSN(t)))
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}

// TestSharesTheDatabase opens the cost tables twice (a second steward run)
// in a store's database: migrations run once and touch only cost_* tables,
// and a cost schema newer than this steward's is refused.
func TestSharesTheDatabase(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		ctx := context.Background()
		db := openDB(t, newDSN(t))
		var storeBefore int
		if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&storeBefore); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := Open(ctx, db); err != nil {
				t.Fatal(err)
			}
		}
		var costV, storeV int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cost_schema_migrations`).Scan(&costV); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&storeV); err != nil {
			t.Fatal(err)
		}
		if costV != len(migrations) || storeV != storeBefore {
			t.Errorf("cost migrations %d (want %d), store version %d (want %d)", costV, len(migrations), storeV, storeBefore)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO cost_schema_migrations VALUES (99, 'x')`); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, db); err == nil {
			t.Error("a newer cost schema opened without an error")
		}
	})
}

// TestConcurrentIngests: two ingests of the same billing period at once
// (cron and a person) leave one of them whole, never both interleaved: on
// PostgreSQL each would otherwise delete only the rows it can see and
// insert its own beside the other's.
func TestConcurrentIngests(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		ctx := context.Background()
		dsn := newDSN(t)
		const perIngest = 50
		rows := func(who int) []cost.Rollup {
			out := make([]cost.Rollup, perIngest)
			for i := range out {
				out[i] = cost.Rollup{
					Day: time.Date(2025, 3, 1+i%28, 0, 0, 0, 0, time.UTC), Source: "cur", Period: "2025-03",
					Account: "111111111111", Service: "AmazonEC2", Resource: fmt.Sprintf("i-%d-%d", who, i),
					Kind: cost.KindUsage, Currency: "USD", Billed: cost.MustMoney("0.10"), Effective: cost.MustMoney("0.10"), Lines: 1,
				}
			}
			return out
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*5)
		for who := range 2 {
			// Each ingest has its own connection pool, as two processes would.
			cs, err := Open(ctx, openDB(t, dsn))
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					errs <- cs.ReplacePeriods(ctx, time.Now(), []cost.Batch{{Source: "cur", Period: "2025-03", Rollups: rows(who)}})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		cs, err := Open(ctx, openDB(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		owners := map[string]int{}
		total := cost.Money{}
		if err := cs.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error {
			owners[r.Resource[:4]]++
			total = total.Add(r.Billed)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(owners) != 1 || total.Cmp(cost.MustMoney("5.00")) != 0 {
			t.Errorf("after concurrent ingests: rows by ingest %v, total %s; want one ingest's %d rows totalling 5.00", owners, total, perIngest)
		}
	})
}

// TestMigratesRowsToBlocks opens a store whose rollups are still rows of
// cost_rollups (cost schema 1): they move into blocks unchanged, and the
// periods keep their ingest time and totals.
func TestMigratesRowsToBlocks(t *testing.T) {
	forEachBackend(t, testMigratesRowsToBlocks)
}

func testMigratesRowsToBlocks(t *testing.T, newDSN func(t *testing.T) string) {
	ctx := context.Background()
	db := openDB(t, newDSN(t))
	if _, err := db.ExecContext(ctx, migrationsTable+`;
		INSERT INTO cost_schema_migrations VALUES (1, '2025-01-01T00:00:00Z');`+migrations[0].sql[db.Dialect()]); err != nil {
		t.Fatal(err)
	}
	type row struct{ source, period, day, resource, tags, billed, effective string }
	rows := []row{
		{"b", "2024-09", "2024-09-02", "i-2", `{"env":"prod"}`, "2.5", "2"},
		{"a", "2024-09", "2024-09-02", "i-1", "", "-0.000000000001", "0"},
		{"a", "2024-09", "2024-09-01", "i-1", `{"system":"shop"}`, "1", "1"},
		{"a", "2024-10", "2024-10-01", "i-1", "", "4", "4"},
	}
	for _, r := range rows {
		if _, err := db.ExecContext(ctx, `INSERT INTO cost_rollups VALUES (?, ?, ?, '111111111111', 'ap-northeast-1', 'AmazonEC2', 'BoxUsage', ?, 'web', ?, 'usage', 'USD', ?, ?, 3)`,
			r.source, r.period, r.day, r.resource, r.tags, r.billed, r.effective); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO cost_periods VALUES ('a', '2024-09', '2024-10-03T00:00:00Z', 2, '0.999999999999'),
		('a', '2024-10', '2024-11-03T00:00:00Z', 1, '4'), ('b', '2024-09', '2024-10-04T00:00:00Z', 1, '2.5')`); err != nil {
		t.Fatal(err)
	}
	st, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error {
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s %s %d", r.Source, r.Period, r.Day.Format(time.DateOnly), r.Resource, r.Tags, r.Billed, r.Effective, r.Lines))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a 2024-09 2024-09-01 i-1 {"system":"shop"} 1 1 3`,
		`a 2024-09 2024-09-02 i-1  -0.000000000001 0 3`,
		`b 2024-09 2024-09-02 i-2 {"env":"prod"} 2.5 2 3`,
		`a 2024-10 2024-10-01 i-1  4 4 3`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rollups (-want +got):\n%s", d)
	}
	ps, err := st.Periods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var gotP []string
	for _, p := range ps {
		gotP = append(gotP, fmt.Sprintf("%s %s %d %s %s %s", p.Source, p.Period, p.Rollups, p.Billed, p.Ingested.Format(time.DateOnly), p.Last.Format(time.DateOnly)))
	}
	wantP := []string{"a 2024-09 2 0.999999999999 2024-10-03 2024-09-02", "a 2024-10 1 4 2024-11-03 2024-10-01", "b 2024-09 1 2.5 2024-10-04 2024-09-02"}
	if d := cmp.Diff(wantP, gotP); d != "" {
		t.Errorf("periods (-want +got):\n%s", d)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cost_rollups`).Scan(&n); err == nil {
		t.Errorf("cost_rollups still there (%d rows)", n)
	}
}

// TestScanSeesOneSnapshot: an ingest that commits while a scan is under
// way (its blocks read one after another) is not seen by that scan, not
// even in the blocks it reads after the commit; the next scan sees it whole.
func TestScanSeesOneSnapshot(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		ctx := context.Background()
		dsn := newDSN(t)
		reader, err := Open(ctx, openDB(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		writer, err := Open(ctx, openDB(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		const n = 3*blockRollups + 5
		batch := func(billed string) []cost.Batch {
			rs := make([]cost.Rollup, n)
			for i := range rs {
				rs[i] = cost.Rollup{
					Day: time.Date(2025, 3, 1+i%28, 0, 0, 0, 0, time.UTC), Source: "cur", Period: "2025-03",
					Account: "111111111111", Service: "AmazonEC2", Resource: fmt.Sprintf("i-%05d", i),
					Kind: cost.KindUsage, Currency: "USD", Billed: cost.MustMoney(billed), Effective: cost.MustMoney(billed), Lines: 1,
				}
			}
			return []cost.Batch{{Source: "cur", Period: "2025-03", Rollups: rs}}
		}
		if err := reader.ReplacePeriods(ctx, time.Now(), batch("1")); err != nil {
			t.Fatal(err)
		}
		scan := func(during func() error) map[string]int {
			seen := map[string]int{}
			if err := reader.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error {
				seen[r.Billed.String()]++
				if during != nil && len(seen) == 1 && seen[r.Billed.String()] == 1 {
					return during()
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return seen
		}
		got := scan(func() error { return writer.ReplacePeriods(ctx, time.Now(), batch("2")) })
		if d := cmp.Diff(map[string]int{"1": n}, got); d != "" {
			t.Errorf("scan while an ingest committed, rollups by amount (-want +got):\n%s", d)
		}
		if d := cmp.Diff(map[string]int{"2": n}, scan(nil)); d != "" {
			t.Errorf("scan after the ingest, rollups by amount (-want +got):\n%s", d)
		}
	})
}

// TestReadsVersion1Blocks: a store written before blocks had version 2
// (cost schema 2) keeps its blocks, which read as they were after the
// move to schema 3; a steward that knows only schema 2 refuses the store
// with a word to upgrade rather than calling its blocks corrupt.
func TestReadsVersion1Blocks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		ctx := context.Background()
		db := openDB(t, newDSN(t))
		all := migrations
		migrations = all[:2]
		_, err := Open(ctx, db)
		migrations = all
		if err != nil {
			t.Fatal(err)
		}
		// Two rollups of 2024-09-02 as steward wrote them at schema 2: i-1
		// billed 1.5 (effective the same), i-2 billed -0.25, effective -0.5.
		v1, err := hex.DecodeString("010d0462696c6c07323032342d30390c3131313131313131313131310e61702d6e6f727468656173742d3109416d617a6f6e45433208426f78557361676503692d31077765622d692d311e7b22656e76223a2270726f64222c2273797374656d223a2273686f70227d0575736167650355534403692d32077765622d692d320280b802000102030405060708090a0280808d93f5d7710280808d93f5d7713080b8020001020304050b0c08090a0180c0d3dcefc3aa010180808d93f5d77130")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO cost_blocks (source, period, seq, first_day, last_day, rollups, data)
			VALUES ('bill', '2024-09', 0, '2024-09-02', '2024-09-02', 2, ?)`, v1); err != nil {
			t.Fatal(err)
		}
		st, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		err = st.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error {
			got = append(got, fmt.Sprintf("%s %s %s %s %s %s %d", r.Period, r.Day.Format(time.DateOnly), r.Resource, r.Tags, r.Billed, r.Effective, r.Lines))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`2024-09 2024-09-02 i-1 {"env":"prod","system":"shop"} 1.5 1.5 24`,
			`2024-09 2024-09-02 i-2 {"env":"prod","system":"shop"} -0.25 -0.5 24`,
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("rollups (-want +got):\n%s", d)
		}
		migrations = all[:2]
		_, err = Open(ctx, db)
		migrations = all
		if err == nil || !strings.Contains(err.Error(), "upgrade steward") {
			t.Errorf("a steward of schema 2 opened schema 3: %v", err)
		}
	})
}

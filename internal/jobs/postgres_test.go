package jobs

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgStore stands for a PostgreSQL store: what the jobs take of it.
type pgStore struct{ pool *pgxpool.Pool }

func (s pgStore) PgxPool() *pgxpool.Pool { return s.pool }

// postgresDB makes a fresh database on the server STEWARD_TEST_POSTGRES
// names (e.g. postgres://postgres@127.0.0.1:55440/postgres), with river's
// tables, and returns its URL.
func postgresDB(t *testing.T) string {
	t.Helper()
	url := emptyPostgresDB(t)
	ctx := context.Background()
	pool := openPool(t, url)
	if err := MigratePostgres(ctx, pool, 0); err != nil {
		t.Fatal(err)
	}
	// Twice, as a second replica starting would: nothing to do.
	if err := MigratePostgres(ctx, pool, 0); err != nil {
		t.Fatalf("second migration: %v", err)
	}
	return url
}

// emptyPostgresDB makes a fresh database with nothing in it and returns
// its URL.
func emptyPostgresDB(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STEWARD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("SKIPPED: STEWARD_TEST_POSTGRES is unset; set it to a PostgreSQL URL to run the jobs on PostgreSQL")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("STEWARD_TEST_POSTGRES: %v", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("steward_jobs_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("STEWARD_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func openPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Two replicas on one PostgreSQL database share the work: a frequent job
// never runs twice at once, an hourly one runs once.
func TestPostgresReplicasShareTheWork(t *testing.T) {
	t.Parallel()
	url := postgresDB(t)
	var running, maxRunning, calls, hourly atomic.Int32
	js := []Job{
		{Name: "scan", Every: 300 * time.Millisecond, Run: func(context.Context) error {
			n := running.Add(1)
			defer running.Add(-1)
			for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
			}
			calls.Add(1)
			time.Sleep(200 * time.Millisecond)
			return nil
		}},
		{Name: "digest", Every: time.Hour, Run: func(context.Context) error { hourly.Add(1); return nil }},
	}
	var runners []*Runner
	for _, id := range []string{"replica_a", "replica_b"} {
		r, err := New(pgStore{openPool(t, url)}, js, fast(id))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stop(t, r) })
		runners = append(runners, r)
	}
	waitFor(t, 30*time.Second, "five runs and the hourly one", func() bool { return calls.Load() >= 5 && hourly.Load() >= 1 })
	time.Sleep(2 * time.Second)
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("%d runs of one job at once across two replicas, want 1", m)
	}
	if n := hourly.Load(); n != 1 {
		t.Errorf("the hourly job ran %d times across two replicas, want once", n)
	}
	st, err := runners[1].Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Name != "digest" || st[0].Last == nil || st[0].Last.Result != ResultOK {
		t.Errorf("status = %+v, want digest ok", st)
	}
}

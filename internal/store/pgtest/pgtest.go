// Package pgtest gives a test a PostgreSQL store of its own: a new schema
// on the server STEWARD_TEST_POSTGRES names, dropped when the test ends, so
// that tests run in parallel on one database. .ci/postgres starts such a
// server and prints its DSN.
//
// Without STEWARD_TEST_POSTGRES the test is skipped, loudly; with
// STEWARD_REQUIRE_POSTGRES=1 (as CI sets) it fails instead, so a server
// that went missing cannot turn into tests that silently did not run.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the test server's DSN.
const Env = "STEWARD_TEST_POSTGRES"

// RequireEnv makes a missing server a test failure rather than a skip.
const RequireEnv = "STEWARD_REQUIRE_POSTGRES"

// ServerDSN returns the test server's DSN, or skips (or fails, see
// RequireEnv) when there is none.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%s is not set but %s is: the PostgreSQL tests must run (start a server with .ci/postgres start)", Env, RequireEnv)
		}
		t.Skipf("SKIPPED: %s is not set, so the PostgreSQL store is NOT tested here; run\n\texport %s=$(.ci/postgres start)", Env, Env)
	}
	return dsn
}

// DSN makes a new, empty schema on the test server and returns a DSN whose
// search_path is that schema. The schema is dropped when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := ServerDSN(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", Env, err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "steward_test_" + hex.EncodeToString(b[:])
	exec(t, server, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { exec(t, server, `DROP SCHEMA `+schema+` CASCADE`) })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func exec(t testing.TB, dsn, query string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test server (%s): %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

func TestParseDSN(t *testing.T) {
	tests := map[string]struct {
		dsn         string
		backend     string
		rest        string
		errContains string
	}{
		"plain path":       {dsn: "/var/lib/steward/steward.db", backend: "sqlite", rest: "/var/lib/steward/steward.db"},
		"relative path":    {dsn: "steward.db", backend: "sqlite", rest: "steward.db"},
		"sqlite prefix":    {dsn: "sqlite:/tmp/s.db", backend: "sqlite", rest: "/tmp/s.db"},
		"sqlite slashes":   {dsn: "sqlite:///tmp/s.db", backend: "sqlite", rest: "/tmp/s.db"},
		"spaces trimmed":   {dsn: "  s.db ", backend: "sqlite", rest: "s.db"},
		"postgres":         {dsn: "postgres://u:p@db/steward", backend: "postgres", rest: "postgres://u:p@db/steward"},
		"postgresql":       {dsn: "postgresql://db/steward", backend: "postgres", rest: "postgresql://db/steward"},
		"empty":            {dsn: "", errContains: "DSN is empty"},
		"empty sqlite":     {dsn: "sqlite:", errContains: "sqlite path is empty"},
		"unknown scheme":   {dsn: "mysql://u:secret@db/x", errContains: `unknown scheme "mysql"`},
		"query in path":    {dsn: "s.db?mode=ro", errContains: "may not contain '?'"},
		"fragment in path": {dsn: "sqlite:s.db#x", errContains: "may not contain"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			backend, rest, err := parseDSN(tc.dsn)
			if tc.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errContains) {
					t.Fatalf("parseDSN(%q) err = %v, want it to contain %q", tc.dsn, err, tc.errContains)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDSN(%q): %v", tc.dsn, err)
			}
			if diff := cmp.Diff([2]string{tc.backend, tc.rest}, [2]string{backend, rest}); diff != "" {
				t.Errorf("parseDSN(%q) (-want +got):\n%s", tc.dsn, diff)
			}
		})
	}
}

// TestOpenPostgresHidesPassword: whatever goes wrong opening a PostgreSQL
// store, neither the error nor the log shows the DSN's password.
func TestOpenPostgresHidesPassword(t *testing.T) {
	tests := map[string]string{
		"unreachable":       "postgres://steward:hunter2@127.0.0.1:1/steward?connect_timeout=5",
		"password param":    "postgresql://steward@127.0.0.1:1/steward?password=hunter2&connect_timeout=5",
		"bad port":          "postgres://steward:hunter2@127.0.0.1:notaport/steward",
		"bad parameter":     "postgres://steward:hunter2@127.0.0.1:1/steward?sslmode=sometimes",
		"escaped password":  "postgres://steward:hun%74er2@127.0.0.1:1/steward?connect_timeout=5",
		"password in query": "postgres://steward:x@127.0.0.1:1/steward?connect_timeout=5&password=hunter2",
	}
	if server := os.Getenv("STEWARD_TEST_POSTGRES"); server != "" {
		u, err := url.Parse(server)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), "hunter2")
		tests["wrong password"] = u.String()
	}
	for name, dsn := range tests {
		t.Run(name, func(t *testing.T) {
			var logs strings.Builder
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			for _, open := range []func(context.Context, string, *slog.Logger) (Store, error){Open, OpenReadOnly} {
				s, err := open(context.Background(), dsn, logger)
				if err == nil {
					s.Close()
					t.Fatalf("opened %s", redact(dsn))
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "hun%74er2") {
					t.Errorf("error shows the password: %v", err)
				}
				if !strings.Contains(err.Error(), "127.0.0.1") {
					t.Errorf("error does not say which server: %v", err)
				}
			}
			if strings.Contains(logs.String(), "hunter2") {
				t.Errorf("log shows the password:\n%s", logs.String())
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"postgres://u:pw@db:5432/steward":                     "postgres://u:xxxxx@db:5432/steward",
		"postgres://u@db/steward?password=pw&sslmode=require": "postgres://u@db/steward?password=xxxxx&sslmode=require",
		"postgres://db/steward":                               "postgres://db/steward",
		"postgres://u:p%40ss@db/steward":                      "postgres://u:xxxxx@db/steward",
		"postgres://u:pw@db:bad port/x":                       "postgres://xxxxx@db:bad port/x",
		"/var/lib/steward/steward.db":                         "/var/lib/steward/steward.db",
	}
	for in, want := range tests {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	tests := map[string]struct {
		goos    string
		env     map[string]string
		home    string
		homeErr error
		want    string
		wantErr bool
	}{
		"linux xdg":       {goos: "linux", env: map[string]string{"XDG_DATA_HOME": "/data"}, home: "/home/u", want: "/data/steward/steward.db"},
		"linux default":   {goos: "linux", home: "/home/u", want: "/home/u/.local/share/steward/steward.db"},
		"relative xdg":    {goos: "linux", env: map[string]string{"XDG_DATA_HOME": "data"}, home: "/home/u", want: "/home/u/.local/share/steward/steward.db"},
		"darwin default":  {goos: "darwin", home: "/Users/u", want: "/Users/u/Library/Application Support/steward/steward.db"},
		"darwin xdg wins": {goos: "darwin", env: map[string]string{"XDG_DATA_HOME": "/x"}, home: "/Users/u", want: "/x/steward/steward.db"},
		"no home":         {goos: "linux", homeErr: errors.New("$HOME is not defined"), wantErr: true},
		"empty home":      {goos: "linux", home: "", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := defaultPath(tc.goos, func(k string) string { return tc.env[k] }, func() (string, error) { return tc.home, tc.homeErr })
			if tc.wantErr {
				if err == nil {
					t.Fatalf("defaultPath = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != filepath.FromSlash(tc.want) {
				t.Errorf("defaultPath = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOpenCreatesParentDirs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "steward.db")
	s, err := Open(context.Background(), "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("not sqlite\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want an error naming %s", err, path)
	}
}

func TestLoadMigrations(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("CREATE TABLE t (x INTEGER);")}
	tests := map[string]struct {
		files       fstest.MapFS
		want        []int
		errContains string
	}{
		"embedded": {files: nil, want: nil},
		"ordered":  {files: fstest.MapFS{"migrations/0002_b.sql": sql, "migrations/0001_a.sql": sql, "migrations/README": sql}, want: []int{1, 2}},
		"gap":      {files: fstest.MapFS{"migrations/0001_a.sql": sql, "migrations/0003_c.sql": sql}, errContains: "0003_c.sql: expected version 2"},
		"dup":      {files: fstest.MapFS{"migrations/0001_a.sql": sql, "migrations/1_again.sql": sql}, errContains: "expected version 2"},
		"bad name": {files: fstest.MapFS{"migrations/init.sql": sql}, errContains: "init.sql: name must be NNNN_description.sql"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var (
				ms  []migration
				err error
			)
			if tc.files == nil {
				ms, err = loadMigrations(migrationFS, sqliteMigrations)
				if err != nil || len(ms) == 0 {
					t.Fatalf("embedded migrations: %d, %v", len(ms), err)
				}
				return
			}
			ms, err = loadMigrations(tc.files, "migrations")
			if tc.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errContains) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.errContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMigrations opens a database with one migration, then with two, then
// with one again: the second open applies only the new one, the third is
// refused because the database is newer than what it knows.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	now := func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	v1 := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);")}}
	v2 := fstest.MapFS{
		"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
		"migrations/0002_b.sql": {Data: []byte("CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (2);")},
	}
	bad := fstest.MapFS{
		"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
		"migrations/0002_b.sql": v2["migrations/0002_b.sql"],
		"migrations/0003_c.sql": {Data: []byte("CREATE TABLE c (z INTEGER); SELECT nonsense FROM nowhere;")},
	}
	// Another build's schema: the same number under another name, with a
	// third migration that would run on a schema it was not written for.
	other := fstest.MapFS{
		"migrations/0001_a.sql":     v1["migrations/0001_a.sql"],
		"migrations/0002_other.sql": {Data: []byte("CREATE TABLE other (y INTEGER);")},
		"migrations/0003_c.sql":     {Data: []byte("CREATE TABLE c (z INTEGER);")},
	}
	logger := slog.New(slog.DiscardHandler)

	steps := []struct {
		fs          fstest.MapFS
		errContains string
		wantVersion int
		wantRowsA   int
	}{
		{fs: v1, wantVersion: 1, wantRowsA: 1},
		{fs: v1, wantVersion: 1, wantRowsA: 1}, // reopening applies nothing
		{fs: v2, wantVersion: 2, wantRowsA: 2},
		{fs: bad, errContains: "apply migration 0003_c.sql", wantVersion: 2, wantRowsA: 2},
		{fs: other, errContains: "migration 2 was applied as 0002_b.sql, this steward's is 0002_other.sql", wantVersion: 2, wantRowsA: 2},
		{fs: fstest.MapFS{"migrations/0001_a.sql": v1["migrations/0001_a.sql"], "migrations/0002_other.sql": other["migrations/0002_other.sql"]},
			errContains: "migration 2 was applied as 0002_b.sql", wantVersion: 2, wantRowsA: 2}, // current by number, not by name
		{fs: v1, errContains: "database schema version 2 is newer than this steward knows (1)", wantVersion: 2, wantRowsA: 2},
	}
	for i, st := range steps {
		s, err := openSQLiteWith(ctx, path, false, st.fs, now, logger)
		if st.errContains != "" {
			if err == nil || !strings.Contains(err.Error(), st.errContains) {
				t.Fatalf("step %d: err = %v, want it to contain %q", i, err, st.errContains)
			}
		} else {
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			s.Close()
		}
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		var version, rows int
		if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM a`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		var cTables int
		if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'`).Scan(&cTables); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if diff := cmp.Diff([3]int{st.wantVersion, st.wantRowsA, 0}, [3]int{version, rows, cTables}); diff != "" {
			t.Errorf("step %d: [version, rows in a, table c] (-want +got):\n%s", i, diff)
		}
	}
}

// FuzzParseDSN: any string either parses to a known backend with a usable
// path, or is refused with an error that does not leak a password.
//
//	go test -run '^$' -fuzz FuzzParseDSN -fuzztime 60s ./internal/store/
func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{"steward.db", "sqlite:/x.db", "sqlite://x", "postgres://u:pw@h/db", "mysql://u:pw@h", "", "sqlite:", "a?b", "x://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		backend, rest, err := parseDSN(dsn)
		if err != nil {
			if backend != "" || rest != "" {
				t.Fatalf("error %v with a result %q %q", err, backend, rest)
			}
			return
		}
		switch backend {
		case "sqlite":
			if rest == "" || strings.ContainsAny(rest, "?#") {
				t.Fatalf("sqlite path %q from %q", rest, dsn)
			}
		case "postgres":
			if !strings.HasPrefix(strings.ToLower(rest), "postgres") {
				t.Fatalf("postgres dsn %q from %q", rest, dsn)
			}
		default:
			t.Fatalf("unknown backend %q from %q", backend, dsn)
		}
	})
}

// FuzzRedact: a password in a DSN's user info never survives redact,
// whatever the user, password and host.
//
//	go test -run '^$' -fuzz FuzzRedact -fuzztime 30s ./internal/store/
func FuzzRedact(f *testing.F) {
	f.Add("steward", "hunter2", "db:5432", "steward")
	f.Add("u", "p@ss:w/rd?#", "[::1]:5432", "x")
	f.Add("", "secret", "h", "")
	f.Fuzz(func(t *testing.T, user, password, host, db string) {
		u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: host, Path: "/" + db}
		dsn := u.String()
		got := redact(dsn)
		// A password that is also the rest of the DSN's text cannot be
		// told apart from it.
		rest := strings.Replace(dsn, url.UserPassword(user, password).String(), "", 1)
		if len(password) < 3 || strings.Contains(rest+"xxxxx", password) || strings.Contains(url.PathEscape(user)+url.QueryEscape(user), password) {
			return
		}
		for _, shown := range []string{password, url.QueryEscape(password), url.PathEscape(password)} {
			if strings.Contains(got, shown) {
				t.Fatalf("redact(%q) = %q shows the password %q", dsn, got, password)
			}
		}
	})
}

// TestMigrateScanOrder upgrades a store written before scans were ordered
// by start time: the migration works out which scan last produced each
// finding, so an older scan saved afterwards replays the history right.
func TestMigrateScanOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	now := func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	initSQL, err := migrationFS.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	v1 := fstest.MapFS{"migrations/0001_init.sql": {Data: initSQL}}
	s, err := openSQLiteWith(ctx, path, false, v1, now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// Two scans as the old code saved them: s1 produced the finding, s2
	// could not read its region and carried it with s1's last seen.
	t1, t2 := int64(1_000), int64(3_000)
	for _, q := range []string{
		`INSERT INTO scans (seq, id, source, started_at, resources) VALUES (1, 's1', 'test', 1000, 0), (2, 's2', 'test', 3000, 0)`,
		`INSERT INTO scan_coverage (scan_seq, pos, account, region, service, ok) VALUES (1, 0, 'a', 'r', 'ec2', 1), (2, 0, 'a', 'r', 'ec2', 0)`,
		`INSERT INTO finding_versions (hash, body) VALUES ('h', '{"policy":"p","arn":"arn:x","account":"a","region":"r"}')`,
		`INSERT INTO finding_episodes (id, policy, arn, account, region, first_seen, first_seq, last_seen, last_seq, body_hash)
			VALUES (1, 'p', 'arn:x', 'a', 'r', 1000, 1, 1000, 1, 'h')`,
		`INSERT INTO scan_findings (scan_seq, episode_id, body_hash, last_seen) VALUES (1, 1, 'h', 1000), (2, 1, 'h', 1000)`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()

	// The first command after upgrading steward may only read: a store
	// this user may write is upgraded for it.
	ro, err := openSQLite(ctx, path, true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open the old store read-only: %v", err)
	}
	if fs, err := ro.Findings(ctx, "s2"); err != nil || len(fs) != 1 {
		t.Errorf("Findings(s2) before the older scan = %v, %v; want the carried finding", fs, err)
	}
	ro.Close()

	s, err = openSQLite(ctx, path, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var lastSeqs []int64
	rows, err := s.db.QueryContext(ctx, `SELECT last_seq FROM scan_findings ORDER BY scan_seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		lastSeqs = append(lastSeqs, v)
	}
	rows.Close()
	if diff := cmp.Diff([]int64{1, 1}, lastSeqs); diff != "" {
		t.Fatalf("last_seq after migration (-want +got):\n%s", diff)
	}

	// A scan that started between them and read the region without
	// finding it resolves the finding there: s2 has nothing left to carry.
	mid := &inventory.Scan{ID: "mid", Started: time.Unix(0, (t1+t2)/2), Coverage: []inventory.Coverage{{Account: "a", Region: "r", Service: "ec2", OK: true}}}
	if _, err := s.SaveScan(ctx, mid, nil, nil); err != nil {
		t.Fatal(err)
	}
	resolved, err := s.ResolvedFindings(ctx, "mid")
	if err != nil || len(resolved) != 1 || resolved[0].ResolvedAt == nil || !resolved[0].ResolvedAt.Equal(mid.Started) {
		t.Errorf("ResolvedFindings(mid) = %v, %v; want p on arn:x resolved at %v", resolved, err, mid.Started)
	}
	open, err := s.Findings(ctx, "s2")
	if err != nil || len(open) != 0 {
		t.Errorf("Findings(s2) = %v, %v; want none", open, err)
	}
}

// TestMigrationsMatchAcrossBackends: each SQLite migration has its
// PostgreSQL version under the same number and name, so a schema version
// means the same tables on both backends and a new migration cannot be
// made for one backend only.
func TestMigrationsMatchAcrossBackends(t *testing.T) {
	lite, err := loadMigrations(migrationFS, sqliteMigrations)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrations(pgMigrationFS, postgresMigrations)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []migration) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	if diff := cmp.Diff(names(lite), names(pg)); diff != "" {
		t.Errorf("migrations/ (SQLite) and migrations/postgres/ differ (-sqlite +postgres):\n%s", diff)
	}
}

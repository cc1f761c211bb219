package sqldb

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"none":             {`SELECT 1`, `SELECT 1`},
		"several":          {`INSERT INTO t (a, b) VALUES (?, ?)`, `INSERT INTO t (a, b) VALUES ($1, $2)`},
		"string literal":   {`SELECT '?', a FROM t WHERE b = ?`, `SELECT '?', a FROM t WHERE b = $1`},
		"doubled quote":    {`SELECT 'it''s ?' WHERE a = ?`, `SELECT 'it''s ?' WHERE a = $1`},
		"quoted ident":     {`SELECT "a?" FROM t WHERE b = ?`, `SELECT "a?" FROM t WHERE b = $1`},
		"line comment":     {"SELECT a -- why?\nFROM t WHERE b = ?", "SELECT a -- why?\nFROM t WHERE b = $1"},
		"block comment":    {`SELECT /* ? */ a FROM t WHERE b = ?`, `SELECT /* ? */ a FROM t WHERE b = $1`},
		"unclosed literal": {`SELECT ? WHERE a = 'x?`, `SELECT $1 WHERE a = 'x?`},
		"unclosed comment": {`SELECT ? /* ?`, `SELECT $1 /* ?`},
		"comment at end":   {`SELECT ? -- ?`, `SELECT $1 -- ?`},
		"many":             {strings.Repeat("?,", 11) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Postgres.Rebind(tc.in); got != tc.want {
				t.Errorf("Postgres.Rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := SQLite.Rebind(tc.in); got != tc.in {
				t.Errorf("SQLite.Rebind(%q) = %q, want it unchanged", tc.in, got)
			}
		})
	}
}

var (
	numbered       = regexp.MustCompile(`\$[0-9]+`)
	numberedSQLite = regexp.MustCompile(`\?[0-9]`)
)

// FuzzRebind: for any query without '$' (and without SQLite's numbered
// ?NNN, which steward does not use), Rebind only turns some '?' into $1,
// $2 ... in order: turning them back gives the query again.
//
//	go test -run '^$' -fuzz FuzzRebind -fuzztime 30s ./internal/store/sqldb/
func FuzzRebind(f *testing.F) {
	for _, s := range []string{"SELECT ?", "'?' ?", `"?" ?`, "-- ?\n?", "/* ? */ ?", "'", "/*", "--", "?'?'?", "a''b ?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if strings.Contains(q, "$") || numberedSQLite.MatchString(q) {
			return
		}
		got := Postgres.Rebind(q)
		n := 0
		back := numbered.ReplaceAllStringFunc(got, func(m string) string {
			n++
			if m != "$"+strconv.Itoa(n) {
				t.Fatalf("Rebind(%q) = %q: placeholder %s where $%d was due", q, got, m, n)
			}
			return "?"
		})
		if back != q {
			t.Fatalf("Rebind(%q) = %q, which is not the query with placeholders numbered", q, got)
		}
		if strings.Count(q, "?") > 0 && !strings.ContainsAny(q, `'"-/`) && n != strings.Count(q, "?") {
			t.Fatalf("Rebind(%q) = %q: %d of %d placeholders numbered", q, got, n, strings.Count(q, "?"))
		}
	})
}

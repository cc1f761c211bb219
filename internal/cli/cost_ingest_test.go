package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/objstore"
)

// bill writes a FOCUS bill of 100 lines of 2 on 2024-11-05, bad of which
// have a cost that cannot be read.
func bill(t *testing.T, dir string, bad int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("BilledCost,ChargePeriodStart,ServiceName,ChargeCategory\n")
	for i := range 100 {
		c := "2"
		if i < bad {
			c = "NaN"
		}
		b.WriteString(c + ",2024-11-05,EC2,Usage\n")
	}
	p := filepath.Join(dir, "bill.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCostIngestExitCodes: a bill with too many unreadable lines is bad
// input (exit 2) and stores nothing unless accepted, by the flag or by a
// higher cost.max_skipped; a store that fails is steward's failure (exit 4).
func TestCostIngestExitCodes(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		bad      int
		config   string
		args     []string
		breakDB  bool
		want     int
		stderr   []string
		stdout   []string
		november string // the stored period's billed, "" when none
	}{
		"good bill":                        {bad: 0, want: ExitOK, stdout: []string{"stored bill 2024-11: 1 daily rollups, billed 200"}, november: "200"},
		"one unreadable line is within 1%": {bad: 1, want: ExitOK, stdout: []string{"skipped 1 of 100 lines"}, november: "198"},
		"two unreadable lines are not": {
			bad: 2, want: ExitUsage, november: "",
			stderr: []string{"bill.csv: 2 of 100 lines skipped", `line 2: BilledCost "NaN" is not a number`, "nothing was stored", "--accept-skipped"},
		},
		"accepted by the flag": {bad: 2, args: []string{"--accept-skipped"}, want: ExitOK, november: "196"},
		"accepted by config":   {bad: 2, config: "cost:\n  max_skipped: 5%\n", want: ExitOK, november: "196"},
		"config stricter":      {bad: 1, config: "cost:\n  max_skipped: 0%\n", want: ExitUsage, stderr: []string{"more than the 0% that cost.max_skipped allows"}},
		"config not a percent": {bad: 0, config: "cost:\n  max_skipped: 0.01\n", want: ExitUsage, stderr: []string{"max_skipped", "not a percentage"}},
		"store fails":          {bad: 0, breakDB: true, want: ExitFailure, stderr: []string{"store: no period was replaced", "disk full"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db := emptyStore(t, dir, "steward.db")
			cfg := filepath.Join(dir, "steward.yaml")
			if err := os.WriteFile(cfg, []byte("store: "+db+"\n"+tc.config), 0o600); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) (int, string, string) {
				env, out, errb := testEnv()
				code := Main(context.Background(), append([]string{"--config", cfg}, args...), env)
				return code, out.String(), errb.String()
			}
			if tc.breakDB {
				if code, _, e := run("cost", "show"); code != ExitIncomplete {
					t.Fatalf("cost show on an empty store: %d %s", code, e)
				}
				breakInserts(t, db)
			}
			code, out, errb := run(append([]string{"cost", "ingest", bill(t, dir, tc.bad), "--source", "bill"}, tc.args...)...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.want, out, errb)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errb, s) {
					t.Errorf("stderr does not say %q:\n%s", s, errb)
				}
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout does not say %q:\n%s", s, out)
				}
			}
			if tc.want == ExitUsage && strings.Contains(tc.config, "0.01") {
				return // the config was refused before the store was opened
			}
			if got := storedNovember(t, db); got != tc.november {
				t.Errorf("stored November %q, want %q", got, tc.november)
			}
		})
	}
}

func breakInserts(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER full BEFORE INSERT ON cost_blocks BEGIN SELECT RAISE(FAIL, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
}

func storedNovember(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var billed string
	err = db.QueryRow(`SELECT billed FROM cost_periods WHERE source = 'bill' AND period = '2024-11'`).Scan(&billed)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return billed
}

func TestIngestErrorExitCodes(t *testing.T) {
	tests := map[string]struct {
		err  error
		want int
	}{
		"network":   {fmt.Errorf("ingest: s3://b/k: %w", &cost.IOError{Err: errors.New("connection reset by peer")}), ExitFailure},
		"store":     {&cost.StoreError{Err: errors.New("disk full")}, ExitFailure},
		"truncated": {fmt.Errorf("ingest: %w", &cost.TruncatedError{File: "b.csv", Line: 3, Why: "cut"}), ExitUsage},
		"skipped":   {&cost.SkippedError{Max: cost.DefaultMaxSkipped}, ExitUsage},
		"no header": {errors.New("b.csv: not a FOCUS or CUR header"), ExitUsage},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := exitCode(context.Background(), io.Discard, ingestError(tc.err), i18n.EN); got != tc.want {
				t.Errorf("exit %d, want %d", got, tc.want)
			}
		})
	}
}

// TestExitCodeByType: the exit code comes from the error's type wherever
// it was made: bad input 2, the store, the disk or the network 4.
func TestExitCodeByType(t *testing.T) {
	tests := map[string]struct {
		err  error
		want int
	}{
		"usage":                      {usagef("bad flag"), ExitUsage},
		"field of a domain package":  {fmt.Errorf("cost show: %w", &cost.FieldError{Field: "--by", Err: errors.New("no")}), ExitUsage},
		"io inside a usage error":    {usageError{fmt.Errorf("state: %w", &objstore.IOError{Err: errors.New("reset")})}, ExitFailure},
		"store inside a usage error": {usageError{&cost.StoreError{Err: errors.New("locked")}}, ExitFailure},
		"unclassified":               {errors.New("boom"), ExitFailure},
		"interrupted":                {fmt.Errorf("scan: %w", context.Canceled), ExitInterrupted},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := exitCode(context.Background(), io.Discard, tc.err, i18n.EN); got != tc.want {
				t.Errorf("exit %d, want %d", got, tc.want)
			}
		})
	}
}

// TestCostShowBadByIsUsage: an unknown --by is the user's to fix (it
// exited 4, as if steward had failed).
func TestCostShowBadByIsUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(cfg, []byte("store: "+filepath.Join(dir, "steward.db")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, _, errb := testEnv()
	code := Main(context.Background(), []string{"--config", cfg, "cost", "show", "--by", "region"}, env)
	if code != ExitUsage || !strings.Contains(errb.String(), `--by: "region" is not supported`) {
		t.Errorf("exit %d, stderr %q; want %d and the valid values", code, errb.String(), ExitUsage)
	}
}

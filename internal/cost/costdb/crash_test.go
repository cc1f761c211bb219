package costdb

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/store"
)

const crashChildEnv = "STEWARD_COSTDB_CRASH_CHILD"

func crashRollup(day, res string, billed string) cost.Rollup {
	d, _ := time.Parse(time.DateOnly, day)
	return cost.Rollup{Day: d, Source: "a", Period: day[:7], Account: "111111111111", Service: "AmazonEC2", Resource: res,
		Kind: cost.KindUsage, Currency: "USD", Billed: cost.MustMoney(billed), Effective: cost.MustMoney(billed), Lines: 1}
}

// TestCrashChild is the child of TestCrashDuringReplace: it replaces a
// period with rollups without end, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("only runs as the child of TestCrashDuringReplace")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := st.(store.SQLDatabase).SQLDB()
	db.SetMaxOpenConns(1)
	// A small page cache makes the transaction spill into the WAL as it goes.
	if _, err := db.ExecContext(ctx, `PRAGMA cache_size = -1024`); err != nil {
		t.Fatal(err)
	}
	cs, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("replacing")
	_, err = cs.ReplaceSorted(ctx, time.Now(), func(yield func(*cost.Rollup) error) error {
		for i := range 100_000_000 {
			r := crashRollup("2024-09-01", fmt.Sprintf("i-%09d", i), "1")
			if err := yield(&r); err != nil {
				return err
			}
		}
		return nil
	})
	fmt.Println("replaced", err)
}

// TestCrashDuringReplace kills a process with SIGKILL in the middle of
// replacing a period: the store must be intact and hold the period as it
// was before.
func TestCrashDuringReplace(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process and kills it")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	st, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := Open(ctx, st.(store.SQLDatabase).SQLDB())
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.ReplacePeriods(ctx, time.Now(), []cost.Batch{{Source: "a", Period: "2024-09",
		Rollups: []cost.Rollup{crashRollup("2024-09-01", "i-old", "7")}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewScanner(stdout)
	if !out.Scan() || out.Text() != "replacing" {
		cmd.Process.Kill()
		t.Fatalf("child said %q, want replacing", out.Text())
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 4<<20 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the WAL never grew: the child is not writing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for out.Scan() {
		if strings.HasPrefix(out.Text(), "replaced") {
			t.Fatalf("the child finished before it was killed: %s", out.Text())
		}
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child exit: %v, want killed", err)
	}

	st, err = store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.(store.SQLDatabase).SQLDB()
	var integrity string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check %q, %v", integrity, err)
	}
	cs, err = Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := cs.Scan(ctx, cost.Filter{}, func(r cost.Rollup) error { got = append(got, r.Resource+" "+r.Billed.String()); return nil }); err != nil {
		t.Fatal(err)
	}
	ps, err := cs.Periods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "i-old 7" || len(ps) != 1 || ps[0].Rollups != 1 {
		t.Errorf("after the crash: rollups %v, periods %+v; want the period as it was", got, ps)
	}
}

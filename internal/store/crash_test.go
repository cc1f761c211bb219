package store_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// crashChildEnv switches the test binary into the child role of
// TestCrashDuringSave: it saves a big scan into the database it names.
const crashChildEnv = "STEWARD_STORE_CRASH_CHILD"

// crashResources is big enough that the child's save is still running long
// after its WAL passed crashWAL: the child's one connection has a 1 MiB page
// cache, so the transaction spills pages into the WAL as it goes instead of
// all at commit.
const (
	crashResources = 20_000
	crashWAL       = 2 << 20
)

var crashStart = time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("only runs as the child of TestCrashDuringSave")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// One connection, so the small cache applies to the one the save uses.
	db := s.(store.SQLDatabase).SQLDB()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `PRAGMA cache_size = -1024`); err != nil {
		t.Fatal(err)
	}
	rs, fs := storetest.Estate(crashResources, 1)
	sc := &inventory.Scan{ID: "big", Source: "test", Started: crashStart.Add(time.Hour)}
	fmt.Println("saving")
	if _, err := s.SaveScan(ctx, sc, rs, fs); err != nil {
		t.Fatal(err)
	}
	fmt.Println("saved")
}

// TestCrashDuringSave kills a process with SIGKILL while it is in the middle
// of saving a big scan, then checks the database is intact and still
// answers with the previous complete scan.
func TestCrashDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process and kills it")
	}
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rs, fs := storetest.Estate(500, 0)
	prev := &inventory.Scan{ID: "prev", Source: "test", Started: crashStart, Coverage: []inventory.Coverage{{Account: "111111111111", Region: "us-east-1", Service: "ec2", OK: true}}}
	if _, err := s.SaveScan(ctx, prev, rs, fs); err != nil {
		t.Fatal(err)
	}
	wantScan, err := s.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantFindings, err := s.Findings(ctx, "prev")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

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
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine(t, lines, "saving", 2*time.Minute)

	// Kill once the transaction has spilled well into the WAL: by then the
	// save is neither unstarted nor trivially small.
	wal := path + "-wal"
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if fi, err := os.Stat(wal); err == nil && fi.Size() > crashWAL {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the WAL never grew past %d bytes: the child is not saving", crashWAL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child exit: %v, want killed", err)
	}
	for _, l := range rest {
		if l == "saved" {
			t.Fatal("the child finished saving before it was killed: the test proved nothing")
		}
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil {
		t.Fatal(err)
	}
	var fkProblems int
	if err := db.QueryRow(`SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&fkProblems); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if integrity != "ok" || fkProblems != 0 {
		t.Fatalf("after the crash: integrity_check = %q, foreign key problems = %d", integrity, fkProblems)
	}

	s, err = store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	gotScan, err := s.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantScan, gotScan); diff != "" {
		t.Errorf("latest scan after the crash (-before +after):\n%s", diff)
	}
	gotFindings, err := s.Findings(ctx, gotScan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantFindings, gotFindings); diff != "" {
		t.Errorf("findings after the crash (-before +after):\n%s", diff)
	}
	// The store is still writable: the next scan saves normally.
	next := &inventory.Scan{ID: "next", Source: "test", Started: crashStart.Add(2 * time.Hour)}
	if _, err := s.SaveScan(ctx, next, rs, fs); err != nil {
		t.Fatalf("save after the crash: %v", err)
	}
}

func waitLine(t *testing.T, lines <-chan string, want string, timeout time.Duration) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited before printing %q", want)
			}
			if l == want {
				return
			}
		case <-timer.C:
			t.Fatalf("child did not print %q within %v", want, timeout)
		}
	}
}

package store_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// TestOpenCreatesPrivate: a new store, its folders and its -wal and -shm
// files are readable by their owner only; it holds the estate's weak spots.
func TestOpenCreatesPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	old := syscall.Umask(0o022) // the usual umask, whatever the test runner's
	defer syscall.Umask(old)
	ctx := context.Background()
	root := t.TempDir()
	path := filepath.Join(root, "data", "steward", "steward.db")
	s, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs, fs := storetest.Estate(10, 0)
	if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "s", Started: time.Unix(1, 0)}, rs, fs); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{
		filepath.Join(root, "data"):            0o700,
		filepath.Join(root, "data", "steward"): 0o700,
		path:                                   0o600,
		path + "-wal":                          0o600,
		path + "-shm":                          0o600,
	}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %04o, want %04o", p, got, mode)
		}
	}
}

// readOnlyChildEnv switches the test binary into TestReadOnlyStore's body
// when it was started as another user.
const readOnlyChildEnv = "STEWARD_STORE_READONLY_CHILD"

// TestReadOnlyStore: a store whose file or folder this user cannot write is
// still read by OpenReadOnly, and a write to it fails saying "read-only"
// and naming the file. Permissions do not bind root, so as root the test
// runs itself again as nobody.
func TestReadOnlyStore(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	if os.Geteuid() == 0 && os.Getenv(readOnlyChildEnv) == "" {
		runAsNobody(t, "^TestReadOnlyStore$")
		return
	}
	ctx := context.Background()
	tests := map[string]struct {
		lock, unlock func(dir, path string) error
		why          string
	}{
		"file 0400": {
			lock:   func(_, path string) error { return os.Chmod(path, 0o400) },
			unlock: func(_, path string) error { return os.Chmod(path, 0o600) },
			why:    "the file cannot be written: mode 0400",
		},
		"folder 0500": {
			lock:   func(dir, _ string) error { return os.Chmod(dir, 0o500) },
			unlock: func(dir, _ string) error { return os.Chmod(dir, 0o700) },
			why:    "its folder",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			path := filepath.Join(dir, "steward.db")
			s, err := store.Open(ctx, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			rs, fs := storetest.Estate(20, 0)
			if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "s1", Started: time.Unix(1, 0)}, rs, fs); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := tc.lock(dir, path); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tc.unlock(dir, path) })

			_, err = store.Open(ctx, path, nil)
			checkReadOnly(t, "Open", err, path, tc.why)

			ro, err := store.OpenReadOnly(ctx, path, nil)
			if err != nil {
				t.Fatalf("OpenReadOnly: %v", err)
			}
			defer ro.Close()
			latest, err := ro.LatestScan(ctx)
			if err != nil || latest.ID != "s1" {
				t.Fatalf("LatestScan = %v, %v; want s1", latest, err)
			}
			got, err := ro.Findings(ctx, "s1")
			if err != nil || len(got) != len(fs) {
				t.Errorf("Findings = %d, %v; want %d", len(got), err, len(fs))
			}
			if _, err := ro.ResourceHistory(ctx, rs[0].ARN); err != nil {
				t.Errorf("ResourceHistory: %v", err)
			}
			_, err = ro.SaveScan(ctx, &inventory.Scan{ID: "s2", Started: time.Unix(2, 0)}, rs, fs)
			checkReadOnly(t, "SaveScan", err, path, "opened for reading only")
		})
	}
	t.Run("older schema", func(t *testing.T) {
		// A store an older steward wrote, which this user may not write:
		// it cannot be upgraded for reading, and the error says how to.
		path := filepath.Join(t.TempDir(), "steward.db")
		s, err := store.Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		db := s.(store.SQLDatabase).SQLDB()
		if _, err := db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version > 1`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := os.Chmod(path, 0o400); err != nil {
			t.Fatal(err)
		}
		_, err = store.OpenReadOnly(ctx, path, nil)
		if err == nil || !strings.Contains(err.Error(), "older than this steward's") || !strings.Contains(err.Error(), "write access") {
			t.Errorf("OpenReadOnly of an older read-only store: err = %v, want it to say the schema is older and how to upgrade it", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "none", "steward.db")
		if _, err := store.OpenReadOnly(ctx, path, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("OpenReadOnly of a missing store: err = %v, want ErrNotFound", err)
		}
		if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("OpenReadOnly made %s", filepath.Dir(path))
		}
	})
}

func checkReadOnly(t *testing.T, what string, err error, path, why string) {
	t.Helper()
	t.Logf("%s: %v", what, err)
	switch {
	case err == nil:
		t.Errorf("%s of a read-only store succeeded", what)
	case !errors.Is(err, store.ErrReadOnly) || !store.IsReadOnly(err):
		t.Errorf("%s: err = %v, want ErrReadOnly", what, err)
	case !strings.Contains(err.Error(), path+" is read-only") || !strings.Contains(err.Error(), why):
		t.Errorf("%s: err = %q, want it to say %q is read-only and %q", what, err, path, why)
	case strings.Contains(err.Error(), "SQLite database?"):
		t.Errorf("%s: err = %q blames the file format", what, err)
	}
}

// runAsNobody runs this test binary again as user nobody, running only the
// named test, from a copy that user can execute.
func runAsNobody(t *testing.T, run string) {
	t.Helper()
	const nobody = 65534
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "store.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp") // the child's own temporary files
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run="+run, "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = []string{readOnlyChildEnv + "=1", "HOME=" + tmp, "TMPDIR=" + tmp, "PATH=" + os.Getenv("PATH"), "GORACE=" + os.Getenv("GORACE")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	t.Logf("as nobody:\n%s", out)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		t.Fatalf("as nobody: %v", err)
	case err != nil:
		t.Skipf("cannot run the test as nobody (permissions do not bind root): %v", err)
	}
	if strings.Contains(string(out), "--- SKIP") || !strings.Contains(string(out), "--- PASS") {
		t.Fatal("the test did not run as nobody")
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

package iac

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/objstore"
)

// TestLoadStatesMaxBytes: the limit decides which states are read, plain
// or gzipped, and a state over it is a gap that says how to raise it,
// never a state cut short.
func TestLoadStatesMaxBytes(t *testing.T) {
	app, err := os.ReadFile("testdata/states/app.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "app.tfstate")
	zipped := filepath.Join(dir, "zipped.tfstate")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(app)
	zw.Close()
	for path, data := range map[string][]byte{plain: app, zipped: z.Bytes()} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	size := int64(len(app))
	tests := map[string]struct {
		max    int64
		states int
	}{
		"at the size":     {max: size, states: 2},
		"default":         {max: 0, states: 2},
		"below the size":  {max: size - 1, states: 0},
		"far below":       {max: 100, states: 0},
		"stdin below too": {max: size - 1, states: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			specs := []string{plain, zipped}
			var stdin io.Reader
			if strings.HasPrefix(name, "stdin") {
				specs, stdin = []string{"-"}, bytes.NewReader(app)
			}
			l, err := LoadStates(context.Background(), specs, nil, stdin, tc.max, nil)
			if stdin != nil && tc.states == 0 {
				// Standard input is the only state: refusing it ends the run.
				var tl *objstore.TooLargeError
				if !errors.As(err, &tl) || !strings.Contains(err.Error(), "state -: standard input: larger than") {
					t.Fatalf("err = %v, want standard input refused as too large", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(l.States) != tc.states {
				t.Fatalf("%d states read, want %d (errors %v)", len(l.States), tc.states, l.Errors)
			}
			if tc.states > 0 {
				return
			}
			for _, e := range l.Errors {
				var tl *objstore.TooLargeError
				if !errors.As(e, &tl) || !strings.Contains(e.Error(), "raise --max-input") {
					t.Errorf("error %v, want it refused as larger than the limit", e)
				}
			}
		})
	}
}

// TestLoadStatesStdinInterrupted: an idle stdin does not hold steward once
// the context is cancelled.
func TestLoadStatesStdinInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := LoadStates(ctx, []string{"-"}, nil, pr, 0, nil)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LoadStates kept reading an idle stdin after cancel")
	}
}

// TestUnreadStateToldOnce: a state that cannot be read is one line of the
// report, naming its file once, and nothing in the log.
func TestUnreadStateToldOnce(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.tfstate")
	if err := os.WriteFile(bad, []byte("{bad"), 0o600); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	o := RunOptions{States: []string{bad}, Now: time.Now(), Logger: slog.New(slog.NewTextHandler(&log, nil))}
	out, err := Enrich(context.Background(), o, &inventory.Collection{})
	if err != nil {
		t.Fatal(err)
	}
	unread := out.Unread()
	if len(unread) != 1 || strings.Count(unread[0], bad) != 1 {
		t.Errorf("unread = %q, want one entry naming %s once", unread, bad)
	}
	if log.Len() > 0 {
		t.Errorf("logged:\n%s", log.String())
	}
	var report bytes.Buffer
	if err := WriteTable(&report, out.Result, out.Problems, 0, i18n.EN); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(report.String(), bad); n != 1 {
		t.Errorf("the report names %s %d times:\n%s", bad, n, report.String())
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignals runs steward as a process blocked on input nobody writes (a
// FIFO, an idle stdin) and signals it: the first SIGINT or SIGTERM stops
// it as interrupted (exit 130).
//
// The signal is sent once steward is known to have installed its handler:
// its config is a FIFO the test writes, so steward has started reading it;
// the case that blocks on the config itself waits until steward holds it
// open.
func TestSignals(t *testing.T) {
	bin, err := exec.LookPath("steward")
	if err != nil {
		t.Skipf("steward is not on PATH: %v", err)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "input")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	tests := map[string]struct {
		args    []string
		idleIn  bool // stdin is a pipe nobody writes to
		signal  os.Signal
		blocked bool // the config itself is the FIFO that blocks
	}{
		"saved scan on a FIFO, SIGINT":    {args: []string{"scan", "--source", "file:" + fifo, "--no-store"}, signal: os.Interrupt},
		"Config files on a FIFO, SIGTERM": {args: []string{"scan", "--source", "config:" + fifo, "--no-store"}, signal: syscall.SIGTERM},
		"state on idle stdin, SIGTERM":    {args: []string{"iac", "--source", "demo", "--state", "-"}, idleIn: true, signal: syscall.SIGTERM},
		"state on idle stdin, SIGINT":     {args: []string{"iac", "--source", "demo", "--state", "-"}, idleIn: true, signal: os.Interrupt},
		"config on a FIFO, SIGINT":        {args: []string{"policy", "list"}, signal: os.Interrupt, blocked: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "steward.yaml")
			if err := syscall.Mkfifo(cfg, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append([]string{"--config", cfg}, tc.args...)...)
			cmd.Env = append(os.Environ(), "STEWARD_STORE="+filepath.Join(t.TempDir(), "s.db"), "HOME="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Stdout = io.Discard
			if tc.idleIn {
				pr, pw, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer pw.Close()
				defer pr.Close()
				cmd.Stdin = pr
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if tc.blocked {
				// Steward is reading the config once a writer may open it.
				w := waitReader(t, cfg, done)
				defer w.Close()
			} else {
				feed(t, cfg, "lang: en\n", done)
			}
			time.Sleep(200 * time.Millisecond)
			if err := cmd.Process.Signal(tc.signal); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 130 {
					t.Errorf("exit: %v, want code 130; stderr:\n%s", err, stderr.String())
				}
				if !strings.Contains(stderr.String(), "steward: interrupted") {
					t.Errorf("stderr does not say steward: interrupted:\n%s", stderr.String())
				}
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("steward still running 20s after %v; stderr:\n%s", tc.signal, stderr.String())
			}
		})
	}
}

// feed writes data to the FIFO at path once steward opens it.
func feed(t *testing.T, path, data string, exited <-chan error) {
	t.Helper()
	opened := make(chan *os.File, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			opened <- f
		}
	}()
	select {
	case f := <-opened:
		defer f.Close()
		if _, err := f.WriteString(data); err != nil {
			t.Fatal(err)
		}
	case err := <-exited:
		t.Fatalf("steward exited before reading its config: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("steward did not open its config")
	}
}

// waitReader returns a writer of the FIFO at path once steward has it open
// for reading; the writer writes nothing, so steward waits in its read.
func waitReader(t *testing.T, path string, exited <-chan error) *os.File {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		// Opening a FIFO to write without blocking fails until a reader
		// has it open.
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			return f
		}
		select {
		case err := <-exited:
			t.Fatalf("steward exited before opening %s: %v", path, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("steward did not open %s", path)
	return nil
}

// TestSecondSignalExits: once steward is interrupted, the next signal
// exits at once; before that, nothing does.
func TestSecondSignalExits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	subscribed := make(chan chan<- os.Signal, 1)
	exited := make(chan struct{})
	go exitOnSecondSignal(ctx, func(c chan<- os.Signal) { subscribed <- c }, func() { close(exited) })
	select {
	case <-subscribed:
		t.Fatal("subscribed to a second signal before the first")
	case <-time.After(50 * time.Millisecond):
	}
	cancel() // the first signal
	c := <-subscribed
	select {
	case <-exited:
		t.Fatal("exited on the first signal")
	case <-time.After(50 * time.Millisecond):
	}
	c <- os.Interrupt
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not exit")
	}
}

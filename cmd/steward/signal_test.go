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
		signals []os.Signal
		stderr  string
	}{
		"saved scan on a FIFO, SIGINT": {
			args: []string{"scan", "--source", "file:" + fifo, "--no-store"}, signals: []os.Signal{os.Interrupt}, stderr: "steward: interrupted",
		},
		"Config files on a FIFO, SIGTERM": {
			args: []string{"scan", "--source", "config:" + fifo, "--no-store"}, signals: []os.Signal{syscall.SIGTERM}, stderr: "steward: interrupted",
		},
		"state on idle stdin, SIGTERM": {
			args: []string{"iac", "--source", "demo", "--state", "-"}, idleIn: true, signals: []os.Signal{syscall.SIGTERM}, stderr: "steward: interrupted",
		},
		"config on a FIFO, SIGINT": {
			args: []string{"--config", fifo, "policy", "list"}, signals: []os.Signal{os.Interrupt}, stderr: "steward: interrupted",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tc.args...)
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
			// Give it time to get to the blocking read.
			time.Sleep(time.Second)
			for _, s := range tc.signals {
				if err := cmd.Process.Signal(s); err != nil {
					t.Fatal(err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 130 {
					t.Errorf("exit: %v, want code 130; stderr:\n%s", err, stderr.String())
				}
				if !strings.Contains(stderr.String(), tc.stderr) {
					t.Errorf("stderr does not say %q:\n%s", tc.stderr, stderr.String())
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("steward still running 10s after %v; stderr:\n%s", tc.signals, stderr.String())
			}
		})
	}
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

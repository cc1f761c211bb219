package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
)

// lockedBuffer is a bytes.Buffer safe to read while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// steward serve --demo seeds the store, answers, runs its scan job and
// stops cleanly on interrupt.
func TestServeDemo(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("serves the demo estate")
	}
	dir := t.TempDir()
	var stderr lockedBuffer
	env := Env{
		Stdout: io.Discard, Stderr: &stderr,
		Getenv: func(string) string { return "" },
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"--store", emptyStore(t, dir, "steward.db"), "serve", "--demo", "--listen", "127.0.0.1:0"}, env)
	}()

	base := servedAt(t, &stderr, code)
	var jobs struct {
		Jobs []struct {
			Name string `json:"name"`
			Last *struct {
				Result string `json:"result"`
			} `json:"last"`
		} `json:"jobs"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/api/jobs")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&jobs)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs.Jobs) != 1 || jobs.Jobs[0].Name != "scan" {
			t.Fatalf("demo jobs = %+v, want the scan only (nothing to stop or start without AWS)", jobs.Jobs)
		}
		if l := jobs.Jobs[0].Last; l != nil && l.Result != "" {
			if l.Result != "ok" {
				t.Fatalf("demo scan job result %q, want ok", l.Result)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scan job did not finish within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`steward_resources [1-9]`).Match(body) || !strings.Contains(string(body), `steward_job_runs_total{job="scan",result="ok"} 1`) {
		t.Errorf("/metrics after the demo scan:\n%s", body)
	}
	cancel()
	select {
	case c := <-code:
		if c != ExitOK && c != ExitInterrupted {
			t.Errorf("serve exited %d after interrupt; stderr:\n%s", c, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of the interrupt")
	}
}

func TestServeRefusesAnAddressOthersCanReach(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.1:8080", "example.com:80", "nonsense"} {
		env, _, errb := testEnv()
		if code := Main(context.Background(), []string{"--store", filepath.Join(t.TempDir(), "s.db"), "serve", "--dev", "--listen", addr}, env); code != ExitUsage {
			t.Errorf("serve --listen %s exited %d, want %d", addr, code, ExitUsage)
		}
		if !strings.Contains(errb.String(), "--listen") {
			t.Errorf("serve --listen %s: %q", addr, errb.String())
		}
	}
}

func TestServeWantsALogin(t *testing.T) {
	env, _, errb := testEnv()
	if code := Main(context.Background(), []string{"--store", filepath.Join(t.TempDir(), "s.db"), "serve"}, env); code != ExitUsage {
		t.Errorf("serve without login or --dev exited %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(errb.String(), "serve.auth") || !strings.Contains(errb.String(), "--dev") {
		t.Errorf("stderr %q does not say how to configure a login", errb.String())
	}
}

func TestTokenNew(t *testing.T) {
	env, out, _ := testEnv()
	if code := Main(context.Background(), []string{"token", "new", "github-actions", "--role", "operator"}, env); code != ExitOK {
		t.Fatalf("token new exited %d", code)
	}
	lines := strings.Split(out.String(), "\n")
	tok := lines[0]
	if !strings.HasPrefix(tok, "stw_") || len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	sum := sha256.Sum256([]byte(tok))
	want := "sha256: sha256:" + hex.EncodeToString(sum[:])
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "role: operator") || !strings.Contains(out.String(), `name: "github-actions"`) {
		t.Errorf("output lacks the hash line %q:\n%s", want, out.String())
	}
	// The printed YAML is accepted as it is.
	yml := out.String()[strings.Index(out.String(), "serve:"):]
	if _, err := config.Parse("steward.yaml", []byte(yml)); err != nil {
		t.Errorf("the printed steward.yaml lines do not parse: %v\n%s", err, yml)
	}
}

// runAs runs the command line for a person of the server: same store,
// their name as who asked, output captured.
func TestRunAs(t *testing.T) {
	dir := t.TempDir()
	env, _, _ := testEnv()
	env.Now = time.Now
	r := &runner{env: env, g: &Globals{Store: filepath.Join(dir, "steward.db")}, lang: "en"}
	if _, err := r.runAs(context.Background(), "hanako@example.co.jp", []string{"demo", "--format", "json"}); err != nil {
		t.Fatal(err)
	}
	out, err := r.runAs(context.Background(), "hanako@example.co.jp", []string{"schedule", "override", "add", "env:qa3", "--on", "--until", "2h", "--reason", "asked in Slack"})
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err = r.runAs(context.Background(), "taro", []string{"schedule", "override", "list", "--format", "json"})
	if err != nil || !strings.Contains(out, `"actor": "hanako@example.co.jp"`) || !strings.Contains(out, "asked in Slack") {
		t.Errorf("override list: %v\n%s", err, out)
	}
	out, err = r.runAs(context.Background(), "taro", []string{"schedule", "override", "add", "env:qa3", "--until", "2h"})
	if err == nil || !strings.Contains(out, "--reason") {
		t.Errorf("a refused command: %v\n%s", err, out)
	}
}

// servedAt waits for a `steward serve` started on 127.0.0.1:0 to print
// its address on stderr and returns it; the test fails if serve exits
// (its code arrives on code) or prints none within a minute.
func servedAt(t *testing.T, stderr *lockedBuffer, code <-chan int) string {
	t.Helper()
	addr := regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if base := addr.FindString(stderr.String()); base != "" {
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address printed within 60s; stderr:\n%s", stderr.String())
		}
		select {
		case c := <-code:
			t.Fatalf("serve exited %d; stderr:\n%s", c, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// testEnv is a command line's world, given to Main in process. A test
// that only runs commands on stores of its own (no t.Setenv, no shared
// moto server) runs in parallel with the others.
func testEnv() (Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) },
	}, &out, &errb
}

func TestParse(t *testing.T) {
	tests := map[string]struct {
		args    []string
		command string
		check   func(t *testing.T, c *CLI)
		wantErr string
	}{
		"demo defaults": {args: []string{"demo"}, command: "demo", check: func(t *testing.T, c *CLI) {
			if c.Demo.Format != "table" || c.Demo.GroupBy != "category" || c.Demo.FailOn != "" {
				t.Errorf("demo flags = %+v", c.Demo.OutputFlags)
			}
		}},
		"scan file source": {args: []string{"scan", "-s", "file:x.jsonl", "--format", "sarif", "--fail-on", "high"}, command: "scan", check: func(t *testing.T, c *CLI) {
			if c.Scan.Source != "file:x.jsonl" || c.Scan.Format != "sarif" || c.Scan.FailOn != "high" {
				t.Errorf("scan flags = %+v", c.Scan)
			}
		}},
		"global store": {args: []string{"--store", "/tmp/s.db", "findings"}, command: "findings", check: func(t *testing.T, c *CLI) {
			if c.Store != "/tmp/s.db" {
				t.Errorf("store = %q", c.Store)
			}
		}},
		"policy test": {args: []string{"policy", "test", "p/"}, command: "policy test <path>"},
		"schedule run": {args: []string{"schedule", "run", "--dry-run", "--at", "2026-11-19T20:30:00+09:00", "--source", "aws"}, command: "schedule run", check: func(t *testing.T, c *CLI) {
			if !c.Schedule.Run.DryRun || c.Schedule.Run.At != "2026-11-19T20:30:00+09:00" || c.Schedule.Run.Source != "aws" || c.Schedule.Run.Format != "table" {
				t.Errorf("schedule run flags = %+v", c.Schedule.Run)
			}
		}},
		"plan out": {args: []string{"plan", "--out", "p.json", "-f", "json"}, command: "plan", check: func(t *testing.T, c *CLI) {
			if c.Plan.Out != "p.json" || c.Plan.Format != "json" {
				t.Errorf("plan flags = %+v", c.Plan)
			}
		}},
		"undo":           {args: []string{"undo", "p1.2", "--auto-approve"}, command: "undo <change-id>"},
		"iam actions":    {args: []string{"iam-policy", "--actions"}, command: "iam-policy"},
		"apply needs":    {args: []string{"apply"}, wantErr: "expected \"<file>\""},
		"apply missing":  {args: []string{"apply", "/nonexistent/plan.json"}, wantErr: "no such file"},
		"journal format": {args: []string{"journal", "--format", "xml"}, wantErr: "--format"},
		"bad format":     {args: []string{"demo", "--format", "xml"}, wantErr: "--format"},
		"bad fail-on":    {args: []string{"demo", "--fail-on", "urgent"}, wantErr: "--fail-on"},
		"bad group-by":   {args: []string{"findings", "--group-by", "colour"}, wantErr: "--group-by"},
		"no command":     {args: nil, wantErr: "expected one of"},
		"unknown flag":   {args: []string{"demo", "--colour"}, wantErr: "unknown flag"},
		"history needs":  {args: []string{"history"}, wantErr: "expected \"<resource>\""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			env, _, _ := testEnv()
			c, kctx, err := Parse(tc.args, env, func(int) {})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want one mentioning %q", tc.args, err, tc.wantErr)
				}
				var ue usageError
				if !errors.As(err, &ue) {
					t.Errorf("parse errors must be usage errors (exit 2), got %T", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := kctx.Command(); got != tc.command {
				t.Errorf("command = %q, want %q", got, tc.command)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestParseSource(t *testing.T) {
	tests := map[string]struct {
		in, kind, path string
		err            bool
	}{
		"demo":        {in: "demo", kind: "demo"},
		"aws":         {in: "aws", kind: "aws"},
		"file":        {in: "file:/tmp/a b.jsonl", kind: "file", path: "/tmp/a b.jsonl"},
		"config":      {in: "config:snap/", kind: "config", path: "snap/"},
		"colon in it": {in: "file:C:/x", kind: "file", path: "C:/x"},
		"empty path":  {in: "file:", err: true},
		"unknown":     {in: "s3://bucket", err: true},
		"empty":       {in: "", err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			kind, path, err := ParseSource(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("ParseSource(%q) error = %v, want error %v", tc.in, err, tc.err)
			}
			if kind != tc.kind || path != tc.path {
				t.Errorf("ParseSource(%q) = %q, %q; want %q, %q", tc.in, kind, path, tc.kind, tc.path)
			}
		})
	}
}

func TestGate(t *testing.T) {
	complete := &inventory.Scan{Coverage: []inventory.Coverage{{Account: "1", Region: "r", Service: "ec2", OK: true}}}
	partial := &inventory.Scan{Coverage: []inventory.Coverage{{Account: "1", Region: "r", Service: "ec2", OK: true}, {Account: "1", Region: "r", Service: "s3", Error: "AccessDenied"}}}
	high := []finding.Finding{{Severity: finding.High}, {Severity: finding.Low}}
	low := []finding.Finding{{Severity: finding.Low}}
	sev := func(s finding.Severity) *finding.Severity { return &s }
	tests := map[string]struct {
		scan   *inventory.Scan
		fs     []finding.Finding
		failOn *finding.Severity
		want   int
	}{
		"clean":                  {scan: complete, fs: low, want: ExitOK},
		"below gate":             {scan: complete, fs: low, failOn: sev(finding.Medium), want: ExitOK},
		"at gate":                {scan: complete, fs: high, failOn: sev(finding.High), want: ExitFindings},
		"above gate":             {scan: complete, fs: high, failOn: sev(finding.Medium), want: ExitFindings},
		"gaps":                   {scan: partial, fs: low, want: ExitIncomplete},
		"gaps below gate":        {scan: partial, fs: low, failOn: sev(finding.High), want: ExitIncomplete},
		"findings win over gaps": {scan: partial, fs: high, failOn: sev(finding.High), want: ExitFindings},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var errb bytes.Buffer
			got := exitCode(context.Background(), &errb, gate(tc.scan, tc.fs, tc.failOn, "x", i18n.EN), i18n.EN)
			if got != tc.want {
				t.Errorf("exit code = %d, want %d (%s)", got, tc.want, errb.String())
			}
		})
	}
}

func TestInterruptedIsNotAFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errb bytes.Buffer
	if got := exitCode(ctx, &errb, context.Canceled, i18n.EN); got != ExitInterrupted {
		t.Errorf("exit code = %d, want %d", got, ExitInterrupted)
	}
	if diff := cmp.Diff("steward: interrupted\n", errb.String()); diff != "" {
		t.Error(diff)
	}
}

func TestMainVersionAndNoColor(t *testing.T) {
	env, out, _ := testEnv()
	if code := Main(context.Background(), []string{"version"}, env); code != 0 {
		t.Fatalf("version exit = %d", code)
	}
	if !strings.HasPrefix(out.String(), "steward ") {
		t.Errorf("version output %q", out.String())
	}
	env, _, errb := testEnv()
	env.Getenv = func(k string) string {
		if k == "NO_COLOR" {
			return "yes"
		}
		return ""
	}
	if code := Main(context.Background(), []string{"version"}, env); code != 0 {
		t.Fatalf("NO_COLOR=yes must not be a usage error: exit %d, %s", code, errb)
	}
}

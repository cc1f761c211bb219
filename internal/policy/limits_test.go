package policy

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/collect/awsconfig"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// logBuffer is a logger that keeps what it was told, for workers logging
// at once.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// TestBuiltinsEvaluateCleanly runs the built-in packs, under the nesting
// limit and a cost limit a hundred times lower than users' policies get,
// over the demo estate and over the AWS Config files of the awsconfig
// tests: no expression may fail on any resource (a failure is a finding
// lost), and none may come near the limit steward runs them without. Config leaves out what it does not record, such as target
// health, so this also holds the packs to has() where an attr may be
// missing.
func TestBuiltinsEvaluateCleanly(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	sources := map[string]inventory.Source{
		"demo":   demo.New(now),
		"config": awsconfig.NewSource("../collect/awsconfig/testdata/src", 0, nil),
		"estate": awsconfig.NewSource("../collect/awsconfig/testdata/estate", 0, nil),
	}
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			col, err := src.Collect(context.Background(), inventory.NoProgress{})
			if err != nil {
				t.Fatal(err)
			}
			var log logBuffer
			opts := testOptions()
			opts.Logger = log.logger()
			e, err := compileAll(ps, opts, MaxEvalCost/100)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Evaluate(context.Background(), col.Resources); err != nil {
				t.Fatal(err)
			}
			if got := log.String(); got != "" {
				t.Errorf("evaluation of %d resources logged problems:\n%s", len(col.Resources), got)
			}
		})
	}
}

// TestCostLimits: a policy that would run for hours or fill memory fails
// to compile when that is certain, and otherwise fails alone, on each
// resource it is too costly for, while every other policy goes on.
func TestCostLimits(t *testing.T) {
	ten := "[1,2,3,4,5,6,7,8,9,10]"
	nested := ten + ".map(a, " + ten + ".map(b, " + ten + ".map(c, " + ten + ".map(d, " + ten + ".map(e, 1)))))"
	hundred := "lists.range(200)"
	wide := hundred + ".map(a, " + hundred + ".map(b, " + hundred + ".map(c, a + b + c)))"
	compileErrors := map[string]struct {
		where string
		want  string
	}{
		"nesting":         {where: nested + ".size() > 0", want: "p.yaml:9: policy bomb: where: comprehension exceeds nesting limit"},
		"certain cost":    {where: wide + ".size() > 0", want: "p.yaml:9: policy bomb: where: costs at least"},
		"long expression": {where: strings.Repeat("1 + ", 20000) + "1 > 0", want: "p.yaml:9: policy bomb: where: expression code point size exceeds limit"},
	}
	for name, tc := range compileErrors {
		t.Run(name, func(t *testing.T) {
			ps, err := Parse("p.yaml", []byte(bombPolicy(tc.where)))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = Compile(ps, testOptions())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compile = %v, want an error containing %q", err, tc.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Compile took %v", d)
			}
		})
	}

	t.Run("at evaluation", func(t *testing.T) {
		// The size of each list comes from the resource, so only evaluation
		// can tell: 10^9 steps for the big volume, a few for the small one.
		where := "lists.range(int(r.attrs.size_gb)).map(a, lists.range(int(r.attrs.size_gb)).map(b, lists.range(int(r.attrs.size_gb)).map(c, a))).size() > 0"
		ps, err := Parse("p.yaml", []byte(bombPolicy(where)+goodPolicy[len("pack: custom\npolicies:\n"):]))
		if err != nil {
			t.Fatal(err)
		}
		var log logBuffer
		opts := testOptions()
		opts.Logger = log.logger()
		e, err := Compile(ps, opts)
		if err != nil {
			t.Fatal(err)
		}
		rs := []inventory.Resource{
			{ARN: "arn:vol/big", Type: "AWS::EC2::Volume", Attrs: inventory.AttrsOf(map[string]any{"size_gb": 1000.0})},
			{ARN: "arn:vol/small", Type: "AWS::EC2::Volume", Attrs: inventory.AttrsOf(map[string]any{"size_gb": 3.0})},
		}
		start := time.Now()
		fs, err := e.Evaluate(context.Background(), rs)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Evaluate took %v", d)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Policy+" "+f.ARN)
		}
		if want := "big-volume arn:vol/big,bomb arn:vol/small"; strings.Join(got, ",") != want {
			t.Errorf("findings = %v, want %s", got, want)
		}
		logged := log.String()
		for _, want := range []string{"policy=bomb", "at=p.yaml:9", "arn=arn:vol/big", "exceeded the cost limit of 1000000 steps"} {
			if !strings.Contains(logged, want) {
				t.Errorf("log does not say %q:\n%s", want, logged)
			}
		}
		if strings.Contains(logged, "arn:vol/small") {
			t.Errorf("the small volume's evaluation failed:\n%s", logged)
		}
	})

	t.Run("built-in pack with params changed", func(t *testing.T) {
		// The packs steward ships run unmetered; once the user changes a
		// pack's params it is no longer the expression that was tested,
		// so it runs under the limit like any user policy.
		where := "lists.range(int(r.attrs.size_gb) * params.k).map(a, lists.range(int(r.attrs.size_gb)).map(b, lists.range(int(r.attrs.size_gb)).map(c, a))).size() > 0"
		ps, err := Parse("p.yaml", []byte(bombPolicy(where)+"    params: {k: 1}\n"))
		if err != nil {
			t.Fatal(err)
		}
		ps[0].builtin = true
		var log logBuffer
		opts := testOptions()
		opts.Logger = log.logger()
		opts.Params = map[string]map[string]any{"bomb": {"k": 2}}
		e, err := Compile(ps, opts)
		if err != nil {
			t.Fatal(err)
		}
		rs := []inventory.Resource{{ARN: "arn:vol/big", Type: "AWS::EC2::Volume", Attrs: inventory.AttrsOf(map[string]any{"size_gb": 1000.0})}}
		start := time.Now()
		fs, err := e.Evaluate(context.Background(), rs)
		if err != nil || len(fs) != 0 {
			t.Fatalf("Evaluate = %d findings, %v; want none", len(fs), err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Evaluate took %v", d)
		}
		if !strings.Contains(log.String(), "exceeded the cost limit") {
			t.Errorf("log does not say the limit was exceeded:\n%s", log.String())
		}
	})

	t.Run("constant that grows", func(t *testing.T) {
		// Ten replaces make a string of 10^10 bytes from constants alone:
		// folded at compile time, with no limit, it filled memory.
		where := "'a'" + strings.Repeat(".replace('a', 'aaaaaaaaaa')", 10) + ".size() > 0"
		ps, err := Parse("p.yaml", []byte(bombPolicy(where)))
		if err != nil {
			t.Fatal(err)
		}
		var log logBuffer
		opts := testOptions()
		opts.Logger = log.logger()
		e, err := Compile(ps, opts)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := e.Evaluate(context.Background(), []inventory.Resource{{ARN: "arn:vol/a", Type: "AWS::EC2::Volume"}})
		if err != nil || len(fs) != 0 {
			t.Fatalf("Evaluate = %d findings, %v; want none", len(fs), err)
		}
		if !strings.Contains(log.String(), "exceeded the cost limit") {
			t.Errorf("log does not say the limit was exceeded:\n%s", log.String())
		}
	})

	t.Run("per evaluation", func(t *testing.T) {
		// Each evaluation has the whole limit: costs must not add up over
		// the resources a worker evaluates. The premise, checked first:
		// the expression ten times over, on one resource, is over the
		// limit; then ten resources on one worker evaluate it once each,
		// all of them in full. More resources only repeat the same work.
		const n = 10
		one := "lists.range(2000).map(a, lists.range(20).map(b, a + b)).size() > 0"
		tenfold := strings.TrimSuffix(strings.Repeat("("+one+") && ", n), " && ")
		evaluate := func(where string, resources int) ([]finding.Finding, string) {
			t.Helper()
			ps, err := Parse("p.yaml", []byte(bombPolicy(where)))
			if err != nil {
				t.Fatal(err)
			}
			var log logBuffer
			opts := testOptions()
			opts.Logger = log.logger()
			opts.Workers = 1
			e, err := Compile(ps, opts)
			if err != nil {
				t.Fatal(err)
			}
			var rs []inventory.Resource
			for i := range resources {
				rs = append(rs, inventory.Resource{ARN: fmt.Sprintf("arn:vol/%03d", i), Type: "AWS::EC2::Volume"})
			}
			fs, err := e.Evaluate(context.Background(), rs)
			if err != nil {
				t.Fatal(err)
			}
			return fs, log.String()
		}
		if fs, log := evaluate(tenfold, 1); len(fs) != 0 || !strings.Contains(log, "exceeded the cost limit") {
			t.Fatalf("the expression %d times over is within the limit (%d findings): the test would not tell added-up costs apart; log:\n%.2000s", n, len(fs), log)
		}
		if fs, log := evaluate(one, n); len(fs) != n {
			t.Errorf("%d findings, want %d; log:\n%.2000s", len(fs), n, log)
		}
	})
}

func bombPolicy(where string) string {
	return `pack: bomb
policies:
  - id: bomb
    title: Expensive
    types: [AWS::EC2::Volume]
    severity: low
    category: cost
    where: >-
      ` + where + "\n"
}

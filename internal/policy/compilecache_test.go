package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
)

// probePolicy's message calls every helper that reads the options, with
// parameters where folding computes them at compile time.
const probePolicy = `pack: cacheprobe
policies:
  - id: cache-probe
    title: Probe
    types: [AWS::EC2::Volume]
    severity: low
    category: cost
    params: {limit: 5, old: m4.large}
    where: 'true'
    message: "age=${string(in_days(age(r)))} money=${money(params.limit)} name=[${name_problem(r)}] missing=${missing_tags(r).join(',')} next=${current_generation(params.old)}"
    ja:
      message: "経過=${string(in_days(age(r)))} 名前=[${name_problem(r)}]"
`

// TestCompileCacheKeysTranslations compiles the probe, then the probe with
// another Japanese message: the second engine's findings must say its own
// Japanese text, and the helpers in each message speak that message's
// language, whichever engine compiled first.
func TestCompileCacheKeysTranslations(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	vol := inventory.Resource{
		ARN: "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", Type: "AWS::EC2::Volume",
		Account: "111111111111", Region: "us-east-1", Name: "shop-prod", Created: created,
	}
	opts := Options{Now: created.Add(10 * 24 * time.Hour), Pricer: ListPrices{},
		Naming: naming.MustCompile("{system}-{env}", "", map[string][]string{"env": {"stg"}})}
	eval := func(src string) (en, ja string) {
		t.Helper()
		ps, err := Parse("probe.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ps[0].builtin = true
		e, err := Compile(ps, opts)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := e.Evaluate(context.Background(), []inventory.Resource{vol})
		if err != nil || len(fs) != 1 {
			t.Fatalf("evaluate: %d findings, %v", len(fs), err)
		}
		return fs[0].Message, fs[0].MessageIn(i18n.JA)
	}
	en1, ja1 := eval(probePolicy)
	en2, ja2 := eval(strings.Replace(probePolicy, "経過=", "経過日数=", 1))
	if en1 != en2 {
		t.Errorf("English messages differ: %q, %q", en1, en2)
	}
	if !strings.HasPrefix(ja1, "経過=10 ") || !strings.HasPrefix(ja2, "経過日数=10 ") {
		t.Errorf("Japanese messages %q and %q, want each policy's own text", ja1, ja2)
	}
	if !strings.Contains(en1, "name=[env part") || !strings.Contains(ja1, "名前=[env の部分") {
		t.Errorf("name_problem wrote %q in English and %q in Japanese, want each message's language", en1, ja1)
	}
}

// TestCompileCacheBindsEachRunsOptions compiles the same policy under two
// sets of options, then the first again: each engine's findings must be
// those of its own options, never of the engine compiled before it, and the
// third compile must come from the cache.
func TestCompileCacheBindsEachRunsOptions(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	vol := inventory.Resource{
		ARN: "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", Type: "AWS::EC2::Volume",
		Account: "111111111111", Region: "us-east-1", Name: "shop-prod", Created: created,
		Tags: inventory.TagsOf(map[string]string{"team": "a"}),
	}
	base := func() Options {
		return Options{Now: created.Add(10 * 24 * time.Hour), Pricer: ListPrices{}, Required: map[string][]string{"owner": nil}}
	}
	tests := map[string]struct {
		// before sets both options; change makes the second differ.
		before, change func(*Options)
		wantA, wantB   string // in the message under base and changed options
	}{
		"clock": {
			change: func(o *Options) { o.Now = created.Add(40 * 24 * time.Hour) },
			wantA:  "age=10 ", wantB: "age=40 ",
		},
		"currency": {
			change: func(o *Options) { o.Currency, o.Rate = "JPY", 150 },
			wantA:  "money=$5.00 ", wantB: "money=¥750 ",
		},
		"currency at the same rate": {
			change: func(o *Options) { o.Currency, o.Rate = "EUR", 1 },
			wantA:  "money=$5.00 ", wantB: "money=5.00 EUR ",
		},
		"params": {
			change: func(o *Options) { o.Params = map[string]map[string]any{"cache-probe": {"limit": 7}} },
			wantA:  "money=$5.00 ", wantB: "money=$7.00 ",
		},
		"naming rule": {
			change: func(o *Options) {
				o.Naming = naming.MustCompile("{env}-{system}", "", map[string][]string{"env": {"prod"}})
			},
			wantA: "name=[] ", wantB: "name=[env",
		},
		"naming allowed values": {
			change: func(o *Options) {
				o.Naming = naming.MustCompile("{system}-{env}", "", map[string][]string{"env": {"stg"}})
			},
			wantA: "name=[] ", wantB: "name=[env",
		},
		"required tags": {
			change: func(o *Options) { o.Required = map[string][]string{"cost-center": nil} },
			wantA:  "missing=owner ", wantB: "missing=cost-center ",
		},
		"required scope": {
			change: func(o *Options) { o.RequiredExempt = []string{"AWS::EC2::*"} },
			wantA:  "missing=owner ", wantB: "missing= ",
		},
		"pricer": {
			change: func(o *Options) { o.Pricer = nil },
			wantA:  "next=m", wantB: "next=",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := base()
			a.Naming = naming.MustCompile("{system}-{env}", "", nil)
			if tc.before != nil {
				tc.before(&a)
			}
			b := a
			tc.change(&b)
			message := func(opts Options) string {
				t.Helper()
				ps, err := Parse("probe.yaml", []byte(probePolicy))
				if err != nil {
					t.Fatal(err)
				}
				// Built-in policies are folded at compile time: the case
				// that would keep a stale constant.
				ps[0].builtin = true
				e, err := Compile(ps, opts)
				if err != nil {
					t.Fatal(err)
				}
				fs, err := e.Evaluate(context.Background(), []inventory.Resource{vol})
				if err != nil {
					t.Fatal(err)
				}
				if len(fs) != 1 {
					t.Fatalf("got %d findings, want 1", len(fs))
				}
				return fs[0].Message
			}
			gotA := message(a)
			gotB := message(b)
			hits, _ := programs.stats()
			gotA2 := message(a)
			if h, _ := programs.stats(); h <= hits {
				t.Errorf("compiling under the same options again did not use the cache (hits %d -> %d)", hits, h)
			}
			for _, c := range []struct{ got, want, which string }{
				{gotA, tc.wantA, "first options"}, {gotB, tc.wantB, "changed options"}, {gotA2, tc.wantA, "first options again"},
			} {
				if !strings.Contains(c.got+" ", c.want) {
					t.Errorf("%s: message %q, want it to contain %q", c.which, c.got, c.want)
				}
			}
			if gotA == gotB {
				t.Errorf("changed options gave the same message %q", gotA)
			}
			if gotA2 != gotA {
				t.Errorf("compiling again from the cache gave %q, the first compile %q", gotA2, gotA)
			}
		})
	}
}

// statefulPricer is a caller's own pricer: what it returns may change
// between compiles, so engines using one are never cached.
type statefulPricer struct {
	ListPrices
	next string
}

func (p *statefulPricer) CurrentGenerationOf(string) (string, bool) { return p.next, true }

func TestCompileCacheSkipsCallersPricer(t *testing.T) {
	ps, err := Parse("probe.yaml", []byte(probePolicy))
	if err != nil {
		t.Fatal(err)
	}
	ps[0].builtin = true
	pr := &statefulPricer{next: "first"}
	opts := Options{Now: time.Now(), Pricer: pr}
	vol := inventory.Resource{ARN: "arn:aws:ec2:us-east-1:1:volume/vol-1", Type: "AWS::EC2::Volume", Created: time.Now()}
	for _, want := range []string{"first", "second"} {
		pr.next = want
		e, err := Compile(ps, opts)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := e.Evaluate(context.Background(), []inventory.Resource{vol})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || !strings.HasSuffix(fs[0].Message, "next="+want) {
			t.Errorf("got %v, want one finding ending next=%s", fs, want)
		}
	}
}

// TestCompileCacheSharesClockFreePolicies checks that a policy calling no
// clock helper is compiled once for every clock, and that the variable now
// is still each engine's own.
func TestCompileCacheSharesClockFreePolicies(t *testing.T) {
	const src = `pack: cacheclock
policies:
  - id: cache-clock
    title: Clock
    types: [AWS::EC2::Volume]
    severity: low
    category: cost
    where: 'true'
    message: "at=${string(now)}"
`
	vol := inventory.Resource{ARN: "arn:aws:ec2:us-east-1:1:volume/vol-1", Type: "AWS::EC2::Volume"}
	var progs []any
	for i, now := range []time.Time{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)} {
		ps, err := Parse("clock.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ps[0].builtin = true
		e, err := Compile(ps, Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		seg := e.policies[0].message
		if len(seg) != 2 || seg[1].prog == nil {
			t.Fatalf("message compiled to %d segments, want the text and then the interpolation", len(seg))
		}
		progs = append(progs, seg[1].prog)
		fs, err := e.Evaluate(context.Background(), []inventory.Resource{vol})
		if err != nil {
			t.Fatal(err)
		}
		if want := "at=" + now.Format(time.RFC3339); len(fs) != 1 || fs[0].Message != want {
			t.Errorf("engine %d: got %v, want one finding saying %q", i, fs, want)
		}
	}
	if progs[0] != progs[1] {
		t.Error("a policy that reads no clock helper was compiled again for another clock")
	}
}

package costreport

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/report/table"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

var demoNow = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// demoCommon ingests the demo bill for the demo estate.
func demoCommon(t *testing.T) cost.Common {
	t.Helper()
	rs := demo.Estate(demoNow)
	var bill bytes.Buffer
	if err := cost.GenerateDemoBill(demoNow, rs, &bill); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "demo-focus.csv")
	if err := os.WriteFile(p, bill.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	st := cost.NewMemStore()
	res, err := cost.Ingest(context.Background(), st, cost.IngestOptions{Paths: []string{p}, Now: demoNow})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Skipped != 0 || res.Stats.Files[0].Format != cost.FOCUS12 {
		t.Fatalf("demo bill: %+v", res.Stats)
	}
	// steward's default owner keys and naming rule (config.Default()).
	envs := []string{"prod", "stg", "dev", "qa"}
	for i := 1; i <= 10; i++ {
		envs = append(envs, fmt.Sprintf("qa%d", i))
	}
	return cost.Common{Store: st, Keys: cost.Keys{System: "system", Env: "env", Owner: "owner"},
		Naming:   naming.MustCompile("{system}-{env}-{role}", "", map[string][]string{"env": envs}),
		Currency: "USD", Rate: 1, Resources: rs, Now: demoNow}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", name, d)
	}
}

func TestDemoShow(t *testing.T) {
	c := demoCommon(t)
	for _, tc := range []struct{ by, format string }{
		{"system", "table"}, {"env", "markdown"}, {"service", "csv"}, {"owner", "json"},
	} {
		t.Run(tc.by+"-"+tc.format, func(t *testing.T) {
			r, err := cost.Show(context.Background(), cost.ShowOptions{Common: c, By: tc.by})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := Show(&out, r, Options{Format: tc.format}); err != nil {
				t.Fatal(err)
			}
			golden(t, "show-"+tc.by+"."+tc.format, out.Bytes())
		})
	}
}

// A breakdown cut by --top says how many groups it left out.
func TestShowSaysMore(t *testing.T) {
	r := &cost.ShowResult{By: "resource", From: "2025-01-02", To: "2025-01-03", Basis: "billed", Currency: "USD",
		Total: cost.MustMoney("78"), Usage: cost.MustMoney("78"), MoreGroups: 9, MoreCost: cost.MustMoney("45"),
		Groups: []cost.Group{{Key: "i-11", Cost: cost.MustMoney("12"), Share: 12.0 / 78}}}
	for lang, want := range map[i18n.Lang]string{i18n.EN: "9 more (--top)", i18n.JA: "ほか 9件"} {
		var b bytes.Buffer
		if err := Show(&b, r, Options{Format: "table", Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "57.7%") {
			t.Errorf("%s: table does not say %q with the share 45/78:\n%s", lang, want, b.String())
		}
	}
}

// A failed check ends with an error in the reader's language that is
// still cost.ErrCheckFailed; a passed one with none.
func TestCheckFailed(t *testing.T) {
	c := demoCommon(t)
	c.Now = demoNow.AddDate(0, 0, -9) // mid-February: the bill has the month so far
	c.Cost.Budgets = []cost.Budget{{System: "shop", Env: "prod", Monthly: cost.MustMoney("1")}, {System: "auth", Monthly: cost.MustMoney("100000")}}
	r, err := cost.Check(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[i18n.Lang][]string{
		i18n.EN: {"cost check failed: ", "budget system=shop env=prod: "},
		i18n.JA: {"cost check: 問題が ", "予算 system=shop env=prod: 当月の支出 "},
	}
	for lang, want := range tests {
		err := CheckFailed(r, lang)
		if !errors.Is(err, cost.ErrCheckFailed) {
			t.Fatalf("%s: err = %v, want ErrCheckFailed", lang, err)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %q, want it to say %q", lang, err, w)
			}
		}
	}
	c.Cost.Budgets = nil
	c.Cost.Anomaly.FailImpact = cost.MustMoney("1000000")
	if r, err = cost.Check(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := CheckFailed(r, i18n.EN); err != nil {
		t.Errorf("no budgets and a high anomaly bar: %v", err)
	}
}

func TestRecommendRender(t *testing.T) {
	c := demoCommon(t)
	c.Findings = []finding.Finding{}
	r, err := cost.Recommend(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		format string
		width  int
	}{{"table", 0}, {"table", 80}, {"markdown", 0}, {"csv", 0}, {"json", 0}} {
		name := tc.format
		if tc.width > 0 {
			name += fmt.Sprintf("-%d", tc.width)
		}
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Recommend(&out, r, Options{Format: tc.format, Width: tc.width}); err != nil {
				t.Fatal(err)
			}
			golden(t, "recommend."+name, out.Bytes())
			if tc.width == 0 {
				return
			}
			for _, line := range strings.Split(out.String(), "\n") {
				if w := table.Width(line); w > tc.width {
					t.Errorf("line of %d columns at width %d: %q", w, tc.width, line)
				}
			}
		})
	}
}

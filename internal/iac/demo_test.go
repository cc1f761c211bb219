package iac

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/golden"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/inventory"
)

// demoNow fixes the demo estate's clock for the fixtures.
var demoNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func TestDemoStates(t *testing.T) {
	got := DemoStates(demo.Estate(demoNow))
	if len(got) != 3 {
		t.Fatalf("demo states = %d files, want 3 (shop, api, platform)", len(got))
	}
	for file, data := range got {
		golden.Check(t, filepath.Join("testdata", "demo", file), data)
	}
}

// TestDemoReport runs `steward iac` on the demo estate and its states and
// checks every format against golden files.
func TestDemoReport(t *testing.T) {
	tests := map[string]RunOptions{
		"table":        {Format: "table"},
		"table-80":     {Format: "table", Width: 80},
		"json":         {Format: "json"},
		"imports-api":  {Format: "imports", Import: ImportFilter{System: "api"}},
		"ja-table-80":  {Format: "table", Width: 80, Lang: i18n.JA},
		"ja-table-160": {Format: "table", Width: 160, Lang: i18n.JA},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			o.Source, o.Now, o.States = demo.New(demoNow), demoNow, []string{"testdata/demo/*.tfstate"}
			var buf bytes.Buffer
			out, err := Run(context.Background(), o, &buf)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", "demo-"+name+".txt"), buf.Bytes())
			for _, line := range strings.Split(buf.String(), "\n") {
				if o.Width > 0 && table.Width(line) > o.Width {
					t.Errorf("line of %d columns at width %d: %q", table.Width(line), o.Width, line)
				}
			}
			if o.Lang == i18n.JA && o.Format == "table" {
				for _, want := range []string{"IaC カバレッジ: ", "管理下", "管理外（", "アカウントに実体なし（", "二重に宣言されたリソース（1件）", "作成者"} {
					if !strings.Contains(buf.String(), want) {
						t.Errorf("no %q in the Japanese table", want)
					}
				}
			}
			res := out.Result
			if len(res.Missing) != 2 || len(res.Duplicates) != 1 || len(out.Problems) != 0 {
				t.Errorf("missing %d, duplicates %d, problems %v; want 2, 1, none", len(res.Missing), len(res.Duplicates), out.Problems)
			}
			// Coverage reproduces by hand from the lists.
			m, u, x := len(res.Managed), len(res.Unmanaged), len(res.Missing)
			if want := fmt.Sprintf("%.1f", 100*float64(m)/float64(m+u+x)); want != fmt.Sprintf("%.1f", res.Total.Percent) {
				t.Errorf("coverage %.1f, by hand %s", res.Total.Percent, want)
			}
		})
	}
}

// TestDemoJSONSameInEveryLanguage: JSON is read by programs; it does
// not change with the language.
func TestDemoJSONSameInEveryLanguage(t *testing.T) {
	out := map[i18n.Lang]string{}
	for _, lang := range []i18n.Lang{i18n.EN, i18n.JA} {
		o := RunOptions{Format: "json", Lang: lang, Source: demo.New(demoNow), Now: demoNow, States: []string{"testdata/demo/*.tfstate"}}
		var buf bytes.Buffer
		if _, err := Run(context.Background(), o, &buf); err != nil {
			t.Fatal(err)
		}
		out[lang] = buf.String()
	}
	if len(out[i18n.EN]) < 1000 || out[i18n.EN] != out[i18n.JA] {
		t.Error("iac JSON changes with the language")
	}
}

// TestDemoBuiltIn runs `steward iac --source demo` with no input named: the
// demo's own states give the coverage the state files do, and its trail
// log says who made the unmanaged resources.
func TestDemoBuiltIn(t *testing.T) {
	run := func(o RunOptions) (*Outcome, string) {
		t.Helper()
		o.Source, o.Now = demo.New(demoNow), demoNow
		var buf bytes.Buffer
		out, err := Run(context.Background(), o, &buf)
		if err != nil {
			t.Fatal(err)
		}
		return out, buf.String()
	}
	files, _ := run(RunOptions{Format: "json", States: []string{"testdata/demo/*.tfstate"}})
	built, _ := run(RunOptions{Format: "json", DemoStates: true})
	if f, b := files.Result.Total, built.Result.Total; f != b || len(files.Findings) != len(built.Findings) {
		t.Errorf("built-in states: %+v, %d findings; state files: %+v, %d findings", b, len(built.Findings), f, len(files.Findings))
	}

	for name, lang := range map[string]i18n.Lang{"en": i18n.EN, "ja": i18n.JA} {
		t.Run(name, func(t *testing.T) {
			_, text := run(RunOptions{Format: "table", Width: 160, DemoStates: true, DemoTrail: true, Lang: lang})
			golden.Check(t, filepath.Join("testdata", "golden", "demo-creators-"+name+".txt"), []byte(text))
			for _, line := range strings.Split(text, "\n") {
				if table.Width(line) > 160 {
					t.Errorf("line of %d columns at width 160: %q", table.Width(line), line)
				}
			}
		})
	}

	out, _ := run(RunOptions{Format: "json", DemoStates: true, DemoTrail: true})
	by := map[string]*Entry{}
	known := 0
	for i := range out.Result.Unmanaged {
		e := &out.Result.Unmanaged[i]
		by[e.Type+" "+e.Name] = e
		if e.Creator != nil && e.Creator.Principal != "" {
			known++
		}
		if e.Creator != nil && e.Creator.Via == ViaTerraform {
			t.Errorf("%s: unmanaged, yet made by Terraform", e.ARN)
		}
	}
	if n := len(out.Result.Unmanaged); known < n*9/10 {
		t.Errorf("%d of %d unmanaged resources have a creator, want at least 90%%", known, n)
	}
	want := map[string]inventory.Creator{
		// Made by hand in dev after sato, the first console user, joined.
		"AWS::EC2::SecurityGroup launch-wizard-1": {Principal: "arn:aws:iam::" + demo.DevAccount + ":user/sato", Via: ViaConsole},
		// kobayashi's own test box, by its name.
		"AWS::EC2::Instance kobayashi-test": {Principal: "arn:aws:iam::" + demo.DevAccount + ":user/kobayashi", Via: ViaConsole},
		// Before any IAM user existed: the root user.
		"AWS::S3::Bucket marketing-campaign-2023": {Principal: "arn:aws:iam::" + demo.ProdAccount + ":root", Via: ViaConsole},
		// Deployments register task definitions.
		"AWS::ECS::TaskDefinition api-dev-app": {Principal: "arn:aws:iam::" + demo.DevAccount + ":user/ci-deploy", Via: ViaSDK},
		// Older than the account's trail: nobody can say.
		"AWS::EC2::Instance test-server": {Via: ViaUnknown},
	}
	for key, w := range want {
		e := by[key]
		if e == nil || e.Creator == nil {
			t.Errorf("%s: not unmanaged, or no creator: %+v", key, e)
			continue
		}
		if got := (inventory.Creator{Principal: e.Creator.Principal, Via: e.Creator.Via}); got != w {
			t.Errorf("%s: creator %+v, want %+v", key, got, w)
		}
		if w.Principal != "" && !e.Creator.At.Equal(e.Created) {
			t.Errorf("%s: created at %v by the trail, %v by the inventory", key, e.Creator.At, e.Created)
		}
	}
	// The finding of an unmanaged resource names its creator too.
	for _, f := range out.Findings {
		if f.Policy == PolicyUnmanaged && f.Name == "launch-wizard-1" {
			if f.Creator != want["AWS::EC2::SecurityGroup launch-wizard-1"].Principal || !strings.Contains(f.Message, "created by arn:aws:iam::"+demo.DevAccount+":user/sato via console") {
				t.Errorf("launch-wizard-1 finding: creator %q, message %q", f.Creator, f.Message)
			}
		}
	}
}

// TestDemoTrailLogParses: the demo's trail log is a CloudTrail log file
// steward reads like any other, and every event is in its resource's
// account and names it.
func TestDemoTrailLogParses(t *testing.T) {
	rs := demo.Estate(demoNow)
	data := DemoTrailLog(rs)
	if !bytes.Equal(data, DemoTrailLog(demo.Estate(demoNow))) {
		t.Error("the demo trail log changes between two calls")
	}
	evs, err := ParseTrailLog(DemoTrailLogName, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < 200 {
		t.Fatalf("%d creation events, want one per resource made since the trail (200+)", len(evs))
	}
	arns := map[string]string{}
	for _, r := range rs {
		arns[r.ARN], arns[r.ID] = r.Account, r.Account
	}
	for _, e := range evs {
		named := false
		for _, id := range e.IDs {
			if acct, ok := arns[id]; ok && acct == e.Account {
				named = true
			}
		}
		if !named || e.Principal == "" || e.Via == ViaUnknown {
			t.Errorf("event %s at %v (%s, %s) names no resource of account %s", e.Name, e.Time, e.Principal, e.Via, e.Account)
		}
	}
}

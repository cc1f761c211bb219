package cost

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/naming"
)

var demoNow = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// demoCommon ingests the demo bill for the demo estate.
func demoCommon(t *testing.T) Common {
	t.Helper()
	rs := demo.Estate(demoNow)
	var bill bytes.Buffer
	if err := GenerateDemoBill(demoNow, rs, &bill); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "demo-focus.csv")
	if err := os.WriteFile(p, bill.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	st := NewMemStore()
	res, err := Ingest(context.Background(), st, IngestOptions{Paths: []string{p}, Now: demoNow})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Skipped != 0 || res.Stats.Files[0].Format != FOCUS12 {
		t.Fatalf("demo bill: %+v", res.Stats)
	}
	// steward's default owner keys and naming rule (config.Default()),
	// spelled out: config imports this package for its cost section.
	envs, _ := expandForTest("prod", "stg", "dev", "qa", 10)
	return Common{Store: st, Keys: Keys{System: "system", Env: "env", Owner: "owner"},
		Naming:   naming.MustCompile("{system}-{env}-{role}", "", map[string][]string{"env": envs}),
		Currency: "USD", Rate: 1, Resources: rs, Now: demoNow}
}

// TestDemoShowAddsUp checks the breakdown against the bill itself:
// groups sum to usage, usage and other kinds to the total.
func TestDemoShowAddsUp(t *testing.T) {
	c := demoCommon(t)
	r, err := Show(context.Background(), ShowOptions{Common: c, By: "system"})
	if err != nil {
		t.Fatal(err)
	}
	var groups, other Money
	for _, g := range r.Groups {
		groups = groups.Add(g.Cost)
	}
	for _, g := range r.Other {
		other = other.Add(g.Cost)
	}
	if groups.Cmp(r.Usage) != 0 || r.Usage.Add(other).Cmp(r.Total) != 0 {
		t.Errorf("groups %s, usage %s, other %s, total %s do not add up", groups, r.Usage, other, r.Total)
	}
	if r.Untagged.Sign() <= 0 || len(r.TopUntagged) == 0 || r.TopUntagged[0].Fix == "" {
		t.Errorf("demo has untagged resources, got untagged %s, top %v", r.Untagged, r.TopUntagged)
	}
}

func TestDemoAnomalies(t *testing.T) {
	c := demoCommon(t)
	r, err := Anomalies(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if r.NotEnough != "" || len(r.Anomalies) == 0 {
		t.Fatalf("want an anomaly, got %+v", r)
	}
	for _, a := range r.Anomalies {
		if a.System != DemoRiseSystem {
			t.Errorf("anomaly in %s (%s %s), only %s rose", a.System, a.Service, a.UsageType, DemoRiseSystem)
		}
		if a.Since != demoNow.AddDate(0, 0, -DetectDays).Format(time.DateOnly) || a.Impact.Sign() <= 0 || len(a.Top) == 0 {
			t.Errorf("anomaly %+v: want since the start of the window, positive impact, top resources", a)
		}
	}
	// Three days of history are not enough.
	short := c
	short.Now = demoNow.AddDate(0, 0, -80)
	r, err = Anomalies(context.Background(), short)
	if err != nil {
		t.Fatal(err)
	}
	if r.NotEnough == "" || len(r.Anomalies) != 0 {
		t.Errorf("with 3 days of history: %+v, want a not-enough-history note", r)
	}
}

func TestDemoCheck(t *testing.T) {
	c := demoCommon(t)
	c.Now = demoNow.AddDate(0, 0, -9) // mid-February: the bill has the month so far
	c.Cost.Budgets = []Budget{{System: "shop", Env: "prod", Monthly: MustMoney("1")}, {System: "auth", Monthly: MustMoney("100000")}}
	r, err := Check(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	got := []bool{r.Budgets[0].Breached, r.Budgets[1].Breached}
	if d := cmp.Diff([]bool{true, false}, got); d != "" {
		t.Errorf("breached (-want +got):\n%s", d)
	}
	if len(r.Failures) == 0 || !strings.HasPrefix(r.Failures[0], "budget system=shop env=prod: ") || len(r.FailurePhrases) != len(r.Failures) {
		t.Fatalf("failures %q, want the shop budget first, each with its phrase", r.Failures)
	}
	if ja := r.FailurePhrases[0].In(i18n.JA); !strings.HasPrefix(ja, "予算 system=shop env=prod: 当月の支出 ") {
		t.Errorf("failure in Japanese: %q", ja)
	}
	// Each failure is an alert with a key that stays the same when the
	// check finds it again, and the system it belongs to.
	alerts := r.Alerts()
	if len(alerts) != len(r.Failures) || len(alerts) == 0 {
		t.Fatalf("%d alerts for %d failures", len(alerts), len(r.Failures))
	}
	if a := alerts[0]; a.Key != "budget/"+r.Month+"/shop/prod" || a.System != "shop" || a.Text(i18n.EN) != r.Failures[0] || !strings.HasPrefix(a.Text(i18n.JA), "予算 system=shop") {
		t.Errorf("budget alert: %+v %q", a, a.Text(i18n.EN))
	}
	again, err := Check(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range again.Alerts() {
		if a.Key != alerts[i].Key {
			t.Errorf("alert %d: key %q, then %q", i, alerts[i].Key, a.Key)
		}
	}
	c.Cost.Budgets = nil
	c.Cost.Anomaly.FailImpact = MustMoney("1000000")
	if r, err = Check(context.Background(), c); err != nil || len(r.Failures) != 0 {
		t.Errorf("no budgets and a high anomaly bar: failures %q, err %v", r.Failures, err)
	}
}

func TestDemoWaste(t *testing.T) {
	c := demoCommon(t)
	var billed, priced string
	for _, r := range c.Resources {
		if r.MonthlyCost > 0 && billed == "" {
			billed = r.ARN
		}
	}
	priced = "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-not-in-bill"
	c.Findings = []finding.Finding{
		{Policy: "ebs-unattached", Category: finding.Waste, ARN: billed, Owner: "alice", MonthlyWaste: 1},
		{Policy: "eip-idle", Category: finding.Idle, ARN: priced, MonthlyWaste: 3.6},
		{Policy: "sg-open", Category: finding.Security, ARN: billed, MonthlyWaste: 99},
	}
	r, err := Waste(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range r.Items {
		got = append(got, it.Policy+" "+it.Owner+" "+it.Basis)
	}
	want := []string{"ebs-unattached alice bill (last 30 days)", "eip-idle (unattributed) price table"}
	if r.Items[0].Policy != "ebs-unattached" {
		want = []string{want[1], want[0]}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !strings.HasPrefix(r.Bases["price table"].String(), "3.6") {
		t.Errorf("price table basis %s, want 3.6", r.Bases["price table"])
	}
}

// expandForTest lists fixed values then prefix1..prefixN.
func expandForTest(a, b, c, prefix string, n int) ([]string, error) {
	out := []string{a, b, c}
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out, nil
}

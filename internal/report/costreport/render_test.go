package costreport

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
)

// Bill tags, resource names and usage types are written by whoever owns
// the account: every cost output must neutralise them as the findings
// report does (formula injection in CSV, HTML and broken tables in
// Markdown, escape sequences and bidi overrides on a terminal).
func TestRenderEscapesBillText(t *testing.T) {
	hostile := []string{
		"=cmd|' /C calc'!A0",
		"a|b\nc",
		"<img src=x onerror=alert(1)>",
		"\x1b[2J\x1b]0;pwned\x07",
		"invoice\u202Egpj.exe",
		"@SUM(1+1)",
	}
	show := &cost.ShowResult{By: "system", From: "2025-01-01", To: "2025-02-01", Basis: "billed", Currency: "USD",
		Total: cost.MustMoney("10"), Usage: cost.MustMoney("10")}
	rec := &cost.RecommendResult{Currency: "JPY", Total: cost.MustMoney("1500"), OfficeHours: "mon-fri"}
	anomalies := &cost.AnomalyResult{Currency: "USD", HistoryDays: 56}
	for _, h := range hostile {
		show.Groups = append(show.Groups, cost.Group{Key: h, Cost: cost.MustMoney("1"), Share: 0.1})
		show.TopUntagged = append(show.TopUntagged, cost.UntaggedResource{Resource: h, Service: h, Account: h, Cost: cost.MustMoney("1"), Fix: h})
		rec.Items = append(rec.Items, cost.Recommendation{Kind: "gp2-to-gp3", ARN: h, Name: h, System: h, Env: h, Owner: h,
			Monthly: cost.MustMoney("1500"), Basis: h, Action: h, Why: h})
		anomalies.Anomalies = append(anomalies.Anomalies, cost.AnomalyItem{System: h, Service: h, UsageType: h, Since: h,
			Expected: cost.MustMoney("1"), Actual: cost.MustMoney("2"), Impact: cost.MustMoney("1"), Top: []cost.ResourceDelta{{Resource: h, Increase: cost.MustMoney("1")}}})
	}
	renders := map[string]func(format string, width int) (string, error){
		"show": func(f string, w int) (string, error) {
			var b bytes.Buffer
			err := Show(&b, show, Options{Format: f, Width: w, Lang: i18n.JA})
			return b.String(), err
		},
		"recommend": func(f string, w int) (string, error) {
			var b bytes.Buffer
			err := Recommend(&b, rec, Options{Format: f, Width: w, Lang: i18n.JA})
			return b.String(), err
		},
		"anomalies": func(f string, w int) (string, error) {
			var b bytes.Buffer
			err := Anomalies(&b, anomalies, Options{Format: f, Width: w, Lang: i18n.JA})
			return b.String(), err
		},
	}
	for name, run := range renders {
		for _, format := range []string{"table", "csv", "markdown"} {
			for _, width := range []int{0, 80} {
				out, err := run(format, width)
				if err != nil {
					t.Fatalf("%s %s: %v", name, format, err)
				}
				for _, r := range out {
					if r == '\u202E' || (unicode.IsControl(r) && r != '\n' && !(format == "csv" && r == '\r')) {
						t.Errorf("%s %s: raw %U in output:\n%q", name, format, r, out)
						break
					}
				}
				switch format {
				case "csv":
					recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
					if err != nil {
						t.Fatalf("%s csv: %v", name, err)
					}
					for _, rec := range recs {
						for _, cell := range rec {
							if cell != "" && strings.ContainsRune("=+@\t\r", rune(cell[0])) {
								t.Errorf("%s csv: cell %q starts a formula", name, cell)
							}
						}
					}
				case "markdown":
					if strings.Contains(out, "<img") || strings.Contains(out, "a|b") {
						t.Errorf("%s markdown: HTML or a raw | passed through:\n%s", name, out)
					}
				case "table":
					if strings.Contains(out, "\x1b") {
						t.Errorf("%s table: escape sequence reached the terminal", name)
					}
				}
			}
		}
	}
	// Yen are shown as yen, whole, wherever the result is in JPY.
	var b bytes.Buffer
	if err := Recommend(&b, rec, Options{Format: "table", Width: 0, Lang: i18n.EN}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "¥1,500") || strings.Contains(b.String(), "$") {
		t.Errorf("recommendations in JPY:\n%s", b.String())
	}
}

// The anomaly SCORE is a number a newcomer cannot read alone: the table
// says in words what it measures and where anomalies start.
func TestAnomalyScoreExplained(t *testing.T) {
	r := &cost.AnomalyResult{Currency: "USD", HistoryDays: 56, Threshold: 4, Anomalies: []cost.AnomalyItem{{System: "shop", Service: "EC2", Score: 7.5,
		Expected: cost.MustMoney("10"), Actual: cost.MustMoney("30"), Impact: cost.MustMoney("20")}}}
	for _, format := range []string{"table", "markdown"} {
		var b bytes.Buffer
		if err := Anomalies(&b, r, Options{Format: format, Width: 0, Lang: i18n.EN}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "SCORE: how far the actual spend is above the expected") || !strings.Contains(b.String(), "counts from 4 (cost.anomaly.score") {
			t.Errorf("%s: SCORE not explained:\n%s", format, b.String())
		}
	}
}

// Every kind of recommendation has words for the legend.
func TestRecommendKindsExplained(t *testing.T) {
	for _, k := range []string{cost.RecGP3, cost.RecGeneration, cost.RecFargateSpot, cost.RecOfficeHours, cost.RecIdleNAT, cost.RecIdleDB} {
		if recommendKinds[k] == "" {
			t.Errorf("kind %s has no words in recommendKinds", k)
		}
	}
	r := &cost.RecommendResult{Currency: "USD", ByKind: []cost.Group{{Key: cost.RecGP3, Cost: cost.MustMoney("5"), Share: 1}}}
	var b bytes.Buffer
	if err := Recommend(&b, r, Options{Format: "table", Width: 0, Lang: i18n.EN}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "KIND: gp2-to-gp3: move a gp2 volume to gp3.") {
		t.Errorf("no legend:\n%s", b.String())
	}
}

// A breakdown by a tag names the tag in its title and column, in both
// languages.
func TestRenderShowByTag(t *testing.T) {
	show := &cost.ShowResult{By: "tag:env", From: "2026-11-01", To: "2026-12-01", Basis: "billed", Currency: "USD",
		Total: cost.MustMoney("10"), Usage: cost.MustMoney("10"), Groups: []cost.Group{{Key: "prod", Cost: cost.MustMoney("10"), Share: 1}}}
	for lang, want := range map[i18n.Lang][]string{i18n.EN: {"Cost by tag env,", "TAG env"}, i18n.JA: {"タグ env別コスト", "タグ env"}} {
		var b bytes.Buffer
		if err := Show(&b, show, Options{Format: "table", Width: 0, Lang: lang}); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: lacks %q:\n%s", lang, w, b.String())
			}
		}
		if strings.Contains(b.String(), "group.") || strings.Contains(b.String(), "col.") {
			t.Errorf("%s: a message key shows:\n%s", lang, b.String())
		}
	}
}

// An ingest says which files it left out as superseded versions, the
// first ones by name, and what it read.
func TestIngestSaysSuperseded(t *testing.T) {
	res := &cost.IngestResult{
		Stats:      cost.Stats{Files: []cost.FileStats{{Name: "cur/report-2.csv", Format: cost.CURLegacy, Lines: 7, Billed: cost.MustMoney("1.5")}}},
		Superseded: []string{"cur/11111111-aaaa/report-1.csv"},
	}
	for lang, want := range map[i18n.Lang]string{
		i18n.EN: "not read: 1 file(s) of superseded versions, as the manifests name the current ones; first ones:\n  cur/11111111-aaaa/report-1.csv\n",
		i18n.JA: "cur/11111111-aaaa/report-1.csv\n",
	} {
		var b bytes.Buffer
		if err := Ingest(&b, res, Options{Format: "table", Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "cur/report-2.csv") {
			t.Errorf("%s: output does not say what was read and left out:\n%s", lang, b.String())
		}
	}
}

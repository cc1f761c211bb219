package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
)

// A scan made under one currency and read under another is converted at
// the rates it carries and labelled with the currency it is shown in.
func TestReportConvertsStoredCurrency(t *testing.T) {
	yen := finding.Finding{Policy: "ebs-unattached", ARN: "arn:a", Severity: finding.Medium, Category: finding.Waste,
		MonthlyWaste: 15000, Currency: "JPY", Rate: 150, Message: "m"}
	dollars := finding.Finding{Policy: "eip-unassociated", ARN: "arn:b", Severity: finding.Low, Category: finding.Waste,
		MonthlyWaste: 3.65, Currency: "USD", Rate: 1, Message: "m"}
	oldYen := finding.Finding{Policy: "rds-idle", ARN: "arn:c", Severity: finding.Medium, Category: finding.Waste,
		MonthlyWaste: 3000, Currency: "JPY", Message: "saved before rates were kept"}
	tests := map[string]struct {
		currency  string
		rate      float64
		findings  []finding.Finding
		wantTotal float64
		wantOther map[string]float64
		wantCells []string // in the table
	}{
		"yen scan read under USD": {
			currency: "USD", rate: 1, findings: []finding.Finding{yen, dollars},
			wantTotal: 103.65, wantCells: []string{"$100.00", "$3.65", "Monthly waste: $103.65"},
		},
		"dollar scan read under JPY": {
			currency: "JPY", rate: 150, findings: []finding.Finding{yen, dollars},
			wantTotal: 15548, wantCells: []string{"¥15,000", "¥548", "Monthly waste: ¥15,548"},
		},
		"yen scan read under JPY at a new rate stays yen": {
			currency: "JPY", rate: 100, findings: []finding.Finding{yen},
			wantTotal: 15000, wantCells: []string{"¥15,000"},
		},
		"no stored rate keeps its own currency": {
			currency: "USD", rate: 1, findings: []finding.Finding{oldYen, dollars},
			wantTotal: 3.65, wantOther: map[string]float64{"JPY": 3000},
			wantCells: []string{"¥3,000", "Monthly waste: $3.65 + ¥3,000"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rep := &Report{Findings: tc.findings, Currency: tc.currency, Rate: tc.rate}
			var out struct {
				Summary  Summary `json:"summary"`
				Findings []struct {
					Currency     string  `json:"currency"`
					MonthlyWaste float64 `json:"monthly_waste"`
				} `json:"findings"`
			}
			if err := json.Unmarshal(render(t, FormatJSON, rep, Options{}), &out); err != nil {
				t.Fatal(err)
			}
			if out.Summary.MonthlyWaste != tc.wantTotal || out.Summary.Currency != tc.currency {
				t.Errorf("summary = %v %s, want %v %s", out.Summary.MonthlyWaste, out.Summary.Currency, tc.wantTotal, tc.currency)
			}
			if d := cmp.Diff(tc.wantOther, out.Summary.OtherCurrencies); d != "" {
				t.Errorf("other currencies (-want +got):\n%s", d)
			}
			for _, f := range out.Findings {
				if f.Currency != tc.currency && tc.wantOther[f.Currency] == 0 {
					t.Errorf("finding in %s (%v), want it converted to %s", f.Currency, f.MonthlyWaste, tc.currency)
				}
			}
			table := string(render(t, FormatTable, rep, Options{}))
			for _, c := range tc.wantCells {
				if !strings.Contains(table, c) {
					t.Errorf("table lacks %q:\n%s", c, table)
				}
			}
			if tc.currency == "USD" && strings.Contains(table, "$15,000") {
				t.Errorf("yen shown with a dollar sign:\n%s", table)
			}
		})
	}
}

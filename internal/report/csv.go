package report

import (
	"encoding/csv"
	"io"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/finding"

	"github.com/steward-sre/steward/internal/money"
)

// csvHeader is the CSV interface: append columns, never reorder them.
var csvHeader = []string{
	"policy", "severity", "category", "account", "region", "type", "arn", "name",
	"owner", "system", "env", "monthly_waste", "currency", "message", "first_seen",
}

func csvRow(f *finding.Finding) []string {
	firstSeen := ""
	if !f.FirstSeen.IsZero() {
		firstSeen = f.FirstSeen.UTC().Format(time.RFC3339)
	}
	return []string{
		csvText(f.Policy), f.Severity.String(), csvText(string(f.Category)),
		csvText(f.Account), csvText(f.Region), csvText(f.Type), csvText(f.ARN), csvText(f.Name),
		csvText(f.Owner), csvText(f.System), csvText(f.Env),
		money.PlainFloat(f.MonthlyWaste, f.Currency), f.Currency, csvText(f.Message), firstSeen,
	}
}

func renderCSV(w io.Writer, v *view) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i := range v.findings {
		if err := cw.Write(csvRow(&v.findings[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText defuses formula injection: names, tags and messages come from the
// estate, and a cell starting with = + - @ is run as a formula when the file
// is opened in a spreadsheet. A leading apostrophe makes it text (the OWASP
// advice). Numeric columns are written by steward and never pass through here.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

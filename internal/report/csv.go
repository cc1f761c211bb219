package report

import (
	"io"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/report/table"
)

// csvColumns are the CSV interface: append columns, never reorder them.
var csvColumns = []table.Column{
	{Title: "policy"}, {Title: "severity"}, {Title: "category"}, {Title: "account"}, {Title: "region"},
	{Title: "type"}, {Title: "arn"}, {Title: "name"}, {Title: "owner"}, {Title: "system"}, {Title: "env"},
	{Title: "monthly_waste", Number: true}, {Title: "currency"}, {Title: "message"}, {Title: "first_seen"},
}

func csvRow(f *finding.Finding) []string {
	firstSeen := ""
	if !f.FirstSeen.IsZero() {
		firstSeen = f.FirstSeen.UTC().Format(time.RFC3339)
	}
	return []string{
		f.Policy, f.Severity.String(), string(f.Category),
		f.Account, f.Region, f.Type, f.ARN, f.Name,
		f.Owner, f.System, f.Env,
		money.PlainFloat(f.MonthlyWaste, f.Currency), f.Currency, f.Message, firstSeen,
	}
}

// renderCSV writes one line per finding through the one table layer,
// which escapes every cell (formula injection, control characters).
func renderCSV(w io.Writer, v *view) error {
	shown := v.limited(0)
	rows := make([][]string, len(shown))
	for i := range shown {
		rows[i] = csvRow(&shown[i])
	}
	return table.Render(w, table.FormatCSV, table.Rows("", csvColumns, rows), table.Options{})
}

package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"

	"github.com/steward-sre/steward/internal/report/table"
)

// FuzzRender feeds estate text (names, tags, messages come from users) and
// amounts through every format: output must stay well-formed, machine
// formats must carry the text back unchanged, and people formats must never
// pass a control character to a terminal.
func FuzzRender(f *testing.F) {
	f.Add("prod-assets", "bucket is public", "web-team", "111122223333", "ap-northeast-1", "USD", 12.5, 100)
	f.Add("検証用ボリューム", "500 GiB\nunattached", "田中", "", "", "JPY", 6800.0, 40)
	f.Add("=cmd|' /C calc'!A0", "\x1b]0;pwned\x07", "-1+1", "a/b", "us east", "usd", -0.004, 0)
	f.Add("\xff\xfe", "a\r\nb\rc", "`*_[x](y)`", "#", "<b>", "eur", 1e15, 8)
	f.Add("", "", "", "", "", "", 0.0, 1)
	f.Add("x", "y", "z", "1", "r", "JPY", 1e308, 3)
	f.Add("x", "y", "z", "1", "r", "USD", -1e12, 5)
	f.Fuzz(func(t *testing.T, name, message, owner, account, region, currency string, waste float64, width int) {
		rep := &Report{
			Scan: &inventory.Scan{ID: "s", Source: "fuzz", Resources: 1, Coverage: []inventory.Coverage{
				{Account: account, Region: region, Service: "ec2", ErrorKind: "error", Error: message},
			}},
			Findings: []finding.Finding{{
				Policy: "p-" + owner, Title: name, Category: finding.Waste, Severity: finding.High,
				ARN: "arn:aws:ec2:" + region + ":" + account + ":volume/" + name, Type: "AWS::EC2::Volume",
				Account: account, Region: region, Name: name, Owner: owner, System: owner, Env: name,
				MonthlyWaste: waste, Currency: currency, Message: message,
			}},
			GroupBy: GroupOwner,
		}
		_, curErr := normalizeCurrency(currency)
		wantErr := curErr != nil || !(math.Abs(waste) <= maxWaste)

		outputs := make(map[string][]byte)
		for _, format := range Formats() {
			opts := Options{TTY: width%2 == 0, Width: width % 300}
			var buf bytes.Buffer
			err := Render(&buf, format, rep, opts)
			if (err != nil) != wantErr {
				t.Fatalf("Render(%s) error = %v, want error %v", format, err, wantErr)
			}
			outputs[format] = buf.Bytes()
		}
		if wantErr {
			return
		}
		fd := rep.Findings[0]

		// JSON: one object that carries the text back (encoding/json turns
		// each invalid byte into U+FFFD, as string([]rune(s)) does).
		var doc struct {
			Findings []finding.Finding `json:"findings"`
		}
		if err := json.Unmarshal(outputs[FormatJSON], &doc); err != nil {
			t.Fatalf("json: %v", err)
		}
		if len(doc.Findings) != 1 {
			t.Fatalf("json holds %d findings, want 1", len(doc.Findings))
		}
		for field, pair := range map[string][2]string{
			"name": {fd.Name, doc.Findings[0].Name}, "message": {fd.Message, doc.Findings[0].Message}, "owner": {fd.Owner, doc.Findings[0].Owner},
		} {
			if want := string([]rune(pair[0])); pair[1] != want {
				t.Errorf("json %s = %q, want %q", field, pair[1], want)
			}
		}

		// CSV: parses back to one row with the (defused) text.
		recs, err := csv.NewReader(bytes.NewReader(outputs[FormatCSV])).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v\n%q", err, outputs[FormatCSV])
		}
		if len(recs) != 2 || len(recs[1]) != len(csvTitles()) {
			t.Fatalf("csv: %d records, want header and one row", len(recs))
		}
		// encoding/csv reads a quoted \r\n back as \n.
		crlf := strings.NewReplacer("\r\n", "\n")
		if got, want := recs[1][7], crlf.Replace(table.CSVText(name)); got != want {
			t.Errorf("csv name = %q, want %q", got, want)
		}
		if got, want := recs[1][13], crlf.Replace(table.CSVText(message)); got != want {
			t.Errorf("csv message = %q, want %q", got, want)
		}

		// SARIF: valid JSON with one result pointing at its rule.
		var sarif sarifDoc
		if err := json.Unmarshal(outputs[FormatSARIF], &sarif); err != nil {
			t.Fatalf("sarif: %v", err)
		}
		if len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 1 || sarif.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
			t.Fatalf("sarif: want one run with one located result:\n%s", outputs[FormatSARIF])
		}

		// People formats: no control characters but newlines (and, on a
		// terminal, steward's own colour codes).
		for _, format := range []string{FormatTable, FormatMarkdown} {
			text := ansiRE.ReplaceAllString(string(outputs[format]), "")
			for _, r := range text {
				if r != '\n' && unicode.IsControl(r) {
					t.Fatalf("%s output holds control character %U:\n%q", format, r, text)
				}
			}
		}
		bullets := 0
		for _, line := range strings.Split(string(outputs[FormatMarkdown]), "\n") {
			if strings.HasPrefix(line, "- **") {
				bullets++
			}
		}
		if bullets != 1 {
			t.Errorf("markdown has %d finding lines, want 1:\n%s", bullets, outputs[FormatMarkdown])
		}
	})
}

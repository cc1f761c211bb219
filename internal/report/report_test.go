package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/golden"
	"github.com/steward-sre/steward/internal/i18n"

	"github.com/steward-sre/steward/internal/report/table"
)

// loadFixture reads the one report every format is tested on.
func loadFixture(t testing.TB) *Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("testdata/report.json: %v", err)
	}
	return &rep
}

func render(t testing.TB, format string, rep *Report, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, format, rep, opts); err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	tests := map[string]struct {
		format  string
		groupBy string
		opts    Options
		lang    i18n.Lang
		limit   int
		changes *Changes
	}{
		"table.golden":            {format: FormatTable},
		"table-owner.golden":      {format: FormatTable, groupBy: GroupOwner},
		"table-severity.golden":   {format: FormatTable, groupBy: GroupSeverity},
		"table-tty.golden":        {format: FormatTable, opts: Options{TTY: true, Width: 100}},
		"table-tty-80.golden":     {format: FormatTable, opts: Options{TTY: true, Width: 80, NoColor: true}},
		"table-tty-160.golden":    {format: FormatTable, opts: Options{TTY: true, Width: 160, NoColor: true}},
		"table-tty-wide.golden":   {format: FormatTable, opts: Options{TTY: true, Width: 80, NoColor: true, Wide: true}},
		"report.json.golden":      {format: FormatJSON},
		"report.csv.golden":       {format: FormatCSV},
		"report.sarif.golden":     {format: FormatSARIF},
		"report.md.golden":        {format: FormatMarkdown},
		"ja/table.golden":         {format: FormatTable, lang: i18n.JA},
		"ja/table-owner.golden":   {format: FormatTable, groupBy: GroupOwner, lang: i18n.JA},
		"ja/table-tty-80.golden":  {format: FormatTable, opts: Options{TTY: true, Width: 80, NoColor: true}, lang: i18n.JA},
		"ja/table-tty-160.golden": {format: FormatTable, opts: Options{TTY: true, Width: 160, NoColor: true}, lang: i18n.JA},
		"ja/report.md.golden":     {format: FormatMarkdown, lang: i18n.JA},
		"table-limit-80.golden":   {format: FormatTable, opts: Options{TTY: true, Width: 80, NoColor: true}, limit: 3, changes: &Changes{Previous: "scan-20250601-0300", New: 2, Resolved: 5}},
		"report-limit.md.golden":  {format: FormatMarkdown, limit: 2, changes: &Changes{Previous: "scan-20250601-0300", New: 2, Resolved: 5}},
		"report-all.md.golden":    {format: FormatMarkdown, limit: -1, changes: &Changes{New: 8}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			rep := loadFixture(t)
			rep.GroupBy = tt.groupBy
			rep.Lang = tt.lang
			rep.Limit, rep.Changes = tt.limit, tt.changes
			got := render(t, tt.format, rep, tt.opts)
			golden.Check(t, filepath.Join("testdata", name), got)
		})
	}
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTableTerminal(t *testing.T) {
	tests := map[string]struct {
		opts      Options
		wantColor bool
		maxWidth  int // 0: no limit
	}{
		"pipe":               {opts: Options{}, wantColor: false},
		"pipe ignores width": {opts: Options{Width: 40}, wantColor: false},
		"tty":                {opts: Options{TTY: true, Width: 120}, wantColor: true, maxWidth: 120},
		"tty narrow":         {opts: Options{TTY: true, Width: 72}, wantColor: true, maxWidth: 72},
		"tty no color":       {opts: Options{TTY: true, Width: 90, NoColor: true}, wantColor: false, maxWidth: 90},
		"tty default width":  {opts: Options{TTY: true}, wantColor: true, maxWidth: defaultWidth},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			out := string(render(t, FormatTable, loadFixture(t), tt.opts))
			if got := ansiRE.MatchString(out); got != tt.wantColor {
				t.Errorf("colour escapes present = %v, want %v", got, tt.wantColor)
			}
			plain := ansiRE.ReplaceAllString(out, "")
			if strings.ContainsAny(plain, "\x1b\r\t") {
				t.Errorf("output holds a control character outside colour codes:\n%q", plain)
			}
			longest := 0
			for _, line := range strings.Split(plain, "\n") {
				longest = max(longest, table.Width(line))
				if strings.HasSuffix(line, " ") {
					t.Errorf("trailing space in %q", line)
				}
			}
			if tt.maxWidth > 0 && longest > tt.maxWidth {
				t.Errorf("longest line is %d columns, want at most %d", longest, tt.maxWidth)
			}
			if tt.maxWidth == 0 && strings.Contains(plain, "…") {
				t.Errorf("plain output was truncated:\n%s", plain)
			}
		})
	}
}

// On a narrow terminal no message is cut: each goes whole (wrapped) under
// its finding. Piped and --wide output keep one line per finding.
func TestTableMessages(t *testing.T) {
	rep := loadFixture(t)
	sevs := regexp.MustCompile(`^  (critical|high|medium|low|info) `)
	for name, tc := range map[string]struct {
		opts    Options
		oneLine bool
	}{
		"80 columns":  {opts: Options{TTY: true, Width: 80, NoColor: true}},
		"120 columns": {opts: Options{TTY: true, Width: 120, NoColor: true}},
		"wide":        {opts: Options{TTY: true, Width: 80, NoColor: true, Wide: true}, oneLine: true},
		"piped":       {opts: Options{}, oneLine: true},
	} {
		t.Run(name, func(t *testing.T) {
			out := string(render(t, FormatTable, rep, tc.opts))
			rows := 0
			for _, line := range strings.Split(out, "\n") {
				if sevs.MatchString(line) {
					rows++
				}
			}
			if rows != len(rep.Findings) {
				t.Errorf("%d finding rows, want %d:\n%s", rows, len(rep.Findings), out)
			}
			joined := strings.Join(strings.Fields(out), " ")
			for _, f := range rep.Findings {
				msg := strings.Join(strings.Fields(table.Terminal(f.Message)), " ")
				if !strings.Contains(joined, msg) {
					t.Errorf("message %q is not printed whole:\n%s", msg, out)
				}
			}
			if below := strings.Contains(out, "\n      "); below == tc.oneLine {
				t.Errorf("messages on their own lines = %v, want %v:\n%s", below, !tc.oneLine, out)
			}
		})
	}
}

func TestTableAlignsWideCharacters(t *testing.T) {
	rep := loadFixture(t)
	out := string(render(t, FormatTable, rep, Options{}))
	// In the waste group, the column after RESOURCE must start at the same
	// terminal column on every row, whatever script the names are in.
	var starts []int
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "111122223333"); i >= 0 && strings.Contains(line, "EC2::Volume") {
			starts = append(starts, table.Width(line[:i]))
		}
		if i := strings.Index(line, "222233334444"); i >= 0 && strings.Contains(line, "EC2::Volume") {
			starts = append(starts, table.Width(line[:i]))
		}
	}
	if len(starts) != 2 {
		t.Fatalf("found %d volume rows, want 2:\n%s", len(starts), out)
	}
	if starts[0] != starts[1] {
		t.Errorf("ACCOUNT starts at columns %v, want equal:\n%s", starts, out)
	}
}

// TestJapaneseTable checks the Japanese table: headings and summaries in
// Japanese, machine-read output untouched, and every column lined up under
// its Japanese heading (two terminal columns a character) at 80 and 160
// columns and piped.
func TestJapaneseTable(t *testing.T) {
	acct := regexp.MustCompile(`\b\d{12}\b`)
	for name, opts := range map[string]Options{
		"piped":       {},
		"80 columns":  {TTY: true, Width: 80, NoColor: true},
		"160 columns": {TTY: true, Width: 160, NoColor: true},
	} {
		t.Run(name, func(t *testing.T) {
			rep := loadFixture(t)
			rep.Lang = i18n.JA
			out := string(render(t, FormatTable, rep, opts))
			for _, want := range []string{"steward レポート: スキャン", "カテゴリ: ", "重大度", "アカウント", "検出事項: ", "無駄なコスト（月額）: "} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in:\n%s", want, out)
				}
			}
			for _, en := range []string{"SEVERITY", "Findings:", "Monthly waste", "worst"} {
				if strings.Contains(out, en) {
					t.Errorf("English %q left in the Japanese table:\n%s", en, out)
				}
			}
			header, rows := -1, 0
			for _, line := range strings.Split(out, "\n") {
				if opts.Width > 0 && table.Width(line) > opts.Width {
					t.Errorf("line is %d columns, wider than %d: %q", table.Width(line), opts.Width, line)
				}
				if i := strings.Index(line, "アカウント"); i >= 0 && (strings.Contains(line, "重大度") || strings.Contains(line, "サービス")) {
					header = table.Width(line[:i])
					continue
				}
				if loc := acct.FindStringIndex(line); loc != nil && header >= 0 && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "      ") {
					rows++
					if got := table.Width(line[:loc[0]]); got != header {
						t.Errorf("account starts at column %d, its heading at %d:\n%s", got, header, line)
					}
				}
			}
			if rows < len(rep.Findings) {
				t.Errorf("checked %d rows, want %d:\n%s", rows, len(rep.Findings), out)
			}
		})
	}
	// CSV and JSON are read by programs: the same bytes in every language.
	for _, f := range []string{FormatCSV, FormatJSON, FormatSARIF} {
		en := render(t, f, loadFixture(t), Options{})
		rep := loadFixture(t)
		rep.Lang = i18n.JA
		if ja := render(t, f, rep, Options{}); !bytes.Equal(en, ja) {
			t.Errorf("%s output changes with the language", f)
		}
	}
}

// Remediation and references are shown once per policy that found
// something, in the table and in Markdown, not once per finding.
func TestFixesOncePerPolicy(t *testing.T) {
	for _, format := range []string{FormatTable, FormatMarkdown} {
		out := string(render(t, format, loadFixture(t), Options{}))
		_, after, ok := strings.Cut(out, "How to fix")
		if !ok {
			t.Fatalf("%s: no How to fix section:\n%s", format, out)
		}
		if n := strings.Count(after, "Snapshot the volume and delete it."); n != 1 {
			t.Errorf("%s: ebs-volume-unattached's remediation shown %d times, want once (two findings):\n%s", format, n, after)
		}
		if !strings.Contains(after, "s3-bucket-public") || !strings.Contains(after, "access-control-block-public-access.html]") {
			t.Errorf("%s: s3-bucket-public's references missing:\n%s", format, after)
		}
	}
}

// A limit lists the worst findings and counts the rest in every format
// that lists findings; the totals still count every finding.
func TestLimit(t *testing.T) {
	for _, format := range []string{FormatTable, FormatMarkdown, FormatCSV, FormatJSON} {
		rep := loadFixture(t)
		rep.Limit = 3
		out := string(render(t, format, rep, Options{}))
		switch format {
		case FormatCSV:
			if n := strings.Count(out, "\n"); n != 4 {
				t.Errorf("csv: %d lines, want a header and 3 findings:\n%s", n, out)
			}
		case FormatJSON:
			var got struct {
				Summary  Summary
				Findings []json.RawMessage
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Findings) != 3 || got.Summary.Total != 8 {
				t.Errorf("json: %d findings, total %d; want 3 of 8", len(got.Findings), got.Summary.Total)
			}
		default:
			if !strings.Contains(out, "and 5 more") || !strings.Contains(out, "8 findings") {
				t.Errorf("%s: want the 5 left out counted and 8 in the totals:\n%s", format, out)
			}
		}
	}
	// Markdown lists 10 by default and says how many more; -1 lists all.
	rep := loadFixture(t)
	rep.Findings = append(rep.Findings, rep.Findings...)
	rep.Findings = append(rep.Findings, rep.Findings...)
	if out := string(render(t, FormatMarkdown, rep, Options{})); !strings.Contains(out, "and 22 more (--limit N") {
		t.Errorf("markdown default: want 10 listed and 22 counted:\n%s", out)
	}
	rep.Limit = -1
	if out := string(render(t, FormatMarkdown, rep, Options{})); strings.Contains(out, "more (--limit") {
		t.Errorf("markdown --limit -1 still cut:\n%s", out)
	}
}

// Types steward made up are shown in words, and a finding about a whole
// region does not show the region as if it were a resource's name.
func TestPlainTypeWords(t *testing.T) {
	rep := &Report{Findings: []finding.Finding{
		{Policy: "guardduty-disabled", Severity: finding.High, Category: finding.Security, Type: "Steward::Account::Region",
			ARN: "arn:aws:steward:us-east-1:111111111111:account-region/us-east-1", Name: "us-east-1", Account: "111111111111", Region: "us-east-1", Message: "GuardDuty is off"},
		{Policy: "root-no-mfa", Severity: finding.Critical, Category: finding.Security, Type: "AWS::::Account",
			ARN: "arn:aws:iam::111111111111:root", Name: "hanamaru-dev", Account: "111111111111", Message: "no MFA"},
	}}
	out := string(render(t, FormatTable, rep, Options{}))
	for _, bad := range []string{"Steward::", "AWS::::", "::Account"} {
		if strings.Contains(out, bad) {
			t.Errorf("table shows the internal type name %q:\n%s", bad, out)
		}
	}
	if !regexp.MustCompile(`high +guardduty-disabled +region +\(whole region\) +111111111111 +us-east-1`).MatchString(out) ||
		!regexp.MustCompile(`critical +root-no-mfa +account +hanamaru-dev`).MatchString(out) {
		t.Errorf("want the types as region and account:\n%s", out)
	}
}

package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/golden"
)

// TestCommonCommandsJapanese runs the commands of the README in Japanese
// on the demo's store: their output is kept as a golden file, and none of
// the English sentences steward used to leave in them may show.
func TestCommonCommandsJapanese(t *testing.T) {
	store := emptyStore(t, t.TempDir(), "s.db")
	// The scan is made in Japanese: a finding's message is written in the
	// language of the scan that found it.
	for _, args := range [][]string{{"--lang", "ja", "demo"}, {"cost", "ingest", "--demo"}} {
		if code, _, errs := runLang(t, nil, 0, append([]string{"--store", store}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	var all strings.Builder
	for _, args := range [][]string{
		{"findings", "--limit", "5"},
		{"cost", "show", "--by", "env"},
		{"cost", "waste"},
		{"cost", "recommend"},
		{"iac", "--source", "demo"},
		{"schedule", "list"},
		{"env"},
		{"env", "diff", "stg", "prod", "--system", "shop"},
		{"explain", "ebs-unattached"},
		{"store", "prune", "--dry-run", "--scans", "1"},
	} {
		code, out, errs := runLang(t, nil, 0, append([]string{"--lang", "ja", "--store", store}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		all.WriteString("$ steward " + strings.Join(args, " ") + "\n" + out + errs)
	}
	got := scanIDRe.ReplaceAllString(all.String(), "SCAN-ID")
	golden.Check(t, filepath.Join("testdata", "common-ja.golden"), []byte(got))
	for _, english := range []string{"holidays off", "(none)", "(absent)", " tags", "did you mean", "is required", "want ", "is not "} {
		if strings.Contains(got, english) {
			t.Errorf("the Japanese output holds %q", english)
		}
	}
}

// TestBadInputJapanese: the mistakes people make first on these commands
// (a file that is not there, a bad date, an unknown policy, a value no
// flag takes) exit 2 with the reason in Japanese, the values as typed.
func TestBadInputJapanese(t *testing.T) {
	store := filepath.Join(t.TempDir(), "empty.db")
	tests := map[string]struct {
		args []string
		want string
	}{
		"missing bill":         {[]string{"cost", "ingest", "/nonexistent/bill.csv"}, "steward: 請求データ: /nonexistent/bill.csv というファイルもフォルダもありません\n"},
		"missing plan":         {[]string{"apply", "/nonexistent/plan.json"}, "steward: <file>: /nonexistent/plan.json というファイルもフォルダもありません\n"},
		"missing policy tests": {[]string{"policy", "test", "/nonexistent"}, "steward: ポリシーのテスト: /nonexistent というファイルもフォルダもありません\n"},
		"missing scan file":    {[]string{"scan", "--source", "file:/nonexistent.jsonl"}, "steward: --source file:/nonexistent.jsonl: /nonexistent.jsonl というファイルもフォルダもありません\n"},
		"bad date":             {[]string{"cost", "show", "--from", "2026-13-01"}, `steward: --from "2026-13-01": 日付は YYYY-MM-DD の形で指定してください` + "\n"},
		"dates out of order":   {[]string{"dora", "--from", "2026-02-01", "--to", "2026-01-01"}, "steward: --from 2026-02-01T00:00:00Z が --to 2026-01-02T00:00:00Z より前になっていません\n"},
		"bad instant":          {[]string{"dora", "--from", "2026-02-30"}, `steward: --from: "2026-02-30" は日付（2026-01-31）でも RFC3339 形式の日時（2026-01-31T09:00:00Z）でもありません` + "\n"},
		"unknown policy":       {[]string{"explain", "ebs-unatached"}, `steward: ポリシー "ebs-unatached" はありません`},
		"unknown --by":         {[]string{"cost", "show", "--by", "bogus"}, `steward: --by: "bogus" では集計できません（指定できる値: system、env、owner、service、account、resource、tag:KEY）` + "\n"},
		"bad source":           {[]string{"scan", "--source", "gcp"}, `steward: --source "gcp" は読み込み元として使えません（指定できる値: demo、aws、file:PATH、config:PATH）` + "\n"},
		"schedule eval alone":  {[]string{"schedule", "eval"}, "steward: --tag VALUE か --schedule NAME を指定してください\n"},
		"negative retention":   {[]string{"store", "prune", "--scans=-1"}, "steward: --scans -1: 0 以上を指定してください\n"},
		"unknown severity":     {[]string{"findings", "--severity", "huge"}, `steward: --severity: "huge" という重大度はありません（指定できる値: info, low, medium, high, critical）` + "\n"},
		"policy test alone":    {[]string{"policy", "test"}, "steward: policy test にはパスが必要です。"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, _, errs := runLang(t, nil, 0, append([]string{"--lang", "ja", "--store", store}, tc.args...)...)
			if code != ExitUsage || !strings.HasPrefix(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, ExitUsage, tc.want)
			}
			if regexp.MustCompile(`\b(is not|want|no such|must be|did you)\b`).MatchString(errs) {
				t.Errorf("English left in %q", errs)
			}
		})
	}
}

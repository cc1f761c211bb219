package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/golden"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/yamlfile"
)

// runLang runs steward with environment variables and a terminal of the
// given width (0: piped) and returns the exit code, stdout and stderr.
func runLang(t *testing.T, vars map[string]string, width int, args ...string) (int, string, string) {
	t.Helper()
	env, out, errb := testEnv()
	env.Getenv = func(k string) string { return vars[k] }
	if width > 0 {
		env.IsTTY = func(w io.Writer) (bool, int) { return w == env.Stdout, width }
	}
	code := Main(context.Background(), args, env)
	return code, out.String(), errb.String()
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "steward.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLangSelection runs the demo with the language set in each place:
// --lang, then STEWARD_LANG, then lang: in steward.yaml, then the locale.
func TestLangSelection(t *testing.T) {
	jaCfg := writeConfig(t, "lang: ja\n")
	enCfg := writeConfig(t, "lang: en\n")
	tests := map[string]struct {
		vars     map[string]string
		args     []string
		wantJA   bool
		wantCode int
		wantErr  string
	}{
		"default english":           {},
		"flag":                      {args: []string{"--lang", "ja"}, wantJA: true},
		"STEWARD_LANG":              {vars: map[string]string{"STEWARD_LANG": "ja"}, wantJA: true},
		"flag beats STEWARD_LANG":   {vars: map[string]string{"STEWARD_LANG": "ja"}, args: []string{"--lang", "en"}},
		"config":                    {args: []string{"--config", jaCfg}, wantJA: true},
		"STEWARD_LANG beats config": {vars: map[string]string{"STEWARD_LANG": "en"}, args: []string{"--config", jaCfg}},
		"flag beats config":         {args: []string{"--config", enCfg, "--lang", "ja"}, wantJA: true},
		"LANG locale":               {vars: map[string]string{"LANG": "ja_JP.UTF-8"}, wantJA: true},
		"config beats LANG":         {vars: map[string]string{"LANG": "ja_JP.UTF-8"}, args: []string{"--config", enCfg}},
		"LC_ALL beats LANG":         {vars: map[string]string{"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}},
		"bad flag":                  {args: []string{"--lang", "fr"}, wantCode: ExitUsage, wantErr: `--lang: language "fr" is not supported (valid: en, ja)`},
		"bad STEWARD_LANG":          {vars: map[string]string{"STEWARD_LANG": "xx"}, wantCode: ExitUsage, wantErr: "STEWARD_LANG: "},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{}, tc.args...), "demo", "--no-store")
			code, out, errs := runLang(t, tc.vars, 0, args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tc.wantCode, errs)
			}
			if tc.wantErr != "" {
				if !strings.Contains(errs, tc.wantErr) {
					t.Errorf("stderr %q, want it to contain %q", errs, tc.wantErr)
				}
				return
			}
			ja := strings.Contains(out, "steward レポート") && strings.Contains(out, "未使用の") == false && strings.Contains(out, "はどこにもアタッチされていません")
			en := strings.Contains(out, "steward report") && strings.Contains(out, "is attached to nothing")
			if ja != tc.wantJA || en == tc.wantJA {
				t.Errorf("Japanese %v, English %v; want Japanese %v:\n%.600s", ja, en, tc.wantJA, out)
			}
		})
	}
}

var scanIDRe = regexp.MustCompile(`\d{8}T\d{6}Z-[0-9a-f]{6}`)

// TestDemoGolden keeps the demo report in both languages at 80 and 160
// columns, and checks that every line fits and every finding row lines up
// under its headings whatever the language.
func TestDemoGolden(t *testing.T) {
	yen := writeConfig(t, "currency: {code: JPY, rate: 150}\n")
	for _, lang := range []string{"en", "ja"} {
		for _, width := range []int{80, 160} {
			name := lang + "-" + map[int]string{80: "80", 160: "160"}[width]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				code, out, errs := runLang(t, nil, width, "--no-color", "--lang", lang, "--config", yen, "demo", "--no-store")
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				out = scanIDRe.ReplaceAllString(out, "SCAN-ID")
				golden.Check(t, filepath.Join("testdata", "demo-"+name+".golden"), []byte(out))
				for _, line := range strings.Split(out, "\n") {
					if w := table.Width(line); w > width {
						t.Errorf("line of %d columns: %q", w, line)
					}
				}
				if !strings.Contains(out, "¥") || strings.Contains(out, "$") {
					t.Errorf("a JPY configuration must print yen and no dollars")
				}
				if lang == "ja" {
					for _, want := range []string{"重大度", "カテゴリ: セキュリティ", "重大度  ポリシー", "無駄なコスト（月額）: ¥", "30日間接続がありません", "必須タグ", "対処方法", "（リージョン全体）", "env の部分 \"shop\" は"} {
						if !strings.Contains(out, want) {
							t.Errorf("no %q in the Japanese demo", want)
						}
					}
				}
				checkColumns(t, out)
			})
		}
	}
}

// checkColumns checks that in every header and row of a findings table
// the account (12 digits) starts at the same terminal column as the
// header's account heading.
func checkColumns(t *testing.T, out string) {
	t.Helper()
	acct := regexp.MustCompile(`  (\d{12})  `)
	head := -1
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		for _, h := range []string{"  ACCOUNT  ", "  アカウント  "} {
			// A header starts with the severity heading; a row's type may
			// be the word アカウント too.
			if i := strings.Index(line, h); i >= 0 && (strings.HasPrefix(line, "  SEVERITY") || strings.HasPrefix(line, "  重大度")) {
				head = table.Width(line[:i+2])
			}
		}
		if strings.HasPrefix(line, "      ") || head < 0 {
			continue
		}
		if m := acct.FindStringSubmatchIndex(line); m != nil && regexp.MustCompile(`^  (critical|high|medium|low|info|緊急|高|中|低|情報) `).MatchString(line) {
			rows++
			if got := table.Width(line[:m[2]]); got != head {
				t.Errorf("account at column %d, heading at %d: %q", got, head, line)
			}
		}
	}
	if rows < 50 {
		t.Errorf("checked %d finding rows, want the demo's", rows)
	}
}

// TestJapaneseErrors: errors people hit often come in their language.
func TestJapaneseErrors(t *testing.T) {
	store := filepath.Join(t.TempDir(), "empty.db")
	code, _, errs := runLang(t, map[string]string{"STEWARD_LANG": "ja"}, 0, "--store", store, "findings")
	if code != ExitUsage || !strings.Contains(errs, "ストアにスキャンがまだありません。先に `steward scan` か `steward demo` を実行してください") {
		t.Errorf("findings on an empty store: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runLang(t, nil, 0, "--lang", "ja", "demo", "--no-store", "--fail-on", "high")
	if code != ExitFindings || !strings.Contains(errs, "steward: 重大度 high 以上の検出事項が 22件あります") {
		t.Errorf("demo --fail-on high: exit %d, stderr %q", code, errs)
	}
}

// TestPolicyListJapanese: titles in Japanese in every format, headings
// too in the table, but CSV headers stay as programs read them.
func TestPolicyListJapanese(t *testing.T) {
	code, out, errs := runLang(t, nil, 0, "--lang", "ja", "policy", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "タイトル") || !regexp.MustCompile(`(?m)^ebs-unattached +waste +waste +medium +未使用の EBS ボリューム$`).MatchString(out) {
		t.Errorf("policy list in Japanese:\n%s", out)
	}
	code, out, errs = runLang(t, nil, 0, "--lang", "ja", "policy", "list", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "ID,PACK,CATEGORY,SEVERITY,TITLE\n") || !strings.Contains(out, "ebs-unattached,waste,waste,medium,未使用の EBS ボリューム") {
		t.Errorf("policy list CSV in Japanese:\n%.300s", out)
	}
}

func TestConfigValidateJapanese(t *testing.T) {
	cfg := writeConfig(t, "lang: ja\ncurrency: {code: JPY, rate: 150}\n")
	code, out, errs := runLang(t, nil, 0, "config", "validate", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !regexp.MustCompile(`^.*steward\.yaml: OK（ポリシー \d+件、命名規則 "\{system\}-\{env\}-\{role\}"、通貨 JPY）\n$`).MatchString(out) {
		t.Errorf("config validate with lang: ja: %q", out)
	}
}

// TestFrameworksJapanese: framework tables speak Japanese; CSV headers stay
// as programs read them.
func TestFrameworksJapanese(t *testing.T) {
	tests := map[string]struct {
		args      []string
		want, not []string
	}{
		"list":     {args: []string{"frameworks", "list"}, want: []string{"判定可能", "チェック済み", "カバー率", "判定可能: steward がデータを収集している"}, not: []string{"DECIDABLE"}},
		"show":     {args: []string{"frameworks", "show", "cis"}, want: []string{"チェック済みのコントロール ", "steward での扱い", "cloudtrail-disabled でチェック", "未チェック: "}, not: []string{"IN STEWARD", "checked by"}},
		"show csv": {args: []string{"frameworks", "show", "cis", "--format", "csv"}, want: []string{"CONTROL,SEVERITY,IN STEWARD,TITLE"}, not: []string{"コントロール"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runLang(t, nil, 0, append([]string{"--lang", "ja"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("%q in:\n%s", n, out)
				}
			}
		})
	}
}

// TestDeliveryAndJournalJapanese: the Four Keys table and the journal
// speak Japanese, aligned by the table package.
func TestDeliveryAndJournalJapanese(t *testing.T) {
	store := filepath.Join(t.TempDir(), "s.db")
	code, out, errs := runLang(t, nil, 0, "--lang", "ja", "--store", store, "journal")
	if code != ExitUsage || !strings.Contains(errs, "ストアが空です") {
		t.Errorf("journal on no store: exit %d, out %q, err %q", code, out, errs)
	}
	code, out, errs = runLang(t, nil, 0, "--lang", "ja", "--store", store, "dora")
	if code != 0 || !strings.Contains(out, "デプロイ頻度") || !strings.Contains(out, "この範囲のデプロイ記録がありません") || strings.Contains(out, "SCOPE") {
		t.Errorf("dora: exit %d, out %q, err %q", code, out, errs)
	}
}

// TestDeliveryExplainGolden records deployments and an incident, then
// explains the Four Keys, in English and in Japanese: the record lines,
// the tables behind each figure and the durations (2h 30m, 2時間30分)
// speak the reader's language, and the tables stay aligned.
func TestDeliveryExplainGolden(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			store := emptyStore(t, t.TempDir(), "s.db")
			var all strings.Builder
			for _, args := range [][]string{
				{"deploy", "record", "--service", "api", "--env", "prod", "--sha", "1a2b3c4d5e", "--result", "success", "--tool", "ecspresso", "--finished", "2026-11-18T09:00:00Z"},
				{"deploy", "record", "--service", "api", "--env", "prod", "--sha", "2b3c4d5e6f", "--result", "failure", "--id", "api-2", "--finished", "2026-11-20T09:00:00Z"},
				{"deploy", "record", "--service", "api", "--env", "prod", "--sha", "3c4d5e6f70", "--result", "success", "--id", "api-3", "--finished", "2026-11-20T11:00:00Z"},
				{"incident", "open", "--service", "api", "--id", "INC-1", "--deployment", "api-3", "--at", "2026-11-20T12:00:00Z"},
				{"incident", "resolve", "INC-1", "--at", "2026-11-20T14:30:00Z"},
				{"dora", "show", "--explain", "--from", "2026-11-01", "--to", "2026-11-21"},
			} {
				code, out, errs := runLang(t, nil, 0, append([]string{"--lang", lang, "--store", store}, args...)...)
				if code != 0 {
					t.Fatalf("%v: exit %d, err %q", args, code, errs)
				}
				all.WriteString("$ steward " + strings.Join(args, " ") + "\n" + out)
			}
			got := all.String()
			golden.Check(t, filepath.Join("testdata", "dora-explain-"+lang+".golden"), []byte(got))
			if lang == "ja" {
				for _, english := range []string{"recorded", "Deployments (", "LEAD TIME", "not recovered", "resolved incident", "2h 30m"} {
					if strings.Contains(got, english) {
						t.Errorf("Japanese output holds %q:\n%s", english, got)
					}
				}
				if !strings.Contains(got, "2時間30分") {
					t.Errorf("the incident's 2h30m is not said in Japanese:\n%s", got)
				}
			}
		})
	}
}

// TestScheduleGolden: schedule list, eval and preview in English and in
// Japanese: headings, states, weekdays, holidays and the offhours line in
// the reader's language, the tables aligned.
func TestScheduleGolden(t *testing.T) {
	cfg := writeConfig(t, scheduleConfig)
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			var all strings.Builder
			for _, args := range [][]string{
				{"schedule", "list"},
				{"schedule", "eval", "--schedule", "la-support", "--at", "2026-03-09T09:00:00-07:00"},
				{"schedule", "eval", "--tag", "off=(M-F,19);on=(M-F,7);tz=jst", "--at", "2026-12-05T12:00:00+09:00"},
				{"schedule", "preview", "office-hours", "--from", "2026-11-01T00:00:00+09:00", "--days", "5"},
				{"schedule", "preview", "office-hours", "--from", "2026-12-28T00:00:00+09:00", "--days", "3"},
			} {
				code, out, errs := runLang(t, nil, 0, append([]string{"--lang", lang, "--config", cfg}, args...)...)
				if code != 0 {
					t.Fatalf("%v: exit %d, err %q", args, code, errs)
				}
				all.WriteString("$ steward " + strings.Join(args, " ") + "\n" + out)
			}
			got := all.String()
			golden.Check(t, filepath.Join("testdata", "schedule-"+lang+".golden"), []byte(got))
			if lang == "ja" {
				for _, english := range []string{"STATE", "SINCE", " at ", "(Mon)", "TRANSITIONS", "off all day", "A resource tagged", "FOLLOWED BY", "Culture Day", "holidays off", "closed 12"} {
					if strings.Contains(got, english) {
						t.Errorf("Japanese output holds %q:\n%s", english, got)
					}
				}
			}
		})
	}
}

// badConfigs are the mistakes people make first in steward.yaml, one per
// file, for config validate in each language.
var badConfigs = []struct{ name, body string }{
	{"unknown-key", "regions: [ap-northeast-1]\nregoins: [us-east-1]\n"},
	{"wrong-type", "retention:\n  days: 30d\n"},
	{"duplicate-key", "regions: [ap-northeast-1]\nregions: [us-east-1]\n"},
	{"bad-region", "regions:\n  - tokyo\n"},
	{"unknown-currency", "currency:\n  code: EUR\n"},
	{"bad-duration", "policies:\n  actions:\n    ecs_start_timeout: 10\n"},
	{"bad-digest", "serve:\n  digest: mon 9am\n"},
	{"service-in-two-teams", "teams:\n  team-api:\n    services: [api]\n  team-shop:\n    services: [api]\n"},
	{"no-db-host", "bastion:\n  cluster: ops\n  service: bastion\n  database:\n    port: 5432\n"},
	{"unknown-type", "tags:\n  exempt: [AWS::EC2::Instances]\n"},
	{"unknown-policy", "policies:\n  params:\n    ebs-unatached: {days: 3}\n"},
	{"unknown-param", "policies:\n  params:\n    ebs-unattached: {dayz: 3}\n"},
}

// TestConfigValidateErrorsGolden runs config validate on each bad file in
// English and in Japanese: exit 2, file:line and the key path in both,
// the message in the reader's language.
func TestConfigValidateErrorsGolden(t *testing.T) {
	dir := t.TempDir()
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			var all strings.Builder
			for _, bc := range badConfigs {
				path := filepath.Join(dir, bc.name+".yaml")
				if err := os.WriteFile(path, []byte(bc.body), 0o600); err != nil {
					t.Fatal(err)
				}
				code, out, errs := runLang(t, nil, 0, "--lang", lang, "config", "validate", path)
				if code != ExitUsage || out != "" {
					t.Errorf("%s: exit %d, out %q, want exit %d and nothing on stdout", bc.name, code, out, ExitUsage)
				}
				if !strings.HasPrefix(errs, "steward: "+path+":") {
					t.Errorf("%s: %q does not start with the file and its line", bc.name, errs)
				}
				all.WriteString("$ steward --lang " + lang + " config validate " + bc.name + ".yaml\n" + strings.ReplaceAll(errs, dir+string(filepath.Separator), ""))
			}
			got := all.String()
			golden.Check(t, filepath.Join("testdata", "config-validate-"+lang+".golden"), []byte(got))
			if lang == "ja" {
				for _, english := range []string{"unknown field", "is not", "want ", "required", "already", "e.g."} {
					if strings.Contains(got, english) {
						t.Errorf("Japanese output holds %q:\n%s", english, got)
					}
				}
			}
		})
	}
}

// TestConfigErrorLanguage: a refused steward.yaml is said in the language
// chosen by --lang, STEWARD_LANG, the file's own lang: (read even though
// the file is refused) or the locale, in that order; a file that cannot be
// read at all falls back to the flag, the variable and the locale.
func TestConfigErrorLanguage(t *testing.T) {
	const ja, en = "というキーはありません", `unknown field "regoins"`
	plain := writeConfig(t, "regoins: [us-east-1]\n")
	withJA := writeConfig(t, "lang: ja\nregoins: [us-east-1]\n")
	withEN := writeConfig(t, "lang: en\nregoins: [us-east-1]\n")
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	tests := map[string]struct {
		vars map[string]string
		args []string
		want string
	}{
		"default":                   {nil, []string{"--config", plain, "policy", "list"}, en},
		"flag":                      {nil, []string{"--lang", "ja", "--config", plain, "policy", "list"}, ja},
		"STEWARD_LANG":              {map[string]string{"STEWARD_LANG": "ja"}, []string{"--config", plain, "config", "validate"}, ja},
		"LANG":                      {map[string]string{"LANG": "ja_JP.UTF-8"}, []string{"config", "validate", plain}, ja},
		"the file's lang":           {nil, []string{"config", "validate", withJA}, ja},
		"flag over the file's lang": {nil, []string{"--lang", "en", "config", "validate", withJA}, en},
		"the file's lang over LANG": {map[string]string{"LANG": "ja_JP.UTF-8"}, []string{"config", "validate", withEN}, en},
		"missing file, flag":        {nil, []string{"--lang", "ja", "--config", missing, "policy", "list"}, "設定ファイル " + missing + " がありません"},
		"missing file, English":     {nil, []string{"--config", missing, "config", "validate"}, "config " + missing + " does not exist"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, errs := runLang(t, tc.vars, 0, tc.args...)
			if code != ExitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, ExitUsage, tc.want)
			}
		})
	}
}

// TestUnknownNamesInJapanese: a --team or schedule name that steward.yaml
// does not define is said in the reader's language, with what is defined.
func TestUnknownNamesInJapanese(t *testing.T) {
	cfg := writeConfig(t, "time_zone: Asia/Tokyo\nteams:\n  team-api:\n    services: [api]\nschedules:\n  office-hours:\n    windows: [\"mon-fri 09:00-18:00\"]\n")
	store := emptyStore(t, t.TempDir(), "s.db")
	tests := map[string]struct {
		args   []string
		ja, en string
	}{
		"team": {[]string{"--config", cfg, "--store", store, "dora", "show", "--team", "team-web"},
			"--team team-web: " + cfg + " にそのチームはありません（teams: でチームとサービスを対応づけてください）",
			"--team team-web: no such team in " + cfg},
		"schedule": {[]string{"--config", cfg, "schedule", "preview", "nights"},
			`スケジュール "nights" はありません（定義済み: office-hours）`,
			`no schedule "nights" (known: office-hours)`},
		"no schedules": {[]string{"schedule", "preview", "nights"},
			`スケジュール "nights" はありません（定義済みのスケジュールはありません。steward.yaml の schedules: に追加してください）`,
			`no schedule "nights" (known: none; add them under schedules: in steward.yaml)`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for lang, want := range map[string]string{"ja": tc.ja, "en": tc.en} {
				code, _, errs := runLang(t, nil, 0, append([]string{"--lang", lang}, tc.args...)...)
				if code != ExitUsage || !strings.Contains(errs, want) {
					t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", lang, code, errs, ExitUsage, want)
				}
			}
		})
	}
}

// TestSayError: the part of an error that is a file's error or a phrase is
// said in the reader's language where it stands, with the context around
// it kept; English and other errors print as Error() does.
func TestSayError(t *testing.T) {
	var d struct {
		Count int `yaml:"count"`
	}
	_, fileErr := yamlfile.Decode("p.yaml", []byte("count: many\n"), &d)
	tests := map[string]struct {
		err  error
		lang i18n.Lang
		want string
	}{
		"file error in context": {fmt.Errorf("load policies: %w", fileErr), i18n.JA, `load policies: p.yaml:1:8: "many" は整数ではありません`},
		"file error in English": {fmt.Errorf("load policies: %w", fileErr), i18n.EN, `load policies: p.yaml:1:8: "many" is not a whole number`},
		"phrase":                {usageError{i18n.Say("config.empty").Err()}, i18n.JA, "空です"},
		"plain error":           {errors.New("disk full"), i18n.JA, "disk full"},
		"missing file in context": {fmt.Errorf("load: %w", i18n.Wrap(i18n.Say("cost.err.export"), &fs.PathError{Op: "stat", Path: "/b.csv", Err: fs.ErrNotExist})), i18n.JA,
			"load: 請求データ: /b.csv というファイルもフォルダもありません"},
		"context in English": {i18n.Wrap(i18n.Say("cost.err.export"), &fs.PathError{Op: "stat", Path: "/b.csv", Err: fs.ErrNotExist}), i18n.EN,
			"billing export: stat /b.csv: file does not exist"},
		"context around a phrase": {i18n.Wrap(i18n.Say("policy.err.tests"), i18n.Say("config.empty").Err()), i18n.JA, "ポリシーのテスト: 空です"},
		"other file error":        {&fs.PathError{Op: "open", Path: "/b.csv", Err: fs.ErrPermission}, i18n.JA, "open /b.csv: permission denied"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := sayError(tc.err, tc.lang); got != tc.want {
				t.Errorf("sayError = %q, want %q", got, tc.want)
			}
		})
	}
}

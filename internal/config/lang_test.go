package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/yamlfile"
)

// english finds words of English prose: a message said in Japanese keeps
// file names, key paths, quoted values and examples people type, but none
// of the sentence around them.
var english = regexp.MustCompile(`\b(?:is|not|the|a|an|want|must|needs?|required|valid|unknown|field|key|or|of|e\.g\.)\b`)

// prose is a Japanese message with what people wrote or type taken out:
// the file:line: field: prefix, quoted values and the examples in it.
func prose(s, prefix string) string {
	s = strings.TrimPrefix(s, prefix)
	s = strings.ReplaceAll(s, "key: value", "")                   // how a mapping is written
	s = regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(s, "") // placeholders of a naming template
	s = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(s, "")
	// Key paths (tags.required) and team names are what people wrote.
	return regexp.MustCompile(`[a-z_]+(?:\.[a-z_]+)+|team-[a-z]+`).ReplaceAllString(s, "")
}

func TestParseErrorsInJapanese(t *testing.T) {
	tests := map[string]struct {
		src    string
		prefix string // file:line:col: field: that both languages share
		want   string // the Japanese message after the prefix
	}{
		"unknown key": {"regions: [ap-northeast-1]\nregoins: [us-east-1]\n", "steward.yaml:2:1: ",
			`"regoins" というキーはありません（キー名の綴りと字下げを確認してください）`},
		"duplicate key": {"lang: ja\nlang: en\n", "steward.yaml:2:1: ",
			`キー "lang" が 2 回書かれています（最初は 1 行目）`},
		"wrong type": {"retention:\n  days: 30d\n", "steward.yaml:2:9: ",
			`"30d" は整数ではありません`},
		"list for a mapping": {"tags:\n  required: [env]\n", "steward.yaml:2:13: ",
			`マッピング（key: value）を書く場所にリストが書かれています`},
		"bad region": {"regions:\n  - ap-northeast-1\n  - tokyo\n", "steward.yaml:3:5: regions[1]: ",
			`"tokyo" は AWS リージョン名ではありません（例: ap-northeast-1）`},
		"unknown currency": {"currency:\n  code: EUR\n", "steward.yaml:2:9: currency.code: ",
			`"EUR" は対応している通貨ではありません（指定できる値: USD, JPY）`},
		"rate missing": {"currency:\n  code: JPY\n", "steward.yaml:2:7: currency.rate: ",
			`JPY を使う場合は 1 米ドルあたりの JPY のレートが必要です（例: rate: 150）`},
		"bad duration": {"policies:\n  actions:\n    ecs_start_timeout: 10\n", "steward.yaml:3:24: policies.actions.ecs_start_timeout: ",
			`"10" は正の時間の長さではありません（例: 90s、10m、1h）`},
		"duration too long": {"policies:\n  actions:\n    db_start_timeout: 5h\n", "steward.yaml:3:23: policies.actions.db_start_timeout: ",
			`5h は上限の 2h0m0s を超えています`},
		"bad interval": {"serve:\n  scan_every: 10s\n", "steward.yaml:2:15: serve.scan_every: ",
			`"10s": 1 分以上の時間の長さ（30m、6h など）を指定してください。ジョブを止める場合は 0 です`},
		"bad digest time": {"serve:\n  digest: mon 9am\n", "steward.yaml:2:11: serve.digest: ",
			`"9am": 時刻は 09:00 のように HH:MM で指定してください`},
		"lease duration": {"leases:\n  remind_before: soon\n", "steward.yaml:2:18: leases.remind_before: ",
			`"soon" は時間の長さとして読めません（例: 4h、90m、2d、1d12h）。止める場合は off を指定してください`},
		"lease of zero": {"leases:\n  default_duration: 0m\n", "steward.yaml:2:21: leases.default_duration: ",
			`"0m": 0 より長い時間を指定してください`},
		"team without services": {"teams:\n  team-api: {}\n", "steward.yaml:2:13: teams.team-api.services: ",
			`チームにはサービスを 1 つ以上指定してください（デプロイを記録するときの名前です）`},
		"service in two teams": {"teams:\n  team-a:\n    services: [api]\n  team-b:\n    services: [api]\n", "steward.yaml:5:16: teams.team-b.services[0]: ",
			`サービス "api" はすでにチーム team-a に属しています。1 つのサービスが属せるチームは 1 つだけです`},
		"required_on names no required key": {"tags:\n  required: {env: []}\n  required_on:\n    owner: [AWS::EC2::Instance]\n", "steward.yaml:4:12: tags.required_on.owner: ",
			`"owner" は tags.required のキーではありません（tags.required のキー: env）`},
		"bad range": {"tags:\n  required:\n    env: [qa1..dev3]\n", "steward.yaml:3:10: tags.required.env: ",
			`"qa1..dev3" は範囲として読めません。prefix1..prefix10 の形で書いてください（例: qa1..qa10）`},
		"type nobody collects": {"tags:\n  exempt: [AWS::EC2::Instances]\n", "steward.yaml:2:12: tags.exempt[0]: ",
			`"AWS::EC2::Instances" に当てはまるリソースタイプを steward は収集していません（タイプ名は CloudFormation の名前です。例: AWS::EC2::Volume、AWS::RDS::DBSnapshot、AWS::Logs::LogGroup）`},
		"bad severity": {"policies:\n  severity:\n    x: urgent\n", "steward.yaml:3:8: policies.severity.x: ",
			`"urgent" は重大度ではありません（指定できる値: info、low、medium、high、critical）`},
		"missing required": {"bastion:\n  cluster: ops\n  service: bastion\n  database:\n    port: 5432\n", "steward.yaml:5:9: bastion.database.host: ",
			`必須です（ポートフォワーディングの接続先となるデータベースのホスト。例: Aurora クラスターのエンドポイント）`},
		"oidc without public_url": {"serve:\n  auth:\n    oidc:\n      issuer: https://accounts.google.com\n      client_id: x\n", "steward.yaml:3:9: serve.auth: ",
			`oidc を使う場合は public_url が必須です（プロバイダはログイン後に PUBLIC_URL/auth/callback へ戻します）`},
		"unsupported lang": {"lang: fr\n", "steward.yaml:1:7: lang: ",
			`"fr" には対応していません（指定できる値: en、ja）`},
		"cost window too short": {"cost:\n  anomaly:\n    window_days: 7\n", "steward.yaml:3:18: cost.anomaly.window_days: ",
			`7 では短すぎます。14 以上を指定してください`},
		"cost percentage": {"cost:\n  max_skipped: 5\n", "steward.yaml:2:16: cost.max_skipped: ",
			`"5" はパーセンテージではありません（例: 1% や 0.5%）`},
		"budget without scope": {"cost:\n  budgets:\n    - monthly: 5\n", "steward.yaml:3:14: cost.budgets[0]: ",
			`system か env、またはその両方を指定してください`},
		"template without fields": {"naming:\n  template: web\n", "steward.yaml:2:13: naming.template: ",
			`テンプレート "web" に {field} 形式のプレースホルダーがありません（例: {system}-{env}-{role}）`},
		"environment range sharing tags": {"environments:\n  qa1..qa3:\n    tags: {env: qa}\n", "steward.yaml:2:11: environments.qa1..qa3.tags: ",
			`範囲で定義した環境はタグを共有できません。どの環境も同じリソースを選ぶことになります（環境ごとに別のエントリを書いてください）`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("steward.yaml", []byte(tc.src))
			var ye *yamlfile.Error
			if !errors.As(err, &ye) {
				t.Fatalf("Parse: %v, want a *yamlfile.Error", err)
			}
			ja := ye.In(i18n.JA)
			if want := tc.prefix + tc.want; ja != want {
				t.Errorf("Japanese:\n got %s\nwant %s", ja, want)
			}
			// English stays the text of Error(), with the same place.
			if en := err.Error(); en != ye.In(i18n.EN) || !strings.HasPrefix(en, tc.prefix) || en == ja {
				t.Errorf("English = %q, want it to start %q and differ from the Japanese", en, tc.prefix)
			}
			if w := english.FindString(prose(ja, tc.prefix)); w != "" {
				t.Errorf("English word %q left in %s", w, ja)
			}
		})
	}
}

func TestLoadMissingFileInJapanese(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(context.Background(), path)
	p, ok := i18n.PhraseOf(err)
	if !ok {
		t.Fatalf("Load: %v, want an error that says a phrase", err)
	}
	if got, want := p.In(i18n.JA), "設定ファイル "+path+" がありません（デフォルトの設定で動かす場合は --config を付けずに実行してください）"; got != want {
		t.Errorf("Japanese:\n got %s\nwant %s", got, want)
	}
}

func TestFileLang(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct{ src, want string }{
		"ja in a file Load refuses": {"lang: ja\nregoins: [x]\n", "ja"},
		"en":                        {"lang: en\n", "en"},
		"unsupported":               {"lang: fr\n", ""},
		"none":                      {"regions: [ap-northeast-1]\n", ""},
		"not YAML":                  {"lang: ja\n  - [\n", ""},
		"lang not a string":         {"lang: [ja]\n", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tc.src), 0o600); err != nil {
				t.Fatal(err)
			}
			if got := FileLang(context.Background(), path); got != tc.want {
				t.Errorf("FileLang = %q, want %q", got, tc.want)
			}
		})
	}
	if got := FileLang(context.Background(), filepath.Join(dir, "missing.yaml")); got != "" {
		t.Errorf("FileLang(missing) = %q, want empty", got)
	}
}

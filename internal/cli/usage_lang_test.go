package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUsageJapanese: a deployment, an incident, a GitHub delivery or the
// options of iam-policy refused exit 2 with the reason in Japanese, field
// names, flags and values as typed.
func TestUsageJapanese(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "empty.db")
	payload := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notJSON := payload("notjson.json", "nope")
	empty := payload("empty.json", "")
	cut := payload("cut.json", `{"ref":`)
	push := payload("push.json", "{}")
	secret := map[string]string{"STEWARD_GITHUB_WEBHOOK_SECRET": "s3cret"}
	tests := map[string]struct {
		vars map[string]string
		args []string
		want string
	}{
		"bad result": {nil, []string{"deploy", "record", "--service", "api", "--env", "prod", "--sha", "abc1", "--result", "maybe"},
			`steward: --result: "maybe" はデプロイ結果として使えません（指定できる値: success、failure、rolled_back）` + "\n"},
		"bad sha": {nil, []string{"deploy", "record", "--service", "api", "--env", "prod", "--sha", "xyz", "--result", "success"},
			`steward: デプロイ: commit_sha: "xyz" はコミット SHA ではありません（小文字の 16 進数 4〜64 桁で指定してください）` + "\n"},
		"service with spaces": {nil, []string{"incident", "open", "--service", " api"},
			`steward: インシデント: service: " api" の前後に空白があります` + "\n"},
		"payload not there": {nil, []string{"dora", "github", "--event", "push", filepath.Join(dir, "none.json")},
			"steward: ペイロード: " + filepath.Join(dir, "none.json") + " というファイルもフォルダもありません\n"},
		"no secret": {nil, []string{"dora", "github", "--event", "push", "--signature", "sha256=00", push},
			"steward: " + push + ": Webhook のシークレットが設定されていません。署名を検証できない配信は受け付けません（STEWARD_GITHUB_WEBHOOK_SECRET を設定してください）\n"},
		"signature without prefix": {secret, []string{"dora", "github", "--event", "push", "--signature", "00", push},
			"steward: " + push + ": Webhook の署名が一致しません: X-Hub-Signature-256 は sha256= で始めてください\n"},
		"signature not hex": {secret, []string{"dora", "github", "--event", "push", "--signature", "sha256=zz", push},
			"steward: " + push + ": Webhook の署名が一致しません: X-Hub-Signature-256 が 16 進数ではありません\n"},
		"wrong signature": {secret, []string{"dora", "github", "--event", "push", "--signature", "sha256=00", push},
			"steward: " + push + ": Webhook の署名が一致しません\n"},
		"payload not JSON": {nil, []string{"dora", "github", "--event", "push", notJSON},
			"steward: " + notJSON + ": GitHub の push イベント: ペイロード: 2 バイト目で JSON として読めません（invalid character 'o' in literal null (expecting 'u')）\n"},
		"payload empty": {nil, []string{"dora", "github", "--event", "issues", empty},
			"steward: " + empty + ": GitHub の issues イベント: ペイロード: JSON が空です\n"},
		"payload cut short": {nil, []string{"dora", "github", "--event", "pull_request", cut},
			"steward: " + cut + ": GitHub の pull_request イベント: ペイロード: JSON が途中で終わっています\n"},
		"bills without cost": {nil, []string{"iam-policy", "--bills", "s3://bills/cur"},
			"steward: iam-policy: 請求データの場所は cost 機能と一緒に指定してください\n"},
		"states without iac": {nil, []string{"iam-policy", "--states", "s3://tf/state"},
			"steward: iam-policy: ステートファイルと CloudTrail ログの場所は iac 機能と一緒に指定してください\n"},
		"not an s3 URL": {nil, []string{"iam-policy", "--feature", "cost", "--bills", "https://bills"},
			`steward: iam-policy: "https://bills" は s3://bucket/prefix 形式の URL ではありません` + "\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, _, errs := runLang(t, tc.vars, 0, append([]string{"--lang", "ja", "--store", store}, tc.args...)...)
			if code != ExitUsage || errs != tc.want {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, ExitUsage, tc.want)
			}
			if regexp.MustCompile(`\b(is not|is required|does not|must|go with|payload|deployment|incident|github)\b`).MatchString(strings.ReplaceAll(errs, "invalid character", "")) {
				t.Errorf("English left in %q", errs)
			}
		})
	}
}

// TestDoraImportFileErrors: a dora import file that cannot be read exits
// 2 naming the file and line (CSV) or element (JSON) and what is wrong,
// in English and in Japanese; column names and values stay as written.
func TestDoraImportFileErrors(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "empty.db")
	const deps = "id,service,environment,finished_at,result,commit_sha\n"
	const dep1 = "d1,api,prod,2026-01-02T03:04:05Z,success,abcd\n"
	const inc1 = `{"id":"i1","service":"api","created_at":"2026-01-02T00:00:00Z"}`
	tests := map[string]struct {
		flag, file, body string
		en, ja           string // after "steward: " and the file's path
	}{
		"empty file": {"--deployments", "deployments.csv", "",
			": empty file: a header row is required (id, service, environment, finished_at, result, commit_sha, started_at, version, actor, tool, link, leased_by)",
			": ファイルが空です。1 行目にヘッダー行が必要です（id, service, environment, finished_at, result, commit_sha, started_at, version, actor, tool, link, leased_by）"},
		"unknown column": {"--commits", "commits.csv", "service,sha,parent,committed_at\n",
			`: unknown column "parent" (valid: service, sha, parent_sha, committed_at)`,
			`: "parent" という列はありません（使える列: service, sha, parent_sha, committed_at）`},
		"column twice": {"--commits", "commits.csv", "service,sha,sha,parent_sha,committed_at\n",
			`: column "sha" appears twice in the header`,
			`: ヘッダーに列 "sha" が 2 回出てきます`},
		"missing column": {"--incidents", "incidents.csv", "id,service,created_at,resolved_at\n",
			`: missing column "deployment_id" (the header must have id, service, created_at, resolved_at, deployment_id)`,
			`: 列 "deployment_id" がありません（ヘッダーには id, service, created_at, resolved_at, deployment_id が必要です）`},
		"short row": {"--deployments", "deployments.csv", deps + dep1 + "d2,api\n",
			`:3: 2 fields where the header has 6`,
			`:3: 列が 2 個あります（ヘッダーは 6 列です）`},
		"bare quote": {"--deployments", "deployments.csv", deps + `d1,api,pr"od,2026-01-02T03:04:05Z,success,abcd` + "\n",
			`:2: a quote (") inside a field that is not quoted (quote the whole field and double the quote: "a""b")`,
			`:2: 引用符で囲まれていない値の中に " があります（値全体を " で囲み、中の " は "" と 2 つ重ねてください）`},
		"quote not closed": {"--deployments", "deployments.csv", deps + dep1 + `d2,"api,prod` + "\n" + dep1,
			`:3: a quoted field is not closed, or a quote inside it is not doubled`,
			`:3: " で囲んだ値が閉じていないか、値の中の " が "" と重ねられていません`},
		"same id twice": {"--deployments", "deployments.csv", deps + dep1 + dep1,
			`:3: d1 is already on line 2`,
			`:3: d1 は 2 行目にもあります`},
		"bad result": {"--deployments", "deployments.csv", deps + "d1,api,prod,2026-01-02T03:04:05Z,maybe,abcd\n",
			`:2: result: "maybe" is not a result (valid: success, failure, rolled_back)`,
			`:2: result: "maybe" はデプロイ結果として使えません（指定できる値: success、failure、rolled_back）`},
		"bad time": {"--deployments", "deployments.csv", deps + "d1,api,prod,2026-01-02 03:04,success,abcd\n",
			`:2: finished_at: "2026-01-02 03:04" is not an RFC3339 time (e.g. 2026-01-02T15:04:05Z)`,
			`:2: finished_at: "2026-01-02 03:04" は RFC3339 形式の日時ではありません（例: 2026-01-02T15:04:05Z）`},
		"json unknown field": {"--incidents", "incidents.json", `[{"id":"i1","severity":"high"}]`,
			`: element 0: unknown field "severity" (valid: id, service, created_at, resolved_at, deployment_id)`,
			`: 要素 0: "severity" というフィールドはありません（使えるフィールド: id, service, created_at, resolved_at, deployment_id）`},
		"json missing field": {"--incidents", "incidents.json", `[{"id":"i1","created_at":"2026-01-02T00:00:00Z"}]`,
			`: element 0: service: is required`,
			`: 要素 0: service: 必須です`},
		"json same id twice": {"--incidents", "incidents.json", "[" + inc1 + "," + inc1 + "]",
			`: element 1: i1 is already element 0`,
			`: 要素 1: i1 は要素 0 にもあります`},
		"json array not closed": {"--incidents", "incidents.json", "[" + inc1,
			`: unexpected EOF`,
			`: JSON が途中で終わっています`},
		"json data after the array": {"--incidents", "incidents.json", "[" + inc1 + "] []",
			`: unexpected data after the JSON array`,
			`: JSON の配列の後ろに余計なデータがあります`},
	}
	for name, tc := range tests {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+"-"+tc.file)
		if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		for lang, want := range map[string]string{"en": tc.en, "ja": tc.ja} {
			t.Run(name+", "+lang, func(t *testing.T) {
				t.Parallel()
				code, _, errs := runLang(t, nil, 0, "--lang", lang, "--store", store, "dora", "import", tc.flag, p)
				if want := "steward: " + p + want + "\n"; code != ExitUsage || errs != want {
					t.Errorf("exit %d, stderr\n%q\nwant exit %d and\n%q", code, errs, ExitUsage, want)
				}
			})
		}
	}
}

// TestUsageBothLanguages: refusals of serve's and cost ingest's flags
// exit 2 with the same reason in English and in Japanese.
func TestUsageBothLanguages(t *testing.T) {
	store := filepath.Join(t.TempDir(), "empty.db")
	tests := map[string]struct {
		args   []string
		en, ja string
	}{
		"listen not host:port": {[]string{"serve", "--dev", "--listen", "8080"},
			`--listen "8080": want host:port, e.g. 127.0.0.1:8080`,
			`--listen "8080": ホスト:ポートの形で指定してください（例: 127.0.0.1:8080）`},
		"listen beyond loopback without login": {[]string{"serve", "--dev", "--listen", "0.0.0.0:8080"},
			`--listen "0.0.0.0:8080": without login (--dev, --demo) steward serve answers on a loopback address only (127.0.0.1, ::1, localhost); configure serve.auth to serve others`,
			`--listen "0.0.0.0:8080": ログインなし（--dev、--demo）で待ち受けられるのはループバックアドレス（127.0.0.1、::1、localhost）だけです。ほかのホストから使うには serve.auth を設定してください`},
		"cost explorer without --to": {[]string{"cost", "ingest", "--cost-explorer", "--from", "2026-02-01"},
			`cost explorer: --from and --to are required (each request costs $0.01)`,
			`Cost Explorer: --from と --to を指定してください（リクエストごとに $0.01 かかります）`},
		"cost explorer backwards": {[]string{"cost", "ingest", "--cost-explorer", "--from", "2026-02-01", "--to", "2026-01-01"},
			`cost explorer: --from 2026-02-01 is not before --to 2026-01-01`,
			`Cost Explorer: --from 2026-02-01 が --to 2026-01-01 より前になっていません`},
	}
	for name, tc := range tests {
		for lang, want := range map[string]string{"en": tc.en, "ja": tc.ja} {
			t.Run(name+", "+lang, func(t *testing.T) {
				t.Parallel()
				code, _, errs := runLang(t, nil, 0, append([]string{"--lang", lang, "--store", store}, tc.args...)...)
				if want := "steward: " + want + "\n"; code != ExitUsage || errs != want {
					t.Errorf("exit %d, stderr\n%q\nwant exit %d and\n%q", code, errs, ExitUsage, want)
				}
			})
		}
	}
}

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

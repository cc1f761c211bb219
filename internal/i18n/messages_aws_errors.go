package i18n

import "fmt"

// awsErrorCatalog holds why AWS credentials steward was given do not
// work, and what to run: the SDK's own words stay as they are, after.
var awsErrorCatalog = map[string]text{
	"aws.label.default": {"default credential chain", "デフォルトの認証情報チェーン"},
	"aws.label.profile": {"profile %q", "プロファイル %q"},
	"aws.fix.default": {`set AWS_PROFILE, run "aws sso login", or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
		`AWS_PROFILE を設定するか、"aws sso login" を実行するか、AWS_ACCESS_KEY_ID と AWS_SECRET_ACCESS_KEY を export してください`},
	"aws.fix.profile": {`run "aws sso login --profile %[1]s" or "aws configure --profile %[1]s"`,
		`"aws sso login --profile %[1]s" か "aws configure --profile %[1]s" を実行してください`},
	"aws.err.loadconfig": {"aws %s: load config: %s; fix: %s",
		"AWS の%s: 設定を読み込めません: %s。対処: %s"},
	"aws.err.creds": {"aws %s: credentials do not work: %s; fix: %s",
		"AWS の%s: 認証情報が通りません: %s。対処: %s"},
	"aws.err.basecreds": {"aws credentials (%s): %s; %s",
		"AWS の認証情報（%s）: %s。%s"},
	"aws.err.role": {"aws role %s: assume role as %s failed: %s; fix: the role's trust policy must allow %s%s",
		"AWS のロール %s: %s としてロールを引き受けられません: %s。対処: ロールの信頼ポリシーで %s を許可してください%s"},
	"aws.hint.extid": {" with the external id given", "（指定した外部 ID つきで）"},
	"aws.hint.noextid": {" (add an external id if the trust policy requires one)",
		"（信頼ポリシーが外部 ID を求める場合は外部 ID も指定してください）"},
	"aws.err.org": {"aws organizations: list accounts as %s: %s; fix: run from the management account or a delegated administrator, or list roles instead",
		"AWS Organizations: %s としてアカウントを一覧できません: %s。対処: 管理アカウントか委任された管理者から実行するか、代わりにロールを列挙してください"},
}

func init() {
	for k, m := range awsErrorCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

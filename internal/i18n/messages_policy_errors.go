package i18n

import "fmt"

// policyErrorCatalog holds what steward says about a policy pack it
// refuses (policy.Parse, policy.Compile), a policy test file and a
// fixture that does not hold. Field names, ids, types, CEL and the
// values people wrote stay as written; CEL's own words about an
// expression stay CEL's.
var policyErrorCatalog = map[string]text{
	"policy.err.pack.required": {"is required: name the pack (e.g. pack: waste)",
		"必須です。パック名を書いてください（例: pack: waste）"},
	"policy.err.pack.name": {"%q is not a pack name (lower-case letters, digits and -)",
		"%q はパック名に使えません（英小文字、数字、- で書いてください）"},
	"policy.err.pack.empty": {"a pack needs at least one policy",
		"パックにはポリシーが 1 つ以上必要です"},
	"policy.err.id.required": {"id is required (lower-case words joined by -, e.g. ebs-unattached)",
		"id は必須です（ebs-unattached のように英小文字の単語を - でつないでください）"},
	"policy.err.id.form": {"%q is not a policy id (lower-case letters, digits and -, e.g. ebs-unattached)",
		"%q はポリシー ID に使えません（英小文字、数字、- で書いてください。例: ebs-unattached）"},
	"policy.err.title": {"policy %s: title is required", "ポリシー %s: title は必須です"},
	"policy.err.types": {"policy %s: types is required (e.g. [AWS::EC2::Volume])",
		"ポリシー %s: types は必須です（例: [AWS::EC2::Volume]）"},
	"policy.err.type.unknown": {"unknown resource type %q (known: %s)",
		"%q というリソースタイプはありません（指定できる値: %s）"},
	"policy.err.type.twice": {"type %s listed twice", "タイプ %s が 2 回書かれています"},
	"policy.err.severity": {"policy %s: severity is required (valid: info, low, medium, high, critical)",
		"ポリシー %s: severity は必須です（指定できる値: info、low、medium、high、critical）"},
	"policy.err.category": {"policy %s: category is required (valid: naming, tagging, waste, idle, security, iac, cost)",
		"ポリシー %s: category は必須です（指定できる値: naming、tagging、waste、idle、security、iac、cost）"},
	"policy.err.where": {"policy %s: where is required (a CEL expression over r that is true for a problem)",
		"ポリシー %s: where は必須です（問題のあるリソース r で true になる CEL 式を書いてください）"},
	"policy.err.param.large": {"%d is too large", "%d は大きすぎます"},
	"policy.err.param.null":  {"a parameter needs a value", "パラメータには値が必要です"},
	"policy.err.param.kind": {"%v is not a number, string, boolean, list or mapping",
		"%v は数値、文字列、真偽値、リスト、マッピングのいずれでもありません"},
	"policy.err.dup": {"%s:%d: policy id %s is already defined at %s:%d; ids must be unique",
		"%s:%d: ポリシー ID %s は %s:%d ですでに定義されています。ID は重複できません"},
	"policy.err.action.renamed": {"policy %s: action %q is now called %s",
		"ポリシー %s: アクション %q は %s に名前が変わりました"},
	"policy.err.action.unknown": {"policy %s: unknown action %q (valid: %s)",
		"ポリシー %s: %q というアクションはありません（指定できる値: %s）"},
	"policy.err.action.twice": {"policy %s: action %s listed twice",
		"ポリシー %s: アクション %s が 2 回書かれています"},
	"policy.err.action.mark": {"policy %s: mark needs delete or snapshot-then-delete in the same list (a mark says when the resource will be deleted)",
		"ポリシー %s: mark を使うには同じリストに delete か snapshot-then-delete が必要です（マークはリソースを削除する日を示すものです）"},

	"policy.err.expr": {"%s: policy %s: %s: %s", "%s: ポリシー %s: %s: %s"},
	"policy.err.expr.type": {"must be a %s expression, this one is %s",
		"%s 型の式にしてください（この式は %s 型です）"},
	"policy.err.expr.waste": {"must be a number of US dollars per month, this one is %s",
		"月あたりの米ドル額（数値）を返す式にしてください（この式は %s 型です）"},
	"policy.err.expr.cost": {"costs at least %d steps on every resource, more than the limit of %d: iterate over fewer or smaller lists",
		"リソースごとに最低 %d ステップかかり、上限の %d を超えています。反復するリストを減らすか小さくしてください"},
	"policy.err.expr.attr": {"r.attrs.%s: no type of this policy (%s) has attribute %q (known: %s)",
		"r.attrs.%s: このポリシーのタイプ（%s）には属性 %q がありません（ある属性: %s）"},
	"policy.err.expr.param": {"params.%s: the policy has no parameter %q (declare it under params:)",
		"params.%s: このポリシーにパラメータ %q はありません（params: で宣言してください）"},
	"policy.err.msg.open": {"${ at byte %d is never closed with }",
		"%d バイト目の ${ が } で閉じられていません"},
	"policy.err.msg.empty": {"empty ${} at byte %d", "%d バイト目の ${} が空です"},
	"policy.err.path":      {"policy path %s does not exist", "ポリシーのパス %s がありません"},
	"policy.err.builtin": {"no built-in policy %q (steward policy list shows them)",
		"組み込みポリシー %q はありません（steward policy list で一覧を表示できます）"},
	"policy.err.name": {"policy name %q: use lower-case letters, digits and -, e.g. s3-bucket-owner",
		"ポリシー名 %q: 英小文字、数字、- で書いてください（例: s3-bucket-owner）"},

	"policy.err.test.nopolicy": {"no policy %q is loaded next to this test file",
		"このテストファイルと同じ場所にポリシー %q がありません"},
	"policy.err.test.noarn": {"%s is not one of the test's resources",
		"%s はこのテストの resources にありません"},
	"policy.err.test.now": {"%q is not an RFC 3339 time",
		"%q は RFC 3339 形式の日時ではありません（例: 2026-12-01T00:00:00Z）"},
	"policy.err.unknown": {"no policy %q: steward policy list shows the ids",
		"ポリシー %q はありません（steward policy list で ID を確認できます）"},
	"policy.err.unknown.near": {"no policy %q; did you mean %s?",
		"ポリシー %q はありません。%s のことですか？"},
	"policy.new.exists": {"%s exists already: choose another name or --dir",
		"%s はすでにあります。別の名前か --dir を指定してください"},
	"policy.new.wrote": {"wrote %s", "%s を作成しました"},
	"policy.new.next": {"next: edit them, then run `steward policy test %[1]s`; add %[1]s to policies.paths in steward.yaml to use it",
		"次に: 内容を編集して `steward policy test %[1]s` を実行してください。使うには steward.yaml の policies.paths に %[1]s を追加します"},
	"policy.test.nopath": {"policy test needs PATH: a NAME_test.yaml file or a folder of policies and their tests, e.g. `steward policy test ./policies` (`steward policy new NAME` writes a first pair)",
		"policy test にはパスが必要です。NAME_test.yaml ファイルか、ポリシーとそのテストのあるフォルダを指定してください（例: `steward policy test ./policies`。`steward policy new NAME` で最初の組を作れます）"},

	"policy.fail.nomatch": {"should match, did not", "一致するはずが、一致しませんでした"},
	"policy.fail.match":   {"should not match, did", "一致しないはずが、一致しました"},
	"policy.fail.message": {"message %q, want %q", "メッセージが %q でした（期待値: %q）"},
	"policy.fail.line":    {"FAIL %s:%d: %s: %s: %s", "失敗 %s:%d: %s: %s: %s"},
}

func init() {
	for k, m := range policyErrorCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

package i18n

import "fmt"

// deliveryErrorCatalog holds why a deployment, an incident or a GitHub
// delivery is refused: a field that is wrong, a signature that does not
// match, a payload too large; why serve cannot start its event work,
// iam-policy refuses its options and s3:// inputs have no credentials.
// Field names, ids, values and flags stay as they are.
var deliveryErrorCatalog = map[string]text{
	"delivery.err.result": {"%q is not a result (valid: success, failure, rolled_back)",
		"%q はデプロイ結果として使えません（指定できる値: success、failure、rolled_back）"},
	"delivery.err.required":  {"is required", "必須です"},
	"delivery.err.toolong":   {"is %d bytes long, at most %d", "%d バイトあります（%d バイトまで）"},
	"delivery.err.spaces":    {"%q has leading or trailing spaces", "%q の前後に空白があります"},
	"delivery.err.control":   {"%q holds a control character or invalid UTF-8", "%q に制御文字か不正な UTF-8 が含まれています"},
	"delivery.err.sha":       {"%q is not a commit sha (4 to 64 lower-case hex digits)", "%q はコミット SHA ではありません（小文字の 16 進数 4〜64 桁で指定してください）"},
	"delivery.err.timereq":   {"is required (an RFC3339 UTC time, e.g. 2026-01-02T15:04:05Z)", "必須です（RFC3339 形式の UTC 日時。例: 2026-01-02T15:04:05Z）"},
	"delivery.err.timerange": {"%s is out of range (years 1970 to 9999)", "%s は範囲外です（1970 年〜9999 年）"},
	"delivery.err.order":     {"%s is after %s %s", "%s が %s の %s より後になっています"},
	"delivery.err.rfc3339":   {"%q is not an RFC3339 time (e.g. 2026-01-02T15:04:05Z)", "%q は RFC3339 形式の日時ではありません（例: 2026-01-02T15:04:05Z）"},
	"delivery.err.jsontype":  {"must be a %s, got a JSON %s", "%s で指定してください（JSON の %s が書かれています）"},

	// Go's JSON decoder words what it met in English only: the reader is
	// told where first, the decoder's words kept after.
	"delivery.err.json":   {"%s (at byte %d)", "%[2]d バイト目で JSON として読めません（%[1]s）"},
	"delivery.err.eof":    {"EOF", "JSON が空です"},
	"delivery.err.eofmid": {"unexpected EOF", "JSON が途中で終わっています"},

	"delivery.err.nosecret":   {"no webhook secret is set: unsigned deliveries are not accepted", "Webhook のシークレットが設定されていません。署名を検証できない配信は受け付けません（STEWARD_GITHUB_WEBHOOK_SECRET を設定してください）"},
	"delivery.err.signature":  {"webhook signature does not match", "Webhook の署名が一致しません"},
	"delivery.err.sigprefix":  {"webhook signature does not match: X-Hub-Signature-256 must start with sha256=", "Webhook の署名が一致しません: X-Hub-Signature-256 は sha256= で始めてください"},
	"delivery.err.sighex":     {"webhook signature does not match: X-Hub-Signature-256 is not hex", "Webhook の署名が一致しません: X-Hub-Signature-256 が 16 進数ではありません"},
	"delivery.err.toolarge":   {"payload larger than %d MiB", "ペイロードが %d MiB を超えています"},
	"delivery.err.jsonfield":  {"unknown field %s (valid: %s)", "%s というフィールドはありません（使えるフィールド: %s）"},
	"delivery.ctx.github":     {"github %s", "GitHub の %s イベント"},
	"delivery.ctx.payload":    {"payload", "ペイロード"},
	"delivery.ctx.deployment": {"deployment", "デプロイ"},
	"delivery.ctx.incident":   {"incident", "インシデント"},
	"delivery.ctx.incidentid": {"incident %s", "インシデント %s"},

	// dora import files: the file's name (and line, or JSON element)
	// first, as an editor jumps to it; column names stay as written.
	"delivery.import.read": {"read %s", "%s を読み込めません"},
	"delivery.import.toobig": {"%s: larger than %d MiB; split it into several imports",
		"%s: %d MiB を超えています。ファイルを分けてインポートしてください"},
	"delivery.import.kind": {"%s: unknown kind of import %q (valid: deployments, commits, changes, incidents)",
		"%s: インポートの種類 %q はありません（指定できる値: deployments、commits、changes、incidents）"},
	"delivery.import.empty": {"%s: empty file: a header row is required (%s)",
		"%s: ファイルが空です。1 行目にヘッダー行が必要です（%s）"},
	"delivery.import.column": {"%s: unknown column %q (valid: %s)",
		"%s: %q という列はありません（使える列: %s）"},
	"delivery.import.twice": {"%s: column %q appears twice in the header",
		"%s: ヘッダーに列 %q が 2 回出てきます"},
	"delivery.import.missing": {"%s: missing column %q (the header must have %s)",
		"%s: 列 %q がありません（ヘッダーには %s が必要です）"},
	"delivery.import.fields": {"%s:%d: %d fields where the header has %d",
		"%s:%d: 列が %d 個あります（ヘッダーは %d 列です）"},
	"delivery.import.quote": {"%s:%d: a quote (\") inside a field that is not quoted (quote the whole field and double the quote: \"a\"\"b\")",
		"%s:%d: 引用符で囲まれていない値の中に \" があります（値全体を \" で囲み、中の \" は \"\" と 2 つ重ねてください）"},
	"delivery.import.unquote": {"%s:%d: a quoted field is not closed, or a quote inside it is not doubled",
		"%s:%d: \" で囲んだ値が閉じていないか、値の中の \" が \"\" と重ねられていません"},
	"delivery.import.rows": {"%s:%d: more than %d rows; split it into several imports",
		"%s:%d: %d 行を超えています。ファイルを分けてインポートしてください"},
	"delivery.import.dupline": {"%s:%d: %s is already on line %d",
		"%s:%d: %s は %d 行目にもあります"},
	"delivery.import.element": {"%s: element %d", "%s: 要素 %d"},
	"delivery.import.records": {"%s: element %d: more than %d records; split it into several imports",
		"%s: 要素 %d: %d 件を超えています。ファイルを分けてインポートしてください"},
	"delivery.import.dupelement": {"%s: element %d: %s is already element %d",
		"%s: 要素 %d: %s は要素 %d にもあります"},
	"delivery.import.trailing": {"%s: unexpected data after the JSON array",
		"%s: JSON の配列の後ろに余計なデータがあります"},

	"serve.err.events.lock": {"serve.events: this store cannot hold the lock events need (use the SQLite or PostgreSQL store)",
		"serve.events: このストアではイベント処理に必要なロックを取れません（SQLite か PostgreSQL のストアを使ってください）"},
	"serve.err.events.region": {"serve.events: the queue's region is not known: set serve.events.region (its URL does not say it, nor do the credentials)",
		"serve.events: キューのリージョンがわかりません。serve.events.region を設定してください（キューの URL にも認証情報にもリージョンがありません）"},
	"serve.ctx.events": {"serve.events", "serve.events"},

	"iam.ctx": {"iam-policy", "iam-policy"},
	"iam.err.feature": {"feature %q is not known (valid: %s)",
		"機能 %q はありません（指定できる値: %s）"},
	"iam.err.bills": {"bill locations go with the cost feature",
		"請求データの場所は cost 機能と一緒に指定してください"},
	"iam.err.states": {"state and trail log locations go with the iac feature",
		"ステートファイルと CloudTrail ログの場所は iac 機能と一緒に指定してください"},
	"iam.err.partition": {"partition %q is not known (valid: aws, aws-cn, aws-us-gov)",
		"パーティション %q はありません（指定できる値: aws、aws-cn、aws-us-gov）"},
	"iam.err.s3url": {"%q is not an s3://bucket/prefix URL",
		"%q は s3://bucket/prefix 形式の URL ではありません"},

	"s3.ctx.inputs": {"s3:// inputs", "s3:// の入力"},
	"s3.err.nocreds": {"aws credentials for s3:// inputs: none found (set AWS_PROFILE or run aws sso login)",
		"s3:// の入力を読む AWS の認証情報が見つかりません（AWS_PROFILE を設定するか、aws sso login を実行してください）"},
}

func init() {
	for k, m := range deliveryErrorCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

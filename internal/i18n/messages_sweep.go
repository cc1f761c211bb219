package i18n

import "fmt"

// sweepCatalog holds what a run of the common commands in Japanese still
// said in English: flags' values refused, office hours described, usage
// hints. Flags, dates and values stay as typed.
var sweepCatalog = map[string]text{
	"cost.oh":          {"%s%s%s", "%s%s%s"},
	"cost.oh.holidays": {", %s holidays off", "、祝日（%s）は停止"},
	"cost.oh.closed":   {", closed %s", "、休業日 %s"},

	"iac.none":     {"(none)", "（なし）"},
	"iac.tags":     {"%d tags", "タグ %d 個"},
	"iac.tags.one": {"%d tag", "タグ %d 個"},

	"cli.schedule.evalwhat": {"give --tag VALUE or --schedule NAME",
		"--tag VALUE か --schedule NAME を指定してください"},
	"cli.date.form": {"%s %q: want a date as YYYY-MM-DD",
		"%s %q: 日付は YYYY-MM-DD の形で指定してください"},
	"cli.date.order": {"--from %s is not before --to %s",
		"--from %s が --to %s より前になっていません"},
	"cli.date.orinstant": {"%q is not a date (2026-01-31) or an RFC3339 time (2026-01-31T09:00:00Z)",
		"%q は日付（2026-01-31）でも RFC3339 形式の日時（2026-01-31T09:00:00Z）でもありません"},
	"cli.err.gracedays": {"--grace-days %d: want 1 to 3650 (days a mark waits before its delete)",
		"--grace-days %d: 1〜3650 の日数を指定してください（マークしてから削除するまで待つ日数です）"},
	"cli.err.maxinput": {"--max-input %s: want a size such as 256MiB or 2GB",
		"--max-input %s: 256MiB や 2GB のようにサイズを指定してください"},
	"cli.err.nocoststore": {"this store backend cannot keep cost data",
		"このストアではコストデータを保存できません"},
	"cli.err.ce.fromto": {"cost ingest: --from and --to go with --cost-explorer",
		"cost ingest: --from と --to は --cost-explorer と一緒に指定してください"},
	"cli.err.ce.both": {"cost ingest: give export paths or --cost-explorer, not both",
		"cost ingest: エクスポートのパスか --cost-explorer のどちらか一方を指定してください"},
	"cli.err.serviceteam": {"--service and --team: give one of them",
		"--service と --team はどちらか一方だけ指定してください"},
	"cli.err.demofiles": {"--demo imports the demo history: give it without files",
		"--demo はデモの履歴を取り込みます。ファイルと一緒には指定できません"},
	"cli.err.noimport": {"nothing to import: give --deployments, --commits, --changes or --incidents (or --demo)",
		"取り込むものがありません。--deployments、--commits、--changes、--incidents（または --demo）を指定してください"},
	"cli.err.deploycollect": {"deploy collect reads the ECS services of the latest AWS scan: run `steward scan` first",
		"deploy collect は最新の AWS スキャンの ECS サービスを読みます。先に `steward scan` を実行してください"},
	"cli.err.rfc3339": {"%s: %q is not an RFC3339 time (e.g. 2026-01-02T15:04:05Z)",
		"%s: %q は RFC3339 形式の日時ではありません（例: 2026-01-02T15:04:05Z）"},
	"cli.err.incident.dup": {"incident %s is already on record",
		"インシデント %s はすでに記録されています"},
	"cli.err.incident.none": {"no incident %q on record (see `steward dora --explain`)",
		"インシデント %q の記録はありません（`steward dora --explain` で確認できます）"},
	"cli.err.incident.resolved": {"incident %s was already resolved at %s",
		"インシデント %s は %s に解決済みです"},
	"cli.err.reasonsteal": {"--reason goes with --steal",
		"--reason は --steal と一緒に指定してください"},
	"cli.err.envdiff.same": {"env diff compares two environments: %s and %s are the same",
		"env diff は 2 つの環境を比べます。%s と %s は同じ環境です"},
	"cli.err.envdiff.noscan": {"env diff compares environments in the inventory: run `steward scan` (or `steward demo`) first",
		"env diff はインベントリの環境を比べます。先に `steward scan`（または `steward demo`）を実行してください"},
	"cli.err.iac.import": {"iac: --system, --env, --account and --type select import blocks; add --import",
		"iac: --system、--env、--account、--type は import ブロックを選ぶフラグです。--import を付けてください"},
	"cli.err.framework.sarif": {"--framework: sarif output holds findings only; use table, json, csv or markdown",
		"--framework: SARIF には検出事項しか書けません。table、json、csv、markdown のいずれかを使ってください"},
	"cli.err.source.path": {"--source %s needs a path, e.g. %s:scan.jsonl",
		"--source %s にはパスが必要です（例: %s:scan.jsonl）"},
	"cli.err.source": {"--source %q is not a source (valid: demo, aws, file:PATH, config:PATH)",
		"--source %q は読み込み元として使えません（指定できる値: demo、aws、file:PATH、config:PATH）"},
	"cli.err.defaulttz": {"--default-tz applies to --tag only; a named schedule has its own time_zone",
		"--default-tz は --tag にだけ使えます。名前付きのスケジュールには自身の time_zone があります"},
	"cli.err.days366": {"--days %d: want 1 to 366",
		"--days %d: 1〜366 の日数を指定してください"},
	"cli.err.rfc3339tz": {"%s %q is not an RFC 3339 time (e.g. 2026-12-07T19:30:00+09:00)",
		"%s %q は RFC 3339 形式の日時ではありません（例: 2026-12-07T19:30:00+09:00）"},
	"cli.err.serve.noauth": {"serve: no login is configured: set serve.auth in steward.yaml (oidc, or tokens made with `steward token new`), or run with --dev on a loopback address",
		"serve: ログイン方法が設定されていません。steward.yaml の serve.auth（oidc か `steward token new` で作ったトークン）を設定するか、ループバックアドレスで --dev を付けて実行してください"},
	"cli.err.listen.hostport": {"--listen %q: want host:port, e.g. 127.0.0.1:8080",
		"--listen %q: ホスト:ポートの形で指定してください（例: 127.0.0.1:8080）"},
	"cli.err.listen.loopback": {"--listen %q: without login (--dev, --demo) steward serve answers on a loopback address only (127.0.0.1, ::1, localhost); configure serve.auth to serve others",
		"--listen %q: ログインなし（--dev、--demo）で待ち受けられるのはループバックアドレス（127.0.0.1、::1、localhost）だけです。ほかのホストから使うには serve.auth を設定してください"},
	"cost.ctx.ce": {"cost explorer", "Cost Explorer"},
	"cost.err.ce.fromto": {"--from and --to are required (each request costs %s)",
		"--from と --to を指定してください（リクエストごとに %s かかります）"},
	"cost.err.ce.order": {"--from %s is not before --to %s",
		"--from %s が --to %s より前になっていません"},
	"framework.err.unknown": {"unknown framework %q (valid: %s)",
		"%q というフレームワークはありません（指定できる値: %s）"},
	"cli.err.scans": {"--scans %d: want 0 or more",
		"--scans %d: 0 以上を指定してください"},
	"cli.err.days": {"--days %d: want 0 or more",
		"--days %d: 0 以上を指定してください"},
	"cost.err.nobill": {"no bill ingested: run `steward cost ingest PATH` with your FOCUS or CUR export (or `steward cost ingest --demo` to try it)",
		"請求データが取り込まれていません。FOCUS か CUR のエクスポートを `steward cost ingest PATH` で取り込んでください（試すだけなら `steward cost ingest --demo`）"},
	"finding.err.severity": {"unknown severity %q (valid: %s)", "%q という重大度はありません（指定できる値: %s）"},
	"finding.err.category": {"unknown category %q (valid: %s)", "%q というカテゴリはありません（指定できる値: %s）"},
	"cost.err.by": {"%q is not supported (valid: system, env, owner, service, account, resource, tag:KEY)",
		"%q では集計できません（指定できる値: system、env、owner、service、account、resource、tag:KEY）"},
}

func init() {
	for k, m := range sweepCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

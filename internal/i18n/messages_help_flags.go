package i18n

import "fmt"

// helpFlagCatalog is the help of every flag and positional argument of
// steward's command line, and the titles of flag groups. A flag or an
// argument that means the same wherever it appears has one key,
// help.flag.NAME or help.arg.NAME; where the same name means something
// else in a command (or a family of commands), that command has its own,
// help.flag.PATH.NAME with the command's words joined by dots, and the
// most specific key wins. The English is the flag's help tag in
// internal/cli word for word (${vars} as in the tag), which a test there
// holds equal, and that test fails for any flag without its text here.
// Like every message these are fmt formats, so a literal % is %%.
var helpFlagCatalog = map[string]text{
	"help.envvar":        {" (%s)", "環境変数 %s でも指定できます。"},
	"help.group.filters": {"Filters", "絞り込み"},
	"help.group.iac":     {"IaC", "IaC"},

	// Arguments.
	"help.arg.a":                     {"The first environment (stg).", "比べる 1 つ目の環境（stg など）。"},
	"help.arg.b":                     {"The second environment (prod).", "比べる 2 つ目の環境（prod など）。"},
	"help.arg.change-id":             {"The change to undo, as steward journal shows it.", "元に戻す変更の ID（steward journal に表示されるもの）。"},
	"help.arg.file":                  {"A plan saved by steward plan --out.", "steward plan --out で保存した計画ファイル。"},
	"help.arg.id":                    {"The policy id (steward policy list shows them).", "ポリシー ID（steward policy list で確認できます）。"},
	"help.arg.incident.resolve.id":   {"The incident's id.", "インシデントの ID。"},
	"help.arg.frameworks.show.id":    {"fsbp or cis.", "fsbp か cis。"},
	"help.arg.name":                  {"The environment.", "環境名。"},
	"help.arg.token.new.name":        {"A name for the token, shown in logs (e.g. github-actions).", "トークンの名前。ログに出ます（例: github-actions）。"},
	"help.arg.schedule.preview.name": {"A named schedule of steward.yaml.", "steward.yaml に定義した名前付きスケジュール。"},
	"help.arg.env.history.name":      {"The environment (default: every one).", "環境名（省略時はすべての環境）。"},
	"help.arg.env.claim.name":        {"The environment (qa3).", "環境名（qa3 など）。"},
	"help.arg.policy.new.name":       {"The new policy's id: lower-case words joined by -.", "新しいポリシーの ID。小文字の単語を - でつなぎます。"},
	"help.arg.override-id":           {"The override to end, as schedule override list shows it.", "終了するオーバーライドの ID（schedule override list に表示されるもの）。"},
	"help.arg.path":                  {"A NAME_test.yaml file, or a folder of policies and tests.", "NAME_test.yaml ファイル、またはポリシーとテストを置いたフォルダ。"},
	"help.arg.config.validate.path":  {"The file to check (default: --config, else ./steward.yaml).", "確認するファイル（省略時は --config、なければ ./steward.yaml）。"},
	"help.arg.paths":                 {"Export files, folders or s3://bucket/prefix.", "エクスポートのファイル、フォルダ、または s3://bucket/prefix。"},
	"help.arg.payload":               {"The payload file.", "ペイロードのファイル。"},
	"help.arg.resource":              {"The resource: its ARN, native id (vol-0abc...) or name.", "対象のリソース。ARN、ネイティブ ID（vol-0abc...）または名前で指定します。"},
	"help.arg.resource-or-env":       {"A resource (ARN or name, as the latest scan has it) or an env (env:NAME, or a bare env value).", "リソース（最新スキャンにある ARN か名前）または環境（env:NAME か env の値そのもの）。"},

	// Global flags.
	"help.flag.version":   {"Print steward's version and exit.", "steward のバージョンを表示して終了します。"},
	"help.flag.store":     {"Database: a SQLite file path (default: steward.db in your data directory), or a PostgreSQL DSN postgres://user:password@host/db.", "データベース。SQLite のファイルパス（省略時はデータディレクトリの steward.db）か、PostgreSQL の DSN postgres://user:password@host/db。"},
	"help.flag.config":    {"steward.yaml to use (default: ./steward.yaml when present, else built-in defaults).", "使う steward.yaml（省略時は ./steward.yaml があればそれ、なければ組み込みのデフォルト）。"},
	"help.flag.log-level": {"Log level on stderr: debug, info, warn, error.", "stderr に出すログのレベル: debug、info、warn、error。"},
	"help.flag.no-color":  {"No colours in tables, even on a terminal (also when NO_COLOR is set).", "端末でも表に色を付けません（NO_COLOR が設定されているときも同じ）。"},
	"help.flag.max-input": {"Largest input file steward reads, counted after decompression: saved scans, AWS Config files, Terraform states, trail logs (e.g. 1GiB).", "steward が読む入力ファイルの上限サイズ（展開後）。保存したスキャン、AWS Config のファイル、Terraform の state、CloudTrail ログが対象です（例: 1GiB）。"},
	"help.flag.lang":      {"Language of output for people: en or ja (else STEWARD_LANG, then lang: in steward.yaml, then LC_ALL/LC_MESSAGES/LANG; default en). JSON keys, CSV headers and policy ids stay English.", "人が読む出力の言語: en か ja（指定がなければ STEWARD_LANG、steward.yaml の lang:、LC_ALL/LC_MESSAGES/LANG の順。デフォルトは en）。JSON のキー、CSV のヘッダー、ポリシー ID は英語のままです。"},

	// Output.
	"help.flag.format":             {"Output: table, json.", "出力形式: table、json。"},
	"help.flag.cost.format":        {"Output: table, json, csv, markdown.", "出力形式: table、json、csv、markdown。"},
	"help.flag.cost.ingest.format": {"Output: table or json.", "出力形式: table か json。"},
	"help.flag.dora.show.format":   {"Output: table or json.", "出力形式: table か json。"},
	"help.flag.store.prune.format": {"Output: table or json.", "出力形式: table か json。"},
	"help.flag.frameworks.format":  {"Output: table, json, csv, markdown.", "出力形式: table、json、csv、markdown。"},
	"help.flag.history.format":     {"Output: table, json, csv, markdown.", "出力形式: table、json、csv、markdown。"},
	"help.flag.policy.list.format": {"Output: table, json, csv, markdown.", "出力形式: table、json、csv、markdown。"},
	"help.flag.env.list.format":    {"Output: table, json, csv, markdown.", "出力形式: table、json、csv、markdown。"},
	"help.flag.env.history.format": {"Output: table, json, csv, markdown.", "出力形式: table、json、csv、markdown。"},
	"help.flag.env.diff.format":    {"Output: table, json, markdown, csv.", "出力形式: table、json、markdown、csv。"},
	"help.flag.explain.format":     {"Output: table (text for people) or json.", "出力形式: table（人が読むテキスト）か json。"},
	"help.flag.demo.format":        {"Output: ${formats}.", "出力形式: ${formats}。"},
	"help.flag.scan.format":        {"Output: ${formats}.", "出力形式: ${formats}。"},
	"help.flag.findings.format":    {"Output: ${formats}.", "出力形式: ${formats}。"},
	"help.flag.group-by":           {"Group the table by category, severity, policy, owner, system, env or account.", "表をまとめる単位: category、severity、policy、owner、system、env、account。"},
	"help.flag.wide":               {"On a terminal, print the full table, one line per finding (as piped output always is) instead of fitting it to the width.", "端末でも表を幅に合わせて詰めず、検出事項 1 件を 1 行で全部表示します（パイプ出力では常にこの形）。"},
	"help.flag.limit":              {"List at most N findings, worst first; the rest are counted. Default: all (Markdown: 10); --limit=-1 lists all in Markdown too.", "重大なものから最大 N 件を表示し、残りは件数だけ示します。デフォルトはすべて（Markdown は 10 件）。--limit=-1 なら Markdown でもすべて表示します。"},
	"help.flag.journal.limit":      {"At most this many entries, the latest first (0: all).", "新しい順に表示する最大件数（0 ですべて）。"},
	"help.flag.fail-on":            {"Exit 1 when a finding is at or above this severity (info, low, medium, high, critical).", "この重大度以上の検出事項があれば終了コード 1 で終わります（info＝情報、low＝低、medium＝中、high＝高、critical＝緊急。どちらの書き方でも指定できます）。"},
	"help.flag.env.diff.fail-on":   {"Exit 1 when there is drift (drift), or any difference at all (any).", "ドリフトがあれば（drift）、または差分が少しでもあれば（any）終了コード 1 で終わります。"},
	"help.flag.framework":          {"Also judge the scan by a control framework: fsbp (AWS Foundational Security Best Practices) or cis (CIS AWS Foundations v3.0): each control passed, failed, not applicable or not checked, and a score. With csv, only the controls are written.", "スキャン結果をコントロールフレームワークでも評価します: fsbp（AWS Foundational Security Best Practices）か cis（CIS AWS Foundations v3.0）。コントロールごとの合格・不合格・対象外・未確認とスコアを出します。csv ではコントロールだけを書き出します。"},
	"help.flag.demo.framework":     {"Also judge the scan by a control framework: fsbp or cis (see steward scan --help).", "スキャン結果をコントロールフレームワークでも評価します: fsbp か cis（steward scan --help を参照）。"},

	// Scans and findings.
	"help.flag.scan.source": {"Where resources come from: demo, aws, file:scan.jsonl (a saved scan), config:PATH (AWS Config snapshot files).", "リソースの読み込み元: demo、aws、file:scan.jsonl（保存したスキャン）、config:PATH（AWS Config のスナップショットファイル）。"},
	"help.flag.iac.source":  {"Where resources come from: demo, aws, file:PATH, config:PATH.", "リソースの読み込み元: demo、aws、file:PATH、config:PATH。"},
	"help.flag.source":      {"Inventory to plan from: the latest scan in the store (default), or a source as scan takes (aws, file:PATH, config:PATH).", "計画のもとにするインベントリ: ストアの最新スキャン（デフォルト）か、scan と同じ読み込み元（aws、file:PATH、config:PATH）。"},
	"help.flag.no-store":    {"Do not keep the scan in the store.", "スキャンをストアに保存しません。"},
	"help.flag.out":         {"Save the plan to this file, for steward apply.", "計画をこのファイルに保存します（steward apply 用）。"},
	"help.flag.demo.out":    {"Also write the demo estate to this file (JSON Lines).", "デモ環境をこのファイルにも書き出します（JSON Lines）。"},
	"help.flag.scan.out":    {"Also write the scan's resources to this file (JSON Lines), to scan again later with --source file:PATH.", "スキャンしたリソースをこのファイルにも書き出します（JSON Lines）。あとで --source file:PATH で再スキャンできます。"},
	"help.flag.state":       {"Terraform/OpenTofu state to learn which resources code manages: a file, a glob, s3://bucket/key or prefix. Repeatable.", "コードで管理されているリソースを知るための Terraform/OpenTofu の state: ファイル、glob、s3://bucket/key かプレフィックス。複数指定できます。"},
	"help.flag.iac.state":   {"Terraform/OpenTofu state: a file, a glob (states/**/*.tfstate), s3://bucket/key or s3://bucket/prefix/, or - for terraform show -json on stdin. Repeatable.", "Terraform/OpenTofu の state: ファイル、glob（states/**/*.tfstate）、s3://bucket/key か s3://bucket/prefix/、または - で stdin から terraform show -json の出力。複数指定できます。"},
	"help.flag.trail-log":   {"CloudTrail log files (local or s3://) to learn who created what. Repeatable.", "誰が何を作ったかを知るための CloudTrail ログファイル（ローカルか s3://）。複数指定できます。"},
	"help.flag.ignore":      {"An ignore file in .driftignore syntax (type.id, *, !).", ".driftignore 形式の除外ファイル（type.id、*、!）。"},
	"help.flag.scan.ignore": {"An ignore file in .driftignore syntax for IaC findings.", "IaC の検出事項に使う .driftignore 形式の除外ファイル。"},
	"help.flag.severity":    {"Only these severities (info, low, medium, high, critical); comma-separated or repeated.", "この重大度のものだけ（info＝情報、low＝低、medium＝中、high＝高、critical＝緊急。どちらの書き方でも指定できます）。カンマ区切りか、繰り返して指定します。"},
	"help.flag.policy":      {"Only these policy ids.", "このポリシー ID のものだけ。"},
	"help.flag.account":     {"Only these account ids.", "このアカウント ID のものだけ。"},
	"help.flag.owner":       {"Only findings these owners answer for.", "このオーナーが担当する検出事項だけ。"},
	"help.flag.category":    {"Only these categories (naming, tagging, waste, idle, security, iac, cost).", "このカテゴリのものだけ（naming＝命名、tagging＝タグ付け、waste＝無駄、idle＝未使用、security＝セキュリティ、iac＝IaC、cost＝コスト。どちらの書き方でも指定できます）。"},
	"help.flag.new":         {"Only findings new since the previous complete scan.", "前回の完全なスキャン以降に新しく出た検出事項だけ。"},
	"help.flag.resolved":    {"Only findings resolved since the previous complete scan.", "前回の完全なスキャン以降に解消した検出事項だけ。"},
	"help.flag.scan":        {"Show this scan instead of the latest.", "最新ではなく、このスキャンを表示します。"},

	// IaC.
	"help.flag.creators":     {"With --source aws: look up who created each resource in CloudTrail (LookupEvents, 2 calls a second per account and region).", "--source aws のとき、各リソースの作成者を CloudTrail で調べます（LookupEvents、アカウント・リージョンごとに毎秒 2 回まで）。"},
	"help.flag.defaults":     {"Count the default VPC, its subnets and security group too.", "デフォルト VPC とそのサブネット、セキュリティグループも数に入れます。"},
	"help.flag.fail-on-gaps": {"Exit 3 when a state could not be read.", "読めない state があれば終了コード 3 で終わります。"},
	"help.flag.import":       {"Print Terraform import {} blocks for the unmanaged resources instead of the report.", "レポートの代わりに、管理外のリソースの Terraform import {} ブロックを出力します。"},
	"help.flag.iac.account":  {"With --import: only this account.", "--import のとき、このアカウントのものだけ。"},
	"help.flag.iac.env":      {"With --import: only this env.", "--import のとき、この env のものだけ。"},
	"help.flag.iac.system":   {"With --import: only this system.", "--import のとき、このシステムのものだけ。"},
	"help.flag.type":         {"With --import: only this resource type (AWS::EC2::Instance or aws_instance).", "--import のとき、このリソースタイプのものだけ（AWS::EC2::Instance や aws_instance）。"},

	// Cost.
	"help.flag.accept-skipped":     {"Store what was read even when more of a file's lines are unreadable than cost.max_skipped allows (default 1%%); by default nothing is stored then.", "読めない行が cost.max_skipped（デフォルト 1%%）を超えたファイルでも、読めた分を保存します。指定しなければその場合は何も保存しません。"},
	"help.flag.amortized":          {"Show amortised (effective) cost instead of billed.", "請求額ではなく償却後（実質）のコストを表示します。"},
	"help.flag.by":                 {"system, env, owner, service, account, resource, or tag:KEY.", "集計の単位: system、env、owner、service、account、resource、tag:KEY。"},
	"help.flag.cost-explorer":      {"Read daily cost by system tag and service from the Cost Explorer API instead of files: coarser than an export, and each request costs $0.01.", "ファイルではなく Cost Explorer API から、system タグとサービス別の日次コストを読みます。エクスポートより粗く、リクエストごとに $0.01 かかります。"},
	"help.flag.cost.ingest.demo":   {"Ingest a synthetic bill that matches the demo estate (see steward demo).", "デモ環境に合わせた架空の請求を取り込みます（steward demo を参照）。"},
	"help.flag.cost.ingest.source": {"Name of the bill (default: the payer account of each line).", "請求の名前（省略時は各行の支払いアカウント）。"},
	"help.flag.cost.ingest.from":   {"With --cost-explorer: first day (YYYY-MM-DD), widened to the start of its month.", "--cost-explorer のとき、初日（YYYY-MM-DD）。その月の 1 日まで広げます。"},
	"help.flag.cost.ingest.to":     {"With --cost-explorer: day after the last (YYYY-MM-DD).", "--cost-explorer のとき、最終日の翌日（YYYY-MM-DD）。"},
	"help.flag.from":               {"First day (YYYY-MM-DD); default 30 days before --to.", "初日（YYYY-MM-DD）。デフォルトは --to の 30 日前。"},
	"help.flag.to":                 {"Day after the last (YYYY-MM-DD); default the day after the last day of ingested bills (or today, if sooner).", "最終日の翌日（YYYY-MM-DD）。デフォルトは取り込んだ請求の最終日の翌日（今日のほうが早ければ今日）。"},
	"help.flag.top":                {"Largest groups and untagged resources to list (default: every group and 10 untagged resources).", "表示する上位のグループ数とタグなしリソース数（デフォルトはグループすべてとタグなしリソース 10 件）。"},

	// Schedules, plans and changes.
	"help.flag.at":                           {"Evaluate schedules at this instant, RFC 3339 (default: now), e.g. to catch up or to test.", "この時点でスケジュールを評価します（RFC 3339、デフォルトは現在）。取りこぼしの再実行やテストに。"},
	"help.flag.cleanup.at":                   {"Plan for this instant, RFC 3339 (default: now): marks count their grace days from it, deletes are due by it.", "この時点を基準に計画します（RFC 3339、デフォルトは現在）。印の猶予日数はここから数え、削除はこの時点で期限が来たものが対象です。"},
	"help.flag.schedule.eval.at":             {"The instant, RFC 3339, e.g. 2026-12-07T19:30:00+09:00 (default: now).", "評価する時点（RFC 3339、例: 2026-12-07T19:30:00+09:00。デフォルトは現在）。"},
	"help.flag.default-tz":                   {"Zone of a tag without tz: an IANA name or a Custodian alias such as jst (default: time_zone of steward.yaml, else Custodian's et).", "tz のないタグに使うタイムゾーン: IANA 名か jst のような Custodian の別名（デフォルトは steward.yaml の time_zone、なければ Custodian の et）。"},
	"help.flag.schedule":                     {"A named schedule of steward.yaml.", "steward.yaml に定義した名前付きスケジュール。"},
	"help.flag.tag":                          {"A Cloud Custodian offhours tag value, e.g. 'off=(M-F,19);on=(M-F,7);tz=jst' (an empty value for the defaults).", "Cloud Custodian の offhours タグの値（例: 'off=(M-F,19);on=(M-F,7);tz=jst'。空ならデフォルト）。"},
	"help.flag.days":                         {"How many days to show, from today (1 to 366).", "今日から何日分を表示するか（1〜366）。"},
	"help.flag.schedule.preview.from":        {"The first day, as an RFC 3339 instant (default: now).", "初日（RFC 3339 の時刻、デフォルトは現在）。"},
	"help.flag.dry-run":                      {"Plan only: print what would change and change nothing.", "計画だけ: 何が変わるかを表示し、何も変更しません。"},
	"help.flag.auto-approve":                 {"Do not ask for confirmation (needed when stdin is not a terminal).", "確認を求めません（stdin が端末でないときは必須）。"},
	"help.flag.undo.auto-approve":            {"Do not ask for confirmation.", "確認を求めません。"},
	"help.flag.arn":                          {"Only the changes to this resource.", "このリソースへの変更だけ。"},
	"help.flag.grace-days":                   {"Days a mark waits before its delete (default: policies.actions.grace_days in steward.yaml, 7).", "印を付けてから削除するまでの日数（デフォルトは steward.yaml の policies.actions.grace_days、なければ 7）。"},
	"help.flag.on":                           {"Hold it on.", "on に固定します。"},
	"help.flag.off":                          {"Hold it off.", "off に固定します。"},
	"help.flag.until":                        {"When the override ends by itself: a time of day in steward.yaml's time_zone (22:00, the next one), a duration (2h) or an RFC 3339 instant.", "オーバーライドが自動で終わる時刻: steward.yaml の time_zone での時刻（22:00 なら次に来る 22:00）、期間（2h）、または RFC 3339 の時刻。"},
	"help.flag.schedule.override.add.reason": {"Why: shown in plans, the journal and the run summary.", "理由。計画、ジャーナル、実行結果のまとめに表示されます。"},
	"help.flag.schedule.override.list.all":   {"Every override, ended and cancelled ones too.", "終了・取り消し済みも含めて、すべてのオーバーライド。"},

	// Environments and the bastion.
	"help.flag.as":                {"Who you are (default: STEWARD_USER, else your OS user).", "自分の名前（省略時は STEWARD_USER、なければ OS のユーザー名）。"},
	"help.flag.branch":            {"The branch or pull request deployed there.", "その環境にデプロイしたブランチかプルリクエスト。"},
	"help.flag.for":               {"How long: 4h, 90m, 2d, 1d12h (default: leases.default_duration, 4h).", "予約する期間: 4h、90m、2d、1d12h など（デフォルトは leases.default_duration、なければ 4h）。"},
	"help.flag.env.extend.for":    {"How much longer, from the current end (default: leases.default_duration).", "今の終了時刻からどれだけ延ばすか（デフォルトは leases.default_duration）。"},
	"help.flag.purpose":           {"What for, e.g. \"PR #123 payment QA\".", "用途（例: \"PR #123 payment QA\"）。"},
	"help.flag.steal":             {"Take the environment from its holder, who is told (needs --reason).", "今の予約者から環境を横取りします。予約者には通知されます（--reason が必要）。"},
	"help.flag.env.claim.reason":  {"Why you steal it; the holder is told.", "横取りする理由。予約者に伝えられます。"},
	"help.flag.system":            {"Only the resources of this system.", "このシステムのリソースだけ。"},
	"help.flag.container":         {"The container of the task the session enters (default: the first one).", "セッションで入るタスクのコンテナ（省略時は最初のコンテナ）。"},
	"help.flag.ttl":               {"How long it stays up, e.g. 1h (default bastion.default_ttl; at most bastion.max_ttl). The next schedule run after it scales it back to 0.", "起動しておく時間（例: 1h。デフォルトは bastion.default_ttl、上限は bastion.max_ttl）。過ぎたあとの次のスケジュール実行で 0 に戻します。"},
	"help.flag.reason":            {"Why (default: done).", "理由（省略時は done）。"},
	"help.flag.bastion.up.reason": {"Why: kept in the journal and the lease.", "理由。ジャーナルと予約に残ります。"},

	// Deliveries and the Four Keys.
	"help.flag.actor":                 {"Who deployed.", "デプロイした人。"},
	"help.flag.changes":               {"changes.csv or .json: service,id,merge_sha,first_commit_at,merged_at (one row per merged pull request).", "changes.csv か .json: service,id,merge_sha,first_commit_at,merged_at（マージされたプルリクエスト 1 件につき 1 行）。"},
	"help.flag.commits":               {"commits.csv or .json: service,sha,parent_sha,committed_at (each service's main-branch first-parent history).", "commits.csv か .json: service,sha,parent_sha,committed_at（サービスごとの main ブランチの first-parent 履歴）。"},
	"help.flag.demo":                  {"Import the demo estate's three months of deliveries instead of files.", "ファイルの代わりに、デモ環境の 3 か月分のデリバリーを取り込みます。"},
	"help.flag.deployment":            {"The deployment that caused it, when known (else the service's latest successful production deployment before it).", "原因となったデプロイ（わかる場合。省略時は、発生前にそのサービスが本番で最後に成功したデプロイ）。"},
	"help.flag.deployments":           {"deployments.csv or .json: id,service,environment,finished_at,result,commit_sha (started_at,version,actor,tool,link,leased_by optional).", "deployments.csv か .json: id,service,environment,finished_at,result,commit_sha（started_at,version,actor,tool,link,leased_by は任意）。"},
	"help.flag.env":                   {"The environment deployed to (prod, stg, qa3 ...).", "デプロイ先の環境（prod、stg、qa3 など）。"},
	"help.flag.environment":           {"The environment deployments go to (prod and production are the same).", "デプロイ先として集計する環境（prod と production は同じ扱い）。"},
	"help.flag.event":                 {"The event name (X-GitHub-Event).", "イベント名（X-GitHub-Event）。"},
	"help.flag.explain":               {"List the deployments, changes and incidents behind each figure.", "各数値の元になったデプロイ、変更、インシデントを一覧表示します。"},
	"help.flag.finished":              {"When it finished (RFC3339; default: now).", "終了時刻（RFC3339、デフォルトは現在）。"},
	"help.flag.id":                    {"The deployment's id (default: service, env, finish time and commit, so recording it again replaces it).", "デプロイの ID（省略時はサービス、環境、終了時刻、コミットから作るので、同じものを記録し直すと置き換わります）。"},
	"help.flag.incident.open.id":      {"The incident's id (default: inc-SERVICE-TIME).", "インシデントの ID（省略時は inc-SERVICE-TIME）。"},
	"help.flag.incident.open.at":      {"When it began (RFC3339; default: now).", "発生時刻（RFC3339、デフォルトは現在）。"},
	"help.flag.incident.resolve.at":   {"When it was resolved (RFC3339; default: now).", "解決時刻（RFC3339、デフォルトは現在）。"},
	"help.flag.incident.open.service": {"The service failing.", "障害が起きているサービス。"},
	"help.flag.incidents":             {"incidents.csv or .json: id,service,created_at,resolved_at,deployment_id.", "incidents.csv か .json: id,service,created_at,resolved_at,deployment_id。"},
	"help.flag.link":                  {"A link to the run or log.", "実行結果かログへのリンク。"},
	"help.flag.result":                {"success, failure or rolled_back.", "success、failure、rolled_back のいずれか。"},
	"help.flag.service":               {"Only this service.", "このサービスだけ。"},
	"help.flag.deploy.record.service": {"The service deployed.", "デプロイしたサービス。"},
	"help.flag.deploy.record.version": {"Version or image deployed.", "デプロイしたバージョンかイメージ。"},
	"help.flag.sha":                   {"The commit deployed (hex).", "デプロイしたコミット（16 進）。"},
	"help.flag.signature":             {"X-Hub-Signature-256 of the payload, checked with the secret in STEWARD_GITHUB_WEBHOOK_SECRET.", "ペイロードの X-Hub-Signature-256。STEWARD_GITHUB_WEBHOOK_SECRET のシークレットで検証します。"},
	"help.flag.since":                 {"CodeDeploy deployments and CodePipeline executions started since: a date or an RFC3339 time (default: 7 days ago).", "この時点以降に始まった CodeDeploy のデプロイと CodePipeline の実行を記録します。日付か RFC3339 の時刻（デフォルトは 7 日前）。"},
	"help.flag.started":               {"When it started (RFC3339).", "開始時刻（RFC3339）。"},
	"help.flag.team":                  {"Only the services of this team (teams: in steward.yaml).", "このチームのサービスだけ（steward.yaml の teams:）。"},
	"help.flag.tool":                  {"What deployed it (ecspresso, codedeploy, genova ...).", "デプロイに使ったツール（ecspresso、codedeploy、genova など）。"},
	"help.flag.dora.show.from":        {"Start of the window: a date (2026-01-31, UTC) or an RFC3339 time (default: 90 days before --to).", "集計期間の始まり: 日付（2026-01-31、UTC）か RFC3339 の時刻（デフォルトは --to の 90 日前）。"},
	"help.flag.dora.show.to":          {"End of the window; a date includes that day (default: now).", "集計期間の終わり。日付ならその日を含みます（デフォルトは現在）。"},

	// Server, tokens, store, policies.
	"help.flag.serve.demo":          {"Serve the demo estate with its bill and delivery history: no AWS account needed, no login (loopback only).", "デモ環境を請求とデリバリーの履歴つきで提供します。AWS アカウントもログインも不要です（ループバックのみ）。"},
	"help.flag.dev":                 {"No login: everyone who reaches the server is admin. Loopback addresses only, for local use.", "ログインなし: サーバーに届いた人は全員 admin になります。ローカル用で、ループバックアドレスのみ。"},
	"help.flag.listen":              {"Address to answer on (default: serve.listen in steward.yaml, else 127.0.0.1:8080).", "待ち受けるアドレス（省略時は steward.yaml の serve.listen、なければ 127.0.0.1:8080）。"},
	"help.flag.role":                {"What the token may do: viewer, operator or admin.", "トークンの権限: viewer、operator、admin。"},
	"help.flag.scans":               {"Keep the latest N scans (overrides retention.scans; 0: no limit by count).", "最新の N 件のスキャンを残します（retention.scans より優先。0 なら件数で制限しません）。"},
	"help.flag.store.prune.days":    {"Keep the scans of the last D days (overrides retention.days; 0: no limit by age).", "直近 D 日のスキャンを残します（retention.days より優先。0 なら経過日数で制限しません）。"},
	"help.flag.store.prune.dry-run": {"Say which scans would go; change nothing.", "どのスキャンが消えるかを表示するだけで、何も変更しません。"},
	"help.flag.dir":                 {"Folder to write into (made if missing).", "書き出すフォルダ（なければ作ります）。"},

	// IAM policy.
	"help.flag.actions":    {"Print instead the separate policy the actions need (stop and start: ECS, RDS, EC2, Auto Scaling; mark, snapshot and delete: EBS, Elastic IPs, RDS, load balancers), to grant only where schedules and cleanups run.", "代わりに、アクションに必要な別のポリシーを表示します（停止・起動: ECS、RDS、EC2、Auto Scaling。印付け・スナップショット・削除: EBS、Elastic IP、RDS、ロードバランサー）。スケジュールやクリーンアップを動かす場所にだけ付与してください。"},
	"help.flag.all":        {"Allow every feature.", "すべての機能を許可します。"},
	"help.flag.bills":      {"With the cost feature: s3://bucket/prefix of the billing exports; object reads are scoped to them (default: any object). Repeatable.", "cost 機能のとき、請求エクスポートの s3://bucket/prefix。オブジェクトの読み取りをそこに限定します（省略時はすべてのオブジェクト）。複数指定できます。"},
	"help.flag.feature":    {"Features to allow, comma-separated: scan (the default), cost (billing exports in S3), cost-explorer (cost ingest --cost-explorer), iac (CloudFormation stacks, CloudTrail creators, states and trail logs in S3), events (steward serve's SQS queue of EventBridge events).", "許可する機能（カンマ区切り）: scan（デフォルト）、cost（S3 の請求エクスポート）、cost-explorer（cost ingest --cost-explorer）、iac（CloudFormation スタック、CloudTrail の作成者、S3 の state と CloudTrail ログ）、events（steward serve が読む EventBridge イベントの SQS キュー）。"},
	"help.flag.partition":  {"ARN partition of the S3 locations: aws, aws-cn, aws-us-gov.", "S3 の場所の ARN パーティション: aws、aws-cn、aws-us-gov。"},
	"help.flag.states":     {"With the iac feature: s3://bucket/key or prefix of Terraform states (their workspaces too). Repeatable.", "iac 機能のとき、Terraform の state の s3://bucket/key かプレフィックス（ワークスペースも含む）。複数指定できます。"},
	"help.flag.trail-logs": {"With the iac feature: s3://bucket/prefix of CloudTrail log files. Repeatable.", "iac 機能のとき、CloudTrail ログファイルの s3://bucket/prefix。複数指定できます。"},
}

func init() {
	for k, m := range helpFlagCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

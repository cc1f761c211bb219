package i18n

import "maps"

// serverMessages are what steward serve says in pages and in Slack.
var serverMessages = map[string]text{
	"notice.digest.title":            {"Weekly digest: %s, %s to %s", "週次ダイジェスト: %s（%s〜%s）"},
	"notice.digest.noteam":           {"findings no team owns", "担当チームのない検出事項"},
	"notice.digest.new":              {"*%d* new findings", "新しい検出事項 *%d* 件"},
	"notice.digest.waste":            {"Waste: *%s* per month in %d open findings", "無駄: 未解決の %[2]d 件で月額 *%[1]s*"},
	"notice.digest.top":              {"Worst new findings:", "重大度の高い新しい検出事項:"},
	"notice.digest.permonth":         {"(%s/month)", "（月額 %s）"},
	"notice.digest.more":             {"…and %d more", "…ほか %d 件"},
	"notice.digest.open":             {"Open the new findings on the dashboard", "ダッシュボードで新しい検出事項を見る"},
	"notice.deploy.success":          {":white_check_mark: *%s* deployed to %s (%s) by %s", ":white_check_mark: *%s* を %s にデプロイしました（%s、実行者 %s）"},
	"notice.deploy.failure":          {":x: *%s* failed to deploy to %s (%s) by %s", ":x: *%s* の %s へのデプロイに失敗しました（%s、実行者 %s）"},
	"notice.incident.opened":         {":rotating_light: Incident *%s* opened on %s", ":rotating_light: %[2]s でインシデント *%[1]s* が発生しました"},
	"notice.incident.resolved":       {":white_check_mark: Incident *%s* on %s resolved after %s", ":white_check_mark: %[2]s のインシデント *%[1]s* が解決しました（復旧まで %[3]s）"},
	"notice.schedule.head":           {"*Schedule run*: %d stopped, %d started, %d failed", "*スケジュール実行*: 停止 %d 件、起動 %d 件、失敗 %d 件"},
	"notice.schedule.dryrun":         {"*Schedule run (dry run, nothing changed)*: would stop %d, would start %d", "*スケジュール実行（ドライラン、変更なし）*: 停止予定 %d 件、起動予定 %d 件"},
	"notice.schedule.more":           {"…and %d more", "…ほか %d 件"},
	"notice.schedule.failed":         {":x: failed: %s", ":x: 失敗: %s"},
	"notice.schedule.error":          {":warning: the run stopped: %s", ":warning: 実行が中断されました: %s"},
	"notice.link":                    {"details", "詳細"},
	"slack.ack":                      {"Working on `/steward %s`…", "`/steward %s` を処理しています…"},
	"slack.norole":                   {"Your Slack account is not linked to a steward user, so steward cannot tell what you may see. Ask an admin to add your member id (%s) to slack.users in steward.yaml.", "この Slack アカウントは steward のユーザーに紐づいていないため、表示できる内容を判断できません。管理者に依頼して、メンバー ID（%s）を steward.yaml の slack.users に追加してください。"},
	"slack.forbidden":                {"`/steward %s` needs the %s role; you have %s.", "`/steward %s` には %s ロールが必要です（あなたのロールは %s です）。"},
	"slack.unknown":                  {"I don't know `%s`. Try `/steward help`.", "`%s` というコマンドはありません。`/steward help` で使い方を確認できます。"},
	"slack.failed":                   {"Sorry, `/steward %s` failed: %s", "`/steward %s` に失敗しました: %s"},
	"slack.help":                     {"*steward* commands:\n%s", "*steward* のコマンド:\n%s"},
	"slack.help.findings":            {"`/steward findings mine`: the open findings you own", "`/steward findings mine`: あなたが担当している未解決の検出事項"},
	"slack.help.dora":                {"`/steward dora SERVICE [DAYS]`: the Four Keys of a service (default: last 30 days)", "`/steward dora サービス名 [日数]`: サービスの Four Keys（既定は直近 30 日）"},
	"slack.help.env":                 {"`/steward env`: the environments board; `/steward env claim qa3 4h PURPOSE`, `env extend qa3 2h`, `env release qa3`", "`/steward env`: 環境の一覧。`/steward env claim qa3 4h 用途`、`env extend qa3 2h`、`env release qa3`"},
	"slack.env.claim":                {"%s claimed *%s* until %s.", "%s さんが *%s* を %s まで確保しました。"},
	"slack.env.extend":               {"%s extended *%s* until %s.", "%s さんが *%s* の利用を %s まで延長しました。"},
	"slack.env.release":              {"%s released *%s* (was held until %s).", "%s さんが *%s* を返却しました（%s まで確保していました）。"},
	"slack.env.head":                 {"*Environments* (%d)", "*環境一覧*（%d 件）"},
	"slack.env.state.running":        {"running", "稼働中"},
	"slack.env.state.stopped":        {"stopped", "停止中"},
	"slack.env.state.partly_running": {"partly running", "一部稼働"},
	"slack.env.state.nothing_to_run": {"nothing to run", "稼働対象なし"},
	"slack.env.state.no_resources":   {"no resources", "リソースなし"},
	"slack.env.held":                 {"held by %s: %s, until %s (%s left)", "%s さんが利用中: %s（%s まで、残り %s）"},
	"slack.env.more":                 {"…and %d more: `steward env list`", "…ほか %d 件: `steward env list`"},
	"env.deploy.foreign":             {"%s is leased by %s (%s) until %s: ask them before deploying there", "%s は %s さんが利用中です（%s、%s まで）。デプロイする前に確認してください"},
	"slack.env.free":                 {"free", "空き"},
	"slack.env.deploy":               {"last deploy: %s %s %s, %s ago", "最終デプロイ: %s %s %s（%s 前）"},
	"slack.env.button.claim":         {"Claim", "確保する"},
	"slack.env.button.extend":        {"Extend", "延長する"},
	"slack.env.button.release":       {"Release", "返却する"},
	"slack.help.bastion":             {"`/steward bastion up [1h] REASON`: start the bastion to reach the database; `bastion down`, `bastion status`", "`/steward bastion up [1h] 理由`: データベースに入るための踏み台を起動。`bastion down`、`bastion status`"},
	"slack.help.schedule":            {"`/steward schedule override qa3 [on|off] until 22:00 [REASON]`: hold resources on (or off) past their schedule; `schedule override list`, `schedule override cancel ID`", "`/steward schedule override qa3 [on|off] until 22:00 [理由]`: スケジュールに関係なく指定時刻まで起動（または停止）したままにする。`schedule override list`、`schedule override cancel ID`"},
	"slack.help.cost":                {"`/steward cost [system|env|owner|service|tag:KEY]`: the last 30 days of the bill, largest first", "`/steward cost [system|env|owner|service|tag:キー]`: 直近 30 日の請求額（大きい順）"},
	"slack.bastion.reason":           {"Say why: `/steward bastion up 1h check the orders table`", "理由を添えてください: `/steward bastion up 1h 注文テーブルの確認`"},
	"slack.bastion.audit":            {":key: %s ran `bastion %s`", ":key: %s さんが `bastion %s` を実行しました"},
	"slack.override.reason":          {"asked in Slack", "Slack から依頼"},
	"slack.help.help":                {"`/steward help`: this list", "`/steward help`: この一覧"},
	"slack.noscan":                   {"No scan yet: steward has not looked at the estate.", "まだスキャンがありません。steward はまだ環境を調べていません。"},
	"slack.mine.none":                {"No open findings owned by %s. :tada:", "%s が担当する未解決の検出事項はありません。:tada:"},
	"slack.mine.head":                {"*%d open findings owned by %s* (scan %s)", "*%[2]s が担当する未解決の検出事項: %[1]d 件*（スキャン %[3]s）"},
	"slack.mine.more":                {"…and %d more: `steward findings --owner %s`", "…ほか %d 件: `steward findings --owner %s`"},
	"slack.dora.usage":               {"Which service? `/steward dora SERVICE [DAYS]`", "どのサービスですか？ `/steward dora サービス名 [日数]`"},
	"slack.dora.days":                {"%q is not a number of days (1 to 365).", "%q は日数として読めません（1〜365）。"},
	"slack.dora.head":                {"*Four Keys of %s*, last %d days (production)", "*%s の Four Keys*（直近 %d 日、本番）"},
	"slack.dora.none":                {"No deployments of %s to production in the last %d days.", "直近 %[2]d 日間に %[1]s の本番デプロイはありません。"},
	"slack.dora.freq":                {"Deployment frequency", "デプロイ頻度"},
	"slack.dora.lead":                {"Lead time for changes", "変更のリードタイム"},
	"slack.dora.cfr":                 {"Change failure rate", "変更失敗率"},
	"slack.dora.mttr":                {"Failed deployment recovery time", "デプロイ失敗からの復旧時間"},
	"slack.dora.insufficient":        {"insufficient data", "データ不足"},
}

func init() {
	for k := range serverMessages {
		if _, dup := catalog[k]; dup {
			panic("i18n: message " + k + " is defined twice")
		}
	}
	maps.Copy(catalog, serverMessages)
}

package i18n

// envCatalog holds the messages of environments and leases (steward env,
// the notices to holders, the lease lines of deploy record). It joins the
// catalog at init, so the one catalog test checks both languages.
var envCatalog = map[string]text{
	"env.title":           {"Environments", "環境一覧"},
	"env.col.env":         {"ENV", "環境"},
	"env.col.state":       {"STATE", "状態"},
	"env.col.running":     {"RUNNING", "稼働"},
	"env.col.schedule":    {"SCHEDULE", "スケジュール"},
	"env.col.holder":      {"HOLDER", "利用者"},
	"env.col.purpose":     {"PURPOSE", "用途"},
	"env.col.branch":      {"BRANCH/PR", "ブランチ/PR"},
	"env.col.until":       {"UNTIL", "期限"},
	"env.col.deploy":      {"LAST DEPLOY", "最終デプロイ"},
	"env.col.cost":        {"COST (MONTH)", "コスト（当月）"},
	"env.col.cost.period": {"COST %s", "コスト %s"},
	"env.col.event":       {"EVENT", "出来事"},
	"env.col.who":         {"WHO", "実行者"},
	"env.col.detail":      {"DETAIL", "詳細"},
	"env.col.kind":        {"KIND", "種別"},
	"env.col.attr":        {"ATTRIBUTE", "属性"},
	"env.col.in":          {"IN %s", "%s の値"},

	"env.state.running":        {"running", "稼働中"},
	"env.state.stopped":        {"stopped", "停止中"},
	"env.state.partly running": {"partly running", "一部稼働"},
	"env.state.nothing to run": {"nothing to run", "稼働対象なし"},
	"env.state.no resources":   {"no resources", "リソースなし"},

	"env.until":         {"%s (%s left)", "%s（残り %s）"},
	"env.free":          {"(free)", "（空き）"},
	"env.holder.deploy": {"%s (deploy)", "%s（デプロイ時確保）"},
	"env.not.leasable":  {"(not leased)", "（貸出対象外）"},
	"env.hold.lease":    {"kept on by the lease", "利用中のため稼働継続"},
	"env.hold.idle":     {"stopped as idle since %s", "%s から未使用のため停止"},
	"env.deploy":        {"%s %s %s, %s ago", "%s %s %s（%s前）"},
	"env.note.noscan":   {"No scan in the store: states and resources are unknown; run `steward scan` (or `steward demo`).", "ストアにスキャンがありません。状態とリソースは不明です。`steward scan`（または `steward demo`）を実行してください。"},
	"env.note.scan":     {"States from scan %s of %s.", "状態はスキャン %s（%s）時点のものです。"},
	"env.note.nobill":   {"Cost: no bill ingested (steward cost ingest).", "コスト: 請求データが未取り込みです（steward cost ingest）。"},

	"env.claim.ok":      {"%s is yours, %s, until %s (%s).", "%s を %s さんに貸し出しました。期限 %s（%s）。"},
	"env.claim.renewed": {"%s was already yours, %s; it now runs until %s (%s).", "%s はすでに %s さんが利用中です。期限を %s（%s）に延ばしました。"},
	"env.claim.stolen":  {"Took it from %s, who has been told.", "%s さんから引き継ぎました。本人に通知済みです。"},
	"env.claim.expired": {"The lease of %s had ended at %s.", "%s さんの利用は %s に期限切れになっていました。"},
	"env.extend.ok":     {"%s: your lease now runs until %s (%s).", "%s: 期限を %s（%s）に延長しました。"},
	"env.release.ok":    {"%s released after %s.", "%s を返却しました（利用時間 %s）。"},

	"env.err.held":            {"%s is leased by %s until %s (%s); ask them, or take it with --steal --reason TEXT (they are told)", "%s は %s さんが %s まで利用中です（%s）。本人に確認するか、--steal --reason 理由 で引き継いでください（本人に通知されます）"},
	"env.err.free":            {"%s is not leased", "%s は貸し出されていません"},
	"env.err.notyours":        {"%s is leased by %s, not by you (give --as NAME if you are)", "%s は %s さんの利用中で、あなたのものではありません（本人なら --as 名前 を指定してください）"},
	"env.err.unknown":         {"no environment %q: see steward env list (environments come from the env tag, tags.required.env and environments: in steward.yaml)", "環境 %q はありません。steward env list を確認してください（環境は env タグ、tags.required.env、steward.yaml の environments: で決まります）"},
	"env.err.no-holder":       {"who is claiming is unknown: give --as NAME or set STEWARD_USER", "利用者が分かりません。--as 名前 を指定するか STEWARD_USER を設定してください"},
	"env.err.not-leasable":    {"%s cannot be leased (leases.environments allows %s)", "%s は貸出対象外です（leases.environments で許可: %s）"},
	"env.err.too-long":        {"a lease runs at most %s (leases.max_duration); asked for %s", "利用期間は最長 %s です（leases.max_duration）。指定: %s"},
	"env.err.too-long-extend": {"a lease runs at most %s from now (leases.max_duration); %s would end %s", "利用期間は現在から最長 %s です（leases.max_duration）。%s の期限が %s になってしまいます"},
	"env.err.reason":          {"--steal needs --reason TEXT: the holder is told why", "--steal には --reason 理由 が必要です。理由は利用者に通知されます"},

	"env.event.claimed":  {"claimed", "利用開始"},
	"env.event.extended": {"extended", "延長"},
	"env.event.released": {"released", "返却"},
	"env.event.expired":  {"expired", "期限切れ"},
	"env.event.stolen":   {"stolen", "引き継ぎ"},
	"env.event.reminded": {"reminded", "リマインド"},

	"env.history.title":     {"Lease history", "利用履歴"},
	"env.history.title.one": {"Lease history of %s", "%s の利用履歴"},

	"env.notice.stolen":   {"@%s: %s was taken from you by %s: %s", "@%s さん: %s は %s さんに引き継がれました。理由: %s"},
	"env.notice.reminder": {"@%s: your lease of %s ends at %s (%s left); steward env extend to keep it", "@%s さん: %s の利用期限は %s です（残り %s）。続けて使う場合は steward env extend を実行してください"},
	"env.notice.expired":  {"@%s: your lease of %s ended at %s", "@%s さん: %s の利用期限（%s）が切れました"},

	"env.deploy.flagged": {"warning: %s is leased by %s (%s) until %s; this deployment is flagged on the record", "警告: %s は %s さん（%s）が %s まで利用中です。このデプロイは記録上で警告扱いになります"},
	"env.deploy.claimed": {"%s had no lease: leased to %s until %s (claim on deploy)", "%s は未使用だったため、%s さんに %s まで貸し出しました（デプロイ時の自動確保）"},

	"env.diff.title":       {"%[1]s vs %[2]s: %[3]d matched, %[4]d drift, %[5]d parameters, %[6]d only in %[1]s, %[7]d only in %[2]s", "%[1]s と %[2]s の比較: 対応 %[3]d件、ドリフト %[4]d件、パラメータ差 %[5]d件、%[1]s のみ %[6]d件、%[2]s のみ %[7]d件"},
	"env.diff.sec.drift":   {"Drift (%d): should be the same", "ドリフト（%d件）: 本来同じであるべき差分"},
	"env.diff.sec.params":  {"Expected parameters (%d)", "想定内のパラメータ差（%d件）"},
	"env.diff.sec.missing": {"Only on one side (%d)", "片方にのみ存在（%d件）"},
	"env.diff.same":        {"No differences.", "差分はありません。"},
	"env.diff.note":        {"Matched by IaC address, env_diff.match_tags, then name with the env part swapped; env_diff: in steward.yaml sets which attributes are parameters and which drift.", "IaC アドレス、env_diff.match_tags、環境名を置き換えた名前の順で対応付けています。どの属性をパラメータ差・ドリフトとするかは steward.yaml の env_diff: で設定できます。"},
	"env.diff.fail.drift":  {"env diff: %d drift", "env diff: ドリフト %d件"},
	"env.diff.fail.any":    {"env diff: the environments differ", "env diff: 環境間に差分があります"},
	"env.kind.drift":       {"drift", "ドリフト"},
	"env.kind.parameter":   {"parameter", "パラメータ"},
	"env.kind.missing":     {"missing", "欠落"},
	"env.absent":           {"(absent)", "（なし）"},
	"env.detail.until":     {"until %s", "%s まで"},
	"env.detail.untilfor":  {"until %s: %s", "%s まで: %s"},
	"env.detail.from":      {"from %s: %s", "%s から引き継ぎ: %s"},
	"env.detail.ends":      {"ends %s", "%s に終了"},
	"env.detail.as":        {"%s", "%s"},
}

func init() {
	for k, v := range envCatalog {
		if _, dup := catalog[k]; dup {
			panic("i18n: env message " + k + " is in the catalog twice")
		}
		catalog[k] = v
	}
}

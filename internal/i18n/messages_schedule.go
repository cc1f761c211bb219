package i18n

import "fmt"

// scheduleCatalog holds why a schedule run, the bastion and undo plan a
// change or leave a resource alone. Like the cleanup reasons they are
// written in the planner's language when the plan is made, and the plan
// file and journal keep that text.
var scheduleCatalog = map[string]text{
	"sched.decide.none": {"the schedule has no transition in the last 7 days",
		"スケジュールに直近 7 日間の切り替えがありません"},
	"sched.decide.already": {"already %s", "すでに%s中"},
	"sched.decide.byhand": {"turned %s by hand at %s, after the schedule's %s at %s; respected until the next transition",
		"%[2]s に手動で%[1]s（スケジュールの %[4]s の%[3]sより後）。次の切り替えまでそのままにします"},
	"sched.decide.byhand.next": {"turned %s by hand at %s, after the schedule's %s at %s; respected until the next transition at %s",
		"%[2]s に手動で%[1]s（スケジュールの %[4]s の%[3]sより後）。次の切り替え（%[5]s）までそのままにします"},
	"sched.decide.scheduled": {"scheduled %s since %s", "スケジュールでは %[2]s から%[1]s"},
	"sched.decide.enforced": {"scheduled %s since %s; the schedule is enforced, so the change by hand at %s is undone",
		"スケジュールでは %[2]s から%[1]s。強制スケジュールのため、%[3]s の手動変更を元に戻します"},

	"sched.why": {"%s (%s)", "%s（%s）"},
	"sched.label.override": {"override %s by %s until %s: %s",
		"%[2]s のオーバーライド %[1]s（%[3]s まで）: %[4]s"},
	"sched.label.lease": {"bastion lease %s by %s until %s: %s",
		"%[2]s の踏み台リース %[1]s（%[3]s まで）: %[4]s"},
	"sched.label.leaseended": {"bastion lease %s by %s ended at %s",
		"%[2]s の踏み台リース %[1]s は %[3]s に終了"},
	"sched.label.schedule":   {"schedule %s, by %s", "スケジュール %[1]s、%[2]s で適用"},
	"sched.label.hold":       {"schedule %s, by %s", "スケジュール %[1]s、%[2]s"},
	"sched.by.tag":           {"tag %s", "タグ %s"},
	"sched.by.env":           {"env %s (%s)", "環境 %s（%s）"},
	"sched.by.system":        {"system %s (%s)", "システム %s（%s）"},
	"sched.by.both":          {"%s, %s", "%s、%s"},
	"schedule.desc.holidays": {", %s holidays off", "、祝日（%s）は停止"},
	"schedule.desc.closed":   {", closed %s", "、休業日 %s"},
	"sched.none":             {"(none)", "（なし）"},
	"sched.someone":          {"someone", "（不明な人）"},
	"sched.skip.override": {"override %s ignored: the resource follows no schedule, so nothing would put it back when the override ends",
		"オーバーライド %s は無視します。このリソースはスケジュールに従っていないため、終了後に元へ戻すものがありません"},
	"sched.skip.nolease": {"bastion: no lease ended recently (steward bastion up starts it, bastion down stops it)",
		"踏み台: 最近終わったリースはありません（steward bastion up で起動、bastion down で停止します）"},
	"sched.skip.error":  {"schedule: %s", "スケジュール: %s"},
	"sched.skip.optout": {"opted out (%s)", "スケジュール対象外（%s）"},
	"sched.skip.notransition": {"schedule %s has no transition in the last 7 days",
		"スケジュール %s には直近 7 日間の切り替えがありません"},
	"sched.warn.terraform": {"Terraform (%s) sets desired_count = %d: the next terraform apply starts it again; add desired_count to lifecycle.ignore_changes",
		"Terraform（%s）が desired_count = %d を設定しているため、次の terraform apply で再び起動します。desired_count を lifecycle.ignore_changes に追加してください"},
	"sched.warn.cloudformation": {"CloudFormation stack %s manages it: a stack update that sets DesiredCount starts it again; leave DesiredCount out of the template",
		"CloudFormation スタック %s の管理下です。DesiredCount を設定するスタック更新で再び起動するため、テンプレートから DesiredCount を外してください"},

	"env.why.leased": {"leased by %s until %s", "%s が %s までリース中"},
	"env.why.idle": {"unleased and idle since %s (idle_stop_after %s)",
		"%s からリースされず未使用（idle_stop_after %s）"},

	"bastion.why.up": {"bastion up by %s for %s: %s (lease %s)",
		"%[1]s が踏み台を %[2]s 起動: %[3]s（リース %[4]s）"},
	"bastion.why.down": {"bastion down by %s: %s", "%s が踏み台を停止: %s"},
	"bastion.why.done": {"done", "作業完了"},
}

func init() {
	for k, m := range scheduleCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

// targetCatalog holds why steward may not change a resource now, as its
// target reads it: every planner shows these, in its plan's language.
var targetCatalog = map[string]text{
	"guard.excluded.tag":           {"excluded: tagged %s", "除外: タグ %s が付いています"},
	"guard.excluded.pattern":       {"excluded by policies.actions.exclude %s", "policies.actions.exclude の %s により除外"},
	"target.skip.group":            {"group is %s", "グループが %s 状態"},
	"target.skip.inasg":            {"in Auto Scaling group %s: the group is scaled, not its instances", "Auto Scaling グループ %s のインスタンスです。インスタンスではなくグループを増減します"},
	"target.skip.spot":             {"a spot instance", "スポットインスタンスです"},
	"target.skip.transition":       {"state %s (in transition: a later run acts)", "状態 %s（遷移中のため、次回以降の実行で対応します）"},
	"target.skip.statustransition": {"status %s (in transition: a later run acts)", "ステータス %s（遷移中のため、次回以降の実行で対応します）"},
	"target.skip.state":            {"state %s", "状態 %s"},
	"target.skip.status":           {"status %s", "ステータス %s"},
	"target.skip.attached":         {"attached to %s", "%s にアタッチされています"},
	"target.skip.associated":       {"associated (%s)", "関連付けられています（%s）"},
	"target.skip.service":          {"service is %s", "サービスが %s 状態"},
	"target.skip.deployments":      {"a deployment is in progress (%d deployments)", "デプロイ中です（デプロイ %d件）"},
	"target.skip.deployment":       {"a deployment is in progress (%s)", "デプロイ中です（%s）"},
	"target.skip.protected":        {"deletion protection is on", "削除保護が有効です"},
	"target.skip.rule":             {"rule state %s: steward only enables and disables", "ルールの状態が %s のため対象外です（steward が行うのは有効化と無効化のみ）"},
	"target.skip.replica":          {"a read replica (of %s): AWS cannot stop it", "%s のリードレプリカです。AWS では停止できません"},
	"target.skip.replicasource":    {"the source of read replicas (%s): AWS cannot stop it", "リードレプリカ（%s）のソースです。AWS では停止できません"},
	"target.skip.aurora":           {"an instance of Aurora cluster %s: the cluster is stopped and started", "Aurora クラスター %s のインスタンスです。停止と起動はクラスター単位で行います"},
	"target.skip.replicacluster":   {"a replica cluster (of %s): AWS cannot stop it", "%s のレプリカクラスターです。AWS では停止できません"},
	"target.skip.autosnapshot":     {"a %s snapshot: AWS expires it", "%s スナップショットです。AWS が期限切れで削除します"},
}

func init() {
	for k, m := range targetCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

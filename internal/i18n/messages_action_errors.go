package i18n

import "fmt"

// actionErrorCatalog holds why apply and undo refuse or fail: a plan over
// the cap or made on resources that changed since, a change that cannot
// be undone, an answer that is not yes. Ids, names, ARNs and the keys and
// values of a drift stay as they are.
var actionErrorCatalog = map[string]text{
	"action.err.toomany": {"the plan has %d changes, over the blast-radius cap of %d per apply (policies.actions.max_changes in steward.yaml): split it or raise the cap",
		"プランの変更が %d件あり、1 回の apply で変更できる上限の %d件を超えています（steward.yaml の policies.actions.max_changes）。プランを分けるか上限を上げてください"},
	"action.warn.toomany": {"steward: %d changes is over the cap of %d per apply (policies.actions.max_changes): apply will refuse this plan",
		"steward: 変更が %d件あり、1 回の apply の上限 %d件（policies.actions.max_changes）を超えています。apply はこのプランを実行しません"},
	"action.err.changed": {"resources changed since the plan was made: %s; make a new plan",
		"プランの作成後にリソースが変わりました: %s。プランを作り直してください"},
	"action.err.changedone": {"resources changed since the plan was made: %s",
		"プランの作成後にリソースが変わりました: %s"},
	"action.drift":      {"%s (%s): %s", "%s（%s）: %s"},
	"action.drift.diff": {"%s: %s -> %s", "%s: %s → %s"},
	"action.drift.none": {"(none)", "（なし）"},
	"action.err.failed": {"%d of %d changes failed", "%[2]d件中 %[1]d件の変更が失敗しました"},
	"action.err.excluded": {"%s is %s: excluded from actions",
		"%s は変更できません（%s）"},

	"action.err.undo.notdone": {"change %s is %s, not done: not reversible (check the resource by hand)",
		"変更 %s は「%s」で完了していないため、取り消せません（リソースを直接確認してください）"},
	"action.err.undo.kind": {"change %s (%s): not reversible",
		"変更 %s（%s）は取り消せません"},
	"action.err.undo.excluded": {"undo %s: %s is %s",
		"%s を取り消せません: %s（%s）"},
	"action.err.undo.skip":   {"undo %s: %s: %s", "%s を取り消せません: %s: %s"},
	"action.err.undo.failed": {"undo %s: %s", "%s の取り消しに失敗しました: %s"},
	"action.err.undo.nochange": {"no change %q in the journal (see steward journal)",
		"ジャーナルに変更 %q はありません（steward journal で確認できます）"},

	"journal.status.done":   {"done", "完了"},
	"journal.status.failed": {"failed", "失敗"},
	"journal.status.intent": {"may have happened", "実施された可能性あり"},
	"journal.status.intentlong": {"may have happened (steward stopped between recording the intent and the result)",
		"実施された可能性あり（steward が予定の記録と結果の記録の間で止まりました）"},

	"action.err.noscan": {"the store has no scan yet: run `steward scan` first, or give --source",
		"ストアにスキャンがまだありません。先に `steward scan` を実行するか、--source を指定してください"},
	"action.err.notty": {"stdin is not a terminal, so steward cannot ask: pass --auto-approve to make the changes",
		"標準入力が端末ではないため確認できません。変更を実行するには --auto-approve を付けてください"},
	"action.confirm.yes": {"%s Only 'yes' is accepted: ", "%s（yes と入力した場合のみ実行します）: "},
	"action.err.notconfirmed": {"steward: not confirmed: nothing was changed",
		"steward: 確認されなかったため、何も変更していません"},

	"action.err.plan.format": {"plan: format %d, want %d (make the plan again with this steward)",
		"プラン: 形式 %d は読めません（%d が必要です。この steward でプランを作り直してください）"},
	"action.err.plan.ids": {"plan: id, created and as_of are required",
		"プラン: id、created、as_of は必須です"},
	"action.err.plan.json": {"read plan: more than one JSON value",
		"プランを読めません: JSON の値が 2 つ以上あります"},
	"action.err.plan.read": {"read plan: %s", "プランを読めません: %s"},
	"action.err.plan.noid": {"plan: changes[%d]: id is required", "プラン: changes[%d]: id は必須です"},
	"action.err.plan.twice": {"plan: changes[%d]: id %s appears twice",
		"プラン: changes[%d]: id %s が 2 回あります"},
	"action.err.plan.type": {"plan: changes[%d]: type %q has no action (known: %s)",
		"プラン: changes[%d]: 種類 %q には steward の操作がありません（操作できる種類: %s）"},
	"action.err.plan.verb": {"plan: changes[%d]: action %q is not one steward makes on %s (stop and start: %s; mark, unmark, delete: %s; snapshot-then-delete: %s)",
		"プラン: changes[%d]: 操作 %q は steward が %s に行う操作ではありません（stop と start: %s。mark、unmark、delete: %s。snapshot-then-delete: %s）"},
	"action.err.plan.recorded": {"plan: changes[%d]: recorded state is required (it is what apply compares)",
		"プラン: changes[%d]: recorded（記録した状態）は必須です（apply が比較に使います）"},
	"action.err.plan.arn": {"plan: changes[%d]: arn: %s", "プラン: changes[%d]: arn: %s"},
}

func init() {
	for k, m := range actionErrorCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

package i18n

import "fmt"

// cleanupCatalog holds the texts of mark-then-delete: why a change is
// planned, why a resource is left alone, and what `steward cleanup`
// prints. They live apart from the main catalog so the two grow without
// stepping on each other; init merges them.
var cleanupCatalog = map[string]text{
	"cleanup.why.mark": {"flagged by %s: marked for deletion on %s (%d grace days)",
		"%s に該当: %s に削除予定としてマーク（猶予 %d日）"},
	"cleanup.why.unmark": {"no longer flagged by a policy that marks (marked by %s): mark removed",
		"マークしたポリシー（%s）に該当しなくなったため、マークを外します"},
	"cleanup.why.delete": {"marked for deletion on %s and still flagged by %s after the grace days",
		"%s に削除予定としてマーク済みで、猶予期間の後も %s に該当"},
	"cleanup.skip.type":    {"steward cannot mark or delete a %s", "%s のマークと削除には対応していません"},
	"cleanup.skip.read":    {"could not read it: %s", "読み取れませんでした: %s"},
	"cleanup.skip.badmark": {"%s: fix or remove the tag", "%s: タグを直すか外してください"},
	"cleanup.skip.grace": {"marked: may be deleted from %s (%d day(s) left)",
		"マーク済み: %s から削除可能（残り %d日）"},
	"cleanup.skip.stale": {"due since %s, but the latest scan (%s) is older: scan again to confirm it still matches",
		"%s から削除可能ですが、最新のスキャン（%s）がそれより古いため、再度スキャンしてまだ該当するか確認してください"},
	"cleanup.skip.gap": {"due, but the latest scan could not read %s in %s %s (%s): deletes wait for a scan that reads it",
		"削除可能ですが、最新のスキャンで %s（%s %s）を読み取れませんでした（%s）。読み取れるスキャンまで削除を待ちます"},
	"cleanup.skip.nosnapshot": {"%s asks for a snapshot first, which steward cannot take of a %s",
		"%s は削除前のスナップショットを求めていますが、%s のスナップショットには対応していません"},
	"cleanup.saved": {"Plan saved to %s: run `steward apply %s` to make these %d change(s).",
		"プランを %s に保存しました。`steward apply %s` で %d件の変更を実行します。"},
	"cleanup.policies": {"Policies that mark: %s (grace %d days).", "マークするポリシー: %s（猶予 %d日）"},
	"cleanup.overcap": {"steward: %d changes is over the cap of %d per apply (policies.actions.max_changes): apply will refuse this plan",
		"steward: 変更 %d件は 1 回の apply の上限 %d件（policies.actions.max_changes）を超えているため、apply はこのプランを拒否します"},
	"cleanup.undo.snapshot": {"change %s deleted %s, and a delete cannot be undone; snapshot %s holds its data: %s",
		"変更 %s は %s を削除しました。削除は元に戻せません。データはスナップショット %s に残っています: %s"},
	"cleanup.undo.nosnapshot": {"change %s deleted %s, and a delete cannot be undone (no snapshot was taken)",
		"変更 %s は %s を削除しました。削除は元に戻せません（スナップショットは取得していません）"},
	"cleanup.confirm": {"Make these %d change(s)? Deletes cannot be undone.", "%d件の変更を実行しますか？削除は元に戻せません。"},
	"cleanup.dryrun":  {"Dry run: nothing was changed.", "ドライラン: 何も変更していません。"},
	"cleanup.nopolicies": {"No loaded policy marks resources (actions: [mark, delete] or [mark, snapshot-then-delete]): nothing to plan.",
		"リソースをマークするポリシー（actions: [mark, delete] または [mark, snapshot-then-delete]）が読み込まれていないため、計画するものはありません。"},
}

func init() {
	for k, m := range cleanupCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

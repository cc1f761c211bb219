package i18n

import "fmt"

// storeErrorCatalog holds what the store says when it refuses something
// a person did: a write to a read-only store, an override or lease it
// cannot keep, a retention that makes no sense. Paths, ids and the
// system's own words stay as they are.
var storeErrorCatalog = map[string]text{
	"store.err.readonly.opened": {"store %s is read-only (%s)", "ストア %s は読み取り専用です（%s）"},
	"store.err.readonly": {"store %s is read-only (%s): commands that only read it (findings, history, cost show) still work",
		"ストア %s に書き込めません（%s）。読むだけのコマンド（findings、history、cost show）は使えます"},
	"store.ro.opened":  {"opened for reading only", "読み取り専用で開いています"},
	"store.ro.pg":      {"PostgreSQL refused a write: %s", "PostgreSQL が書き込みを拒否しました: %s"},
	"store.ro.refused": {"the database refused a write", "データベースが書き込みを拒否しました"},
	"store.ro.mode":    {"the file cannot be written: mode %s, %s", "ファイルに書き込めません: mode %s、%s"},
	"store.ro.file":    {"the file cannot be written: %s", "ファイルに書き込めません: %s"},
	"store.ro.dir":     {"its folder %s cannot be written: %s", "フォルダ %s に書き込めません: %s"},

	"store.err.override.id": {"override: id is required", "オーバーライド: id は必須です"},
	"store.err.lease.conflict": {"save lease of %s: another lease of this environment was made meanwhile; try again",
		"%s の貸し出しを保存できません: その間に別の貸し出しが作られました。もう一度実行してください"},
	"store.err.prune.negative": {"prune: retention scans %d and days %d must not be negative",
		"prune: 保持するスキャン数 %d と日数 %d は 0 以上にしてください"},
	"store.err.dsn.empty": {"store DSN is empty (want a file path, sqlite:PATH or postgres://...)",
		"ストアの DSN が空です（ファイルのパス、sqlite:PATH、postgres://... のいずれかを指定してください）"},
	"store.err.notindexed": {"findings of scan %s are not indexed yet and the store is open read-only: open it once with write access (`steward serve` or `steward scan`)",
		"スキャン %s の検出事項はまだ索引が作られておらず、ストアは読み取り専用で開いています。一度書き込みできる状態で開いてください（`steward serve` か `steward scan`）"},
}

func init() {
	for k, m := range storeErrorCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

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

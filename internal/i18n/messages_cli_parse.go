package i18n

import "fmt"

// parseCatalog holds what steward says when the command line itself is
// wrong (kong's parse errors, said again by their kind in internal/cli):
// flag names, values and candidates stay as they were typed or defined.
var parseCatalog = map[string]text{
	"list.sep": {"; ", "、"},

	// Context before an error of the system (i18n.Wrap).
	"iac.err.state":    {"state", "ステートファイル"},
	"cost.err.export":  {"billing export", "請求データ"},
	"policy.err.tests": {"policy tests", "ポリシーのテスト"},

	"cli.err.nofile": {"%s: no such file or directory", "%s というファイルもフォルダもありません"},
	"cli.parse.nofile": {"%s: %s: no such file or directory",
		"%s: %s というファイルもフォルダもありません"},

	"cli.parse.unknownflag": {"unknown flag %s", "%s というフラグはありません"},
	"cli.parse.unexpected":  {"unexpected argument %s", "引数 %s は使えません"},
	"cli.parse.mean":        {"%s, did you mean %s?", "%s。%s のことですか？"},
	"cli.parse.mean.many":   {"%s, did you mean one of %s?", "%s。%s のいずれかのことですか？"},
	"cli.parse.novalue": {"%s: expected a value but got nothing",
		"%s の後に値を書いてください"},
	"cli.parse.flagvalue": {"%s: expected a value but got the flag %s; perhaps try %s",
		"%s には値が必要ですが、フラグ %s が続いています。- で始まる値なら %s と書いてください"},
	"cli.parse.enum": {"%s must be one of %s but got %s",
		"%s には %s のいずれかを指定してください（指定された値: %s）"},
	"cli.parse.int": {"%s: expected a whole number but got %s",
		"%s には整数を指定してください（指定された値: %s）"},
	"cli.parse.float": {"%s: expected a number but got %s",
		"%s には数値を指定してください（指定された値: %s）"},
	"cli.parse.bool": {"%s: expected true or false but got %s",
		"%s には true か false を指定してください（指定された値: %s）"},
	"cli.parse.duration": {"%s: expected a duration (e.g. 2h, 30m) but got %s",
		"%s には 2h や 30m のような時間の長さを指定してください（指定された値: %s）"},
	"cli.parse.oneof": {"expected one of %s",
		"次のいずれかを指定してください: %s"},
	"cli.parse.arg": {"expected %s", "%s を指定してください"},
	"cli.parse.args": {"missing positional arguments %s",
		"引数 %s を指定してください"},
	"cli.parse.flags": {"missing flags: %s", "必須のフラグがありません: %s"},
	"cli.parse.xor": {"%s and %s can't be used together",
		"%s と %s は同時に指定できません"},
	"cli.parse.flagarg": {"unexpected flag argument %s",
		"フラグ %s には値を付けられません"},
}

func init() {
	for k, m := range parseCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

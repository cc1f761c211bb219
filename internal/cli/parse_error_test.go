package cli

import (
	"errors"
	"strings"
	"testing"
)

// TestParseErrorsInJapanese: a command line kong refuses is said in the
// reader's language by its kind, flag names, values and suggestions kept
// as typed; English keeps kong's words. The language comes from --lang
// among the refused arguments, or STEWARD_LANG and the locale.
func TestParseErrorsInJapanese(t *testing.T) {
	tests := map[string]struct {
		args   []string
		ja, en string
	}{
		"unknown flag": {args: []string{"findings", "--bogus"},
			ja: "steward: --bogus というフラグはありません\n", en: "steward: unknown flag --bogus\n"},
		"unknown flag with a suggestion": {args: []string{"findings", "--formt", "json"},
			ja: `steward: --formt というフラグはありません。"--format" のことですか？` + "\n",
			en: `steward: unknown flag --formt, did you mean "--format"?` + "\n"},
		"several suggestions": {args: []string{"cost", "show", "-x"},
			ja: `steward: -x というフラグはありません。"-h", "-c", "-f" のいずれかのことですか？` + "\n",
			en: `steward: unknown flag -x, did you mean one of "-h", "-c", "-f"?` + "\n"},
		"missing value": {args: []string{"findings", "--format"},
			ja: "steward: --format の後に値を書いてください\n", en: `steward: --format: expected string value but got "EOL" (<EOL>)` + "\n"},
		"a flag where the value goes": {args: []string{"findings", "--format", "--limit", "3"},
			ja: `steward: --format には値が必要ですが、フラグ "--limit" が続いています。- で始まる値なら --format="--limit" と書いてください` + "\n",
			en: `steward: --format: expected string value but got "--limit" (long flag); perhaps try --format="--limit"?` + "\n"},
		"bad enum value": {args: []string{"findings", "--format", "yaml"},
			ja: `steward: --format には "table","json","csv","sarif","markdown" のいずれかを指定してください（指定された値: "yaml"）` + "\n",
			en: `steward: --format must be one of "table","json","csv","sarif","markdown" but got "yaml"` + "\n"},
		"not a number": {args: []string{"findings", "--limit", "abc"},
			ja: `steward: --limit には整数を指定してください（指定された値: "abc"）` + "\n",
			en: `steward: --limit: expected a valid 64 bit int but got "abc"` + "\n"},
		"unexpected argument": {args: []string{"findings", "extra"},
			ja: "steward: 引数 extra は使えません\n", en: "steward: unexpected argument extra\n"},
		"mistyped command": {args: []string{"finding"},
			ja: `steward: 引数 finding は使えません。"findings" のことですか？` + "\n",
			en: `steward: unexpected argument finding, did you mean "findings"?` + "\n"},
		"missing command": {args: []string{"cost"},
			ja: `steward: 次のいずれかを指定してください: "ingest", "show", "waste", "anomalies", "check", ...` + "\n",
			en: `steward: expected one of "ingest", "show", "waste", "anomalies", "check", ...` + "\n"},
		"missing argument": {args: []string{"policy", "show"},
			ja: `steward: "<id>" を指定してください` + "\n", en: `steward: expected "<id>"` + "\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				vars map[string]string
				args []string
				want string
			}{
				{nil, append([]string{"--lang", "ja"}, tc.args...), tc.ja},
				{nil, append([]string{"--lang=ja"}, tc.args...), tc.ja},
				{map[string]string{"STEWARD_LANG": "ja"}, tc.args, tc.ja},
				{map[string]string{"LANG": "ja_JP.UTF-8"}, tc.args, tc.ja},
				{map[string]string{"LANG": "ja_JP.UTF-8"}, append([]string{"--lang", "en"}, tc.args...), tc.en},
				{nil, tc.args, tc.en},
			} {
				code, _, errs := runLang(t, c.vars, 0, c.args...)
				if code != ExitUsage || errs != c.want {
					t.Errorf("%v %v: exit %d, stderr %q; want exit %d, %q", c.vars, c.args, code, errs, ExitUsage, c.want)
				}
			}
		})
	}
}

// TestSayParseErrorUnknownWording: a wording kong is not known to use is
// returned as it came, to be printed in kong's English.
func TestSayParseErrorUnknownWording(t *testing.T) {
	err := errors.New("something kong says one day")
	if got := sayParseError(err); got != err {
		t.Errorf("sayParseError = %v, want the error itself", got)
	}
	if got := sayError(usageError{sayParseError(errors.New("unknown flag --x"))}, "ja"); !strings.Contains(got, "--x というフラグはありません") {
		t.Errorf("sayError = %q", got)
	}
}

package cli

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/steward-sre/steward/internal/golden"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
)

// helpRoot is the root of steward's command line, as kong models it.
func helpRoot(t *testing.T) *kong.Node {
	t.Helper()
	env, _, _ := testEnv()
	_, kctx, err := Parse([]string{"version"}, env, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	return kctx.Model.Node
}

// commandNodes are every command of steward's command line, parents too.
func commandNodes(t *testing.T) []*kong.Node {
	t.Helper()
	var nodes []*kong.Node
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, c := range n.Children {
			if c.Type == kong.CommandNode && !c.Hidden {
				nodes = append(nodes, c)
				walk(c)
			}
		}
	}
	walk(helpRoot(t))
	return nodes
}

// TestHelpCatalogIsTheTags: every command's summary is in the catalog,
// its English the command's help tag word for word, so help in Japanese
// cannot fall behind a command added or reworded.
func TestHelpCatalogIsTheTags(t *testing.T) {
	nodes := commandNodes(t)
	if len(nodes) < 60 {
		t.Fatalf("found %d commands: the walk misses some", len(nodes))
	}
	for _, n := range nodes {
		k := helpKey(n)
		if !i18n.EN.Has(k) {
			t.Errorf("%s: no %s in the catalog", n.Path(), k)
			continue
		}
		if got := i18n.EN.T(k); got != n.Help {
			t.Errorf("%s: the catalog says %q, the help tag %q", k, got, n.Help)
		}
	}
}

// TestHelpJapanese: --help in Japanese has its headings and kong's own
// lines in Japanese and lists every command with its Japanese summary;
// in English it is kong's, word for word the tags.
func TestHelpJapanese(t *testing.T) {
	space := regexp.MustCompile(`\s+`)
	// flat joins wrapped lines and runs of spaces, and drops the spaces
	// next to Japanese characters: a line breaks there with a space or
	// none.
	flat := func(s string) string {
		rs := []rune(space.ReplaceAllString(strings.TrimSpace(s), " "))
		var b strings.Builder
		for i, r := range rs {
			if r == ' ' && (table.RuneWidth(rs[i-1]) == 2 || table.RuneWidth(rs[i+1]) == 2) {
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	tests := map[string]struct {
		args []string
		vars map[string]string
		want []string
		not  []string
	}{
		"steward --help, --lang ja": {args: []string{"--lang", "ja", "--help"}, want: []string{
			"使い方: steward <command> [flags]",
			"まずは `steward demo` から: 架空の環境をスキャンします。",
			"フラグ:", "-h, --help このヘルプを表示します。",
			"コマンド:", "demo 組み込みの架空の環境をスキャンしてレポートを表示します（AWS アカウント不要）。",
			"env claim 環境を予約します（期間と用途）。",
			`コマンドの詳細は "steward <command> --help" を実行してください。`,
		}, not: []string{"Usage:", "Flags:", "Commands:", "Show context-sensitive help", "Scan a built-in synthetic estate"}},
		"a command's help, from the locale": {args: []string{"env", "claim", "--help"}, vars: map[string]string{"LANG": "ja_JP.UTF-8"}, want: []string{
			"使い方: steward env claim <name> [flags]",
			"環境を予約します（期間と用途）。他の人が押さえている環境は --steal --reason がないと断ります。",
			"引数:", "<name> 環境名（qa3 など）。", "フラグ:",
			"--purpose=TEXT 用途（例: \"PR #123 payment QA\"）。",
			"--store=PATH|DSN データベース。", "環境変数 $STEWARD_STORE でも指定できます。",
		}, not: []string{"Usage:", "Arguments:", "Lease an environment", "The environment", "What for", "Database:", "($STEWARD_STORE)"}},
		"English": {args: []string{"--help"}, want: []string{
			"Usage: steward <command> [flags]",
			"Start with `steward demo`: it scans a synthetic estate, no AWS account needed.",
			"Flags:", "-h, --help Show context-sensitive help.", "Commands:",
			"demo Scan a built-in synthetic estate (no AWS account needed) and print the report.",
			`Run "steward <command> --help" for more information on a command.`,
		}, not: []string{"使い方", "コマンド"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runLang(t, tc.vars, 0, tc.args...)
			if code != ExitOK || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			got := flat(out)
			for _, w := range tc.want {
				if !strings.Contains(got, flat(w)) {
					t.Errorf("help does not say %q:\n%s", w, out)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, flat(w)) {
					t.Errorf("help says %q:\n%s", w, out)
				}
			}
		})
	}
	// The top help lists every command without subcommands, each with
	// its summary in Japanese.
	_, out, _ := runLang(t, nil, 0, "--lang", "ja", "--help")
	got := flat(out)
	for _, n := range commandNodes(t) {
		if len(n.Children) > 0 && n.Children[0].Type == kong.CommandNode {
			continue
		}
		if w := flat(n.Path() + " " + i18n.JA.T(helpKey(n))); !strings.Contains(got, w) {
			t.Errorf("help does not list %q", w)
		}
	}
}

// TestHelpFlagsCatalogIsTheTags: the help of every flag and argument of
// every command, and the title of every flag group, is in the catalog
// under the key help looks it up by, its English the tag word for word;
// and every such key of the catalog is some flag's, argument's or group's,
// so a flag removed or renamed does not leave its text behind. The
// catalog's own test holds each of them in Japanese too.
func TestHelpFlagsCatalogIsTheTags(t *testing.T) {
	used := map[string]bool{}
	check := func(where, key, tag string) {
		t.Helper()
		used[key] = true
		if !i18n.EN.Has(key) {
			t.Errorf("%s: no %s in the catalog (its tag says %q)", where, key, tag)
			return
		}
		if got := helpText(i18n.EN, key); got != tag {
			t.Errorf("%s: %s says %q, the tag %q", where, key, got, tag)
		}
	}
	root := helpRoot(t)
	values := 0
	for _, n := range append([]*kong.Node{root}, commandNodes(t)...) {
		where := "steward " + n.Path()
		for _, f := range n.Flags {
			if f.Hidden {
				continue
			}
			values++
			check(where+" --"+f.Name, valueKey(n, "flag", f.Name), f.OrigHelp)
			if f.Group != nil {
				check(where+" group "+f.Group.Key, groupKey(f.Group), f.Group.Key)
			}
		}
		for _, a := range n.Positional {
			values++
			check(where+" <"+a.Name+">", valueKey(n, "arg", a.Name), a.OrigHelp)
		}
	}
	if values < 200 {
		t.Fatalf("found %d flags and arguments: the walk misses some", values)
	}
	for _, prefix := range []string{"help.flag.", "help.arg.", "help.group."} {
		for _, k := range i18n.Keys(prefix) {
			if !used[k] {
				t.Errorf("%s: no flag, argument or group has this key", k)
			}
		}
	}
}

// TestHelpGolden: the whole help of steward, of scan and of cost show, in
// English and in Japanese, at 80 columns.
func TestHelpGolden(t *testing.T) {
	t.Setenv("COLUMNS", "") // kong reads it from the process
	for _, cmd := range []string{"", "scan", "cost show"} {
		for _, lang := range []string{"en", "ja"} {
			name := strings.ReplaceAll(strings.TrimSpace("help "+cmd), " ", "-") + "-" + lang
			t.Run(name, func(t *testing.T) {
				args := append(strings.Fields(cmd), "--lang", lang, "--help")
				code, out, errs := runLang(t, nil, 0, args...)
				if code != ExitOK || errs != "" {
					t.Fatalf("exit %d, stderr %q", code, errs)
				}
				golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(out))
			})
		}
	}
}

// TestHelpJapaneseFits: the Japanese help of every command is wrapped by
// terminal columns (a kanji takes two) within the terminal's width, its
// following lines aligned under its first, and nothing of the sealing
// that keeps kong from wrapping it is left in it, nor go/doc's curly
// quotes for ” and “.
func TestHelpJapaneseFits(t *testing.T) {
	t.Setenv("COLUMNS", "")
	paths := [][]string{nil}
	for _, n := range commandNodes(t) {
		paths = append(paths, strings.Fields(n.Path()))
	}
	for _, width := range []int{80, 60, 120} {
		for _, p := range paths {
			args := append(append([]string{}, p...), "--help")
			_, out, _ := runLang(t, map[string]string{"STEWARD_LANG": "ja", "COLUMNS": strconv.Itoa(width)}, 0, args...)
			if strings.ContainsAny(out, sealStart+sealSpace+sealQuote+sealTick) || strings.ContainsAny(out, "“”") || strings.Contains(out, "${") {
				t.Errorf("steward %s --help: sealing or a ${var} left:\n%s", strings.Join(p, " "), out)
			}
			for _, l := range strings.Split(out, "\n") {
				// kong does not wrap its usage line nor its pointer
				// to --help, in English either.
				if strings.HasPrefix(l, i18n.JA.T("help.usage")) || l == i18n.JA.T("help.morecmd", "steward") {
					continue
				}
				// A line may overflow only with one word longer than the
				// room (a URL and its 。), never with Japanese text.
				word := strings.TrimSpace(l)
				if w := table.Width(l); w > width && (strings.Contains(word, " ") || table.Width(word) > len([]rune(word))+2) {
					t.Errorf("steward %s --help at %d columns: a line of %d:\n%s", strings.Join(p, " "), width, w, l)
				}
			}
		}
	}
	// Japanese text that goes on after its first line starts where it did.
	_, out, _ := runLang(t, map[string]string{"STEWARD_LANG": "ja"}, 0, "scan", "--help")
	if !strings.Contains(out, "\n      --store=PATH|DSN         データベース。SQLite のファイルパス（省略時はデー\n"+
		"                               タディレクトリの steward.db）か、PostgreSQL の\n") {
		t.Errorf("--store's help is not wrapped under itself:\n%s", out)
	}
	// Help printed for a mistake is sealed and unsealed the same way.
	code, out, errs := runLang(t, map[string]string{"STEWARD_LANG": "ja"}, 0, "env", "claim")
	if code != ExitUsage || strings.ContainsAny(out+errs, sealStart+sealSpace+sealQuote+sealTick) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/steward-sre/steward/internal/i18n"
)

// commandNodes are every command of steward's command line, parents too.
func commandNodes(t *testing.T) []*kong.Node {
	t.Helper()
	env, _, _ := testEnv()
	_, kctx, err := Parse([]string{"version"}, env, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
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
	walk(kctx.Model.Node)
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
	flat := func(s string) string { return space.ReplaceAllString(s, " ") }
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
			"引数:", "<name> The environment (qa3).", "フラグ:",
		}, not: []string{"Usage:", "Arguments:", "Lease an environment"}},
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
				if !strings.Contains(got, w) {
					t.Errorf("help does not say %q:\n%s", w, out)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
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
		if w := n.Path() + " " + flat(i18n.JA.T(helpKey(n))); !strings.Contains(got, w) {
			t.Errorf("help does not list %q", w)
		}
	}
}

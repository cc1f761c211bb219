package cli

import (
	"bytes"
	"io"
	"regexp"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/steward-sre/steward/internal/i18n"
)

// helpIn is kong's help printer speaking lang: each command's summary
// comes from the catalog (help.cmd. and its path, dotted), and the lines
// kong writes itself (headings, the pointer to --help) are said in lang.
// Flags' help stays as their tags say it.
func helpIn(lang i18n.Lang) kong.HelpPrinter {
	return func(options kong.HelpOptions, ctx *kong.Context) error {
		if lang == i18n.EN {
			return kong.DefaultHelpPrinter(options, ctx)
		}
		sayCommands(ctx.Model.Node, lang)
		out := ctx.Stdout
		var buf bytes.Buffer
		ctx.Stdout = &buf
		err := kong.DefaultHelpPrinter(options, ctx)
		ctx.Stdout = out
		if err != nil {
			return err
		}
		_, err = io.WriteString(out, sayHelpLines(buf.String(), lang))
		return err
	}
}

// helpKey is the catalog key of a command's summary.
func helpKey(n *kong.Node) string {
	return "help.cmd." + strings.ReplaceAll(n.Path(), " ", ".")
}

// sayCommands puts each command's summary under n in lang.
func sayCommands(n *kong.Node, lang i18n.Lang) {
	for _, c := range n.Children {
		if c.Type != kong.CommandNode {
			continue
		}
		if k := helpKey(c); lang.Has(k) {
			c.Help = lang.T(k)
		}
		sayCommands(c, lang)
	}
}

var (
	helpMore    = regexp.MustCompile(`^Run "(.+) --help" for more information\.$`)
	helpMoreCmd = regexp.MustCompile(`^Run "(.+) <command> --help" for more information on a command\.$`)
)

// sayHelpLines says in lang the lines of help kong wrote itself.
func sayHelpLines(help string, lang i18n.Lang) string {
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "Usage: "):
			lines[i] = lang.T("help.usage") + strings.TrimPrefix(l, "Usage:")
		case l == "Flags:":
			lines[i] = lang.T("help.flags")
		case l == "Commands:":
			lines[i] = lang.T("help.commands")
		case l == "Arguments:":
			lines[i] = lang.T("help.args")
		case helpMoreCmd.MatchString(l):
			lines[i] = lang.T("help.morecmd", helpMoreCmd.FindStringSubmatch(l)[1])
		case helpMore.MatchString(l):
			lines[i] = lang.T("help.more", helpMore.FindStringSubmatch(l)[1])
		default:
			lines[i] = strings.Replace(l, "Show context-sensitive help.", lang.T("help.flag.help"), 1)
		}
	}
	return strings.Join(lines, "\n")
}

package cli

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
)

// helpIn is kong's help printer speaking lang. In English it is kong's,
// word for word the tags. In another language every text a person reads
// comes from the catalog: steward's description, each command's summary
// (help.cmd. and its path, dotted), each flag's and argument's help (see
// valueKey), the titles of flag groups, and the lines kong writes itself
// (headings, the pointer to --help). kong still lays the help out; the
// texts are then wrapped again by terminal columns within width, since
// kong wraps only at spaces, which Japanese has none of, and counts a
// kanji as one column where a terminal draws two.
func helpIn(lang i18n.Lang, width int) kong.HelpPrinter {
	return func(options kong.HelpOptions, ctx *kong.Context) error {
		if lang == i18n.EN {
			return kong.DefaultHelpPrinter(options, ctx)
		}
		app := ctx.Model
		app.Help = sealParagraphs(app.Help)
		sayNode(app.Node, lang)
		if app.HelpFlag != nil {
			app.HelpFlag.Help = lang.T("help.flag.help")
		}
		options.ValueFormatter = func(v *kong.Value) string { return seal(sayEnv(v, lang)) }
		out := ctx.Stdout
		var buf bytes.Buffer
		ctx.Stdout = &buf
		err := kong.DefaultHelpPrinter(options, ctx)
		ctx.Stdout = out
		if err != nil {
			return err
		}
		_, err = io.WriteString(out, sayHelpLines(unseal(buf.String(), width), lang))
		return err
	}
}

// helpWidth is the width help is wrapped to, as kong reckons it: $COLUMNS,
// else the terminal's, else 80.
func helpWidth(env Env) int {
	if env.Getenv != nil {
		if n, err := strconv.Atoi(env.Getenv("COLUMNS")); err == nil && n > 0 {
			return n
		}
	}
	if env.IsTTY != nil {
		if tty, w := env.IsTTY(env.Stdout); tty && w > 0 {
			return w
		}
	}
	return 80
}

// helpKey is the catalog key of a command's summary.
func helpKey(n *kong.Node) string {
	return "help.cmd." + strings.ReplaceAll(n.Path(), " ", ".")
}

// valueKey is the catalog key of the help of a flag (kind "flag") or a
// positional argument (kind "arg") named name on node n: the most
// specific of help.<kind>.<command path>.<name>, walking up from n to
// the root, else help.<kind>.<name>. A flag means one thing wherever it
// appears (a shared group's flag, the global flags) has the short key
// once; a command where the same name means something else has its own.
func valueKey(n *kong.Node, kind, name string) string {
	for p := n; p != nil && p.Type == kong.CommandNode; p = p.Parent {
		if k := "help." + kind + "." + strings.ReplaceAll(p.Path(), " ", ".") + "." + name; i18n.EN.Has(k) {
			return k
		}
	}
	return "help." + kind + "." + name
}

// groupKey is the catalog key of a flag group's title.
func groupKey(g *kong.Group) string { return "help.group." + strings.ToLower(g.Key) }

// helpText is the help of key in lang. Catalog texts are fmt formats and
// help takes no arguments: %% is a literal %.
func helpText(lang i18n.Lang, key string) string {
	return strings.ReplaceAll(lang.T(key), "%%", "%")
}

// helpVar is a ${name} in a help text, as kong interpolates it.
var helpVar = regexp.MustCompile(`\$\{(\w+)\}`)

// sayNode puts in lang, under n and n itself, the help of every flag and
// argument, the title of every flag group and, below the root, every
// command's summary.
func sayNode(n *kong.Node, lang i18n.Lang) {
	if n.Type == kong.CommandNode {
		if k := helpKey(n); lang.Has(k) {
			n.Help = seal(helpText(lang, k))
		}
	}
	for _, f := range n.Flags {
		sayValue(f.Value, valueKey(n, "flag", f.Name), lang)
		if g := f.Group; g != nil && lang.Has(groupKey(g)) && !strings.HasPrefix(g.Title, sealStart) {
			g.Title = seal(helpText(lang, groupKey(g)))
		}
	}
	for _, a := range n.Positional {
		sayValue(a, valueKey(n, "arg", a.Name), lang)
	}
	for _, c := range n.Children {
		if c.Type == kong.CommandNode {
			sayNode(c, lang)
		}
	}
}

// sayValue puts a flag's or argument's help in lang, with the ${vars} its
// tag would have (the app's, and default, enum) filled in as kong fills
// them in the tag.
func sayValue(v *kong.Value, key string, lang i18n.Lang) {
	if !lang.Has(key) {
		return
	}
	v.Help = helpVar.ReplaceAllStringFunc(helpText(lang, key), func(s string) string {
		switch name := s[2 : len(s)-1]; name {
		case "default":
			return v.Default
		case "enum":
			return v.Enum
		default:
			if x, ok := helpVars[name]; ok {
				return x
			}
		}
		return s
	})
}

// sayEnv is v's help followed by the environment variables it is also
// read from, as kong's DefaultHelpValueFormatter adds them in English.
func sayEnv(v *kong.Value, lang i18n.Lang) string {
	if len(v.Tag.Envs) == 0 || kong.HasInterpolatedVar(v.OrigHelp, "env") {
		return v.Help
	}
	envs := make([]string, len(v.Tag.Envs))
	for i, e := range v.Tag.Envs {
		envs[i] = "$" + e
	}
	return v.Help + lang.T("help.envvar", strings.Join(envs, ", "))
}

// Sealed text: kong wraps help at spaces and counts bytes, which breaks
// Japanese lines badly or not at all. A text in another language goes to
// kong sealed, its spaces replaced and its start marked by characters of
// Unicode's private use area, so kong keeps each paragraph whole on one
// line; unseal then wraps it by terminal columns from where kong put it.
// Quotes are sealed too, or kong's go/doc would print ” and “ as
// curly quotes.
const (
	sealStart = "\uE000"
	sealSpace = "\uE001"
	sealQuote = "\uE002"
	sealTick  = "\uE003"
)

var (
	sealer   = strings.NewReplacer(" ", sealSpace, "\n", sealSpace, "'", sealQuote, "`", sealTick)
	unsealer = strings.NewReplacer(sealStart, "", sealSpace, " ", sealQuote, "'", sealTick, "`")
)

// seal marks s as one unbreakable paragraph.
func seal(s string) string {
	if s == "" {
		return s
	}
	return sealStart + sealer.Replace(s)
}

// sealParagraphs seals each paragraph of s (blank-line separated).
func sealParagraphs(s string) string {
	ps := strings.Split(s, "\n\n")
	for i, p := range ps {
		ps[i] = seal(p)
	}
	return strings.Join(ps, "\n\n")
}

// unseal wraps each sealed text of help within width, its following lines
// indented to where its first began, and drops the marks.
func unseal(help string, width int) string {
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		at := strings.Index(l, sealStart)
		if at < 0 {
			continue
		}
		lead, text := l[:at], unsealer.Replace(l[at+len(sealStart):])
		col := table.Width(lead)
		// A text squeezed by a wide left column still gets some room.
		wrapped := table.Wrap(text, max(width-col, 24), "")
		lines[i] = lead + strings.ReplaceAll(wrapped, "\n", "\n"+strings.Repeat(" ", col))
	}
	return unsealer.Replace(strings.Join(lines, "\n"))
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
		}
	}
	return strings.Join(lines, "\n")
}

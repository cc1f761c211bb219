package cli

import (
	"regexp"

	"github.com/steward-sre/steward/internal/i18n"
)

// parseError is a command line kong refused, said again as a phrase so a
// reader of another language reads it in theirs. kong's errors have no
// types, so the kind is read from kong's own wording; a wording this does
// not know keeps kong's English. Error() stays kong's text.
type parseError struct {
	err error
	p   i18n.Phrase
}

func (e parseError) Error() string       { return e.err.Error() }
func (e parseError) Unwrap() error       { return e.err }
func (e parseError) Phrase() i18n.Phrase { return e.p }

// kongErrors map kong's wordings to phrases. Each regexp's groups are the
// phrase's arguments in order: flag names, values and candidates, as kong
// quoted them.
var kongErrors = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^unknown flag (\S+)$`), "cli.parse.unknownflag"},
	{regexp.MustCompile(`^unexpected argument (.+)$`), "cli.parse.unexpected"},
	{regexp.MustCompile(`^(\S+): expected \S+ value but got "EOL" \(<EOL>\)$`), "cli.parse.novalue"},
	{regexp.MustCompile(`^(\S+): expected \S+ value but got (".*") \(.+\); perhaps try (.+)\?$`), "cli.parse.flagvalue"},
	{regexp.MustCompile(`^(\S+) must be one of (.+) but got (".*")$`), "cli.parse.enum"},
	{regexp.MustCompile(`^(\S+): expected (?:a valid \d+ bit u?int|an int) but got (".*?")(?: \(.*\))?$`), "cli.parse.int"},
	{regexp.MustCompile(`^(\S+): expected a float but got (".*?")(?: \(.*\))?$`), "cli.parse.float"},
	{regexp.MustCompile(`^(\S+): (?:bool value must be .* but got|expected bool but got) (".*?")(?: \(.*\))?$`), "cli.parse.bool"},
	{regexp.MustCompile(`^(\S+): expected duration but got (".*?")(?:: .*)?$`), "cli.parse.duration"},
	{regexp.MustCompile(`^expected one of (.+)$`), "cli.parse.oneof"},
	{regexp.MustCompile(`^expected (".+")$`), "cli.parse.arg"},
	{regexp.MustCompile(`^missing positional arguments (.+)$`), "cli.parse.args"},
	{regexp.MustCompile(`^missing flags: (.+)$`), "cli.parse.flags"},
	{regexp.MustCompile(`^(--\S+) and (--\S+) can't be used together$`), "cli.parse.xor"},
	{regexp.MustCompile(`^unexpected flag argument (".*")$`), "cli.parse.flagarg"},
	// kong's existingfile and existingdir: its stat's error.
	{regexp.MustCompile(`^(\S+): \S+ (.+): no such file or directory$`), "cli.parse.nofile"},
}

// didYouMean is kong's suggestion after an unknown flag or argument.
var didYouMean = regexp.MustCompile(`^(.*), did you mean (one of )?(.+)\?$`)

// sayParseError wraps kong's parse error err so that it can be said in
// the reader's language; err is returned as it is when its wording is not
// one kong is known to use.
func sayParseError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	mean, many := "", false
	if m := didYouMean.FindStringSubmatch(msg); m != nil {
		msg, many, mean = m[1], m[2] != "", m[3]
	}
	for _, k := range kongErrors {
		m := k.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, g := range m[1:] {
			args[i] = g
		}
		p := i18n.Say(k.key, args...)
		switch {
		case mean != "" && many:
			p = i18n.Say("cli.parse.mean.many", p, mean)
		case mean != "":
			p = i18n.Say("cli.parse.mean", p, mean)
		}
		return parseError{err: err, p: p}
	}
	return err
}

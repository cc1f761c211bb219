package cost

import "github.com/steward-sre/steward/internal/i18n"

// phrase is text for people kept as a catalog key and its arguments, so
// the output layer says it in the reader's language while JSON keeps the
// English words programs match. An argument may be a phrase itself.
type phrase struct {
	key  string
	args []any
}

func say(key string, args ...any) phrase { return phrase{key: key, args: args} }

// in is the phrase in lang; the zero phrase is empty.
func (p phrase) in(lang i18n.Lang) string {
	if p.key == "" {
		return ""
	}
	args := make([]any, len(p.args))
	for i, a := range p.args {
		if q, ok := a.(phrase); ok {
			a = q.in(lang)
		}
		args[i] = a
	}
	return lang.T(p.key, args...)
}

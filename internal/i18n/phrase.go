package i18n

// Phrase is text for people kept as a catalog key and its arguments, so
// that domain code can say what happened without choosing a language: the
// output layer says it in the reader's language while JSON keeps the
// English words programs match. An argument may be a Phrase itself.
type Phrase struct {
	Key  string
	Args []any
}

// Say makes a Phrase.
func Say(key string, args ...any) Phrase { return Phrase{Key: key, Args: args} }

// In is the phrase in lang; the zero Phrase is empty.
func (p Phrase) In(lang Lang) string {
	if p.Key == "" {
		return ""
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		if q, ok := a.(Phrase); ok {
			a = q.In(lang)
		}
		args[i] = a
	}
	return lang.T(p.Key, args...)
}

package i18n

import "strings"

// Phrase is text for people kept as a catalog key and its arguments, so
// that domain code can say what happened without choosing a language: the
// output layer says it in the reader's language while JSON keeps the
// English words programs match. An argument may be a Phrase itself.
type Phrase struct {
	Key  string
	Args []any
}

// Sayer is an argument that says itself in the reader's language (a
// finding's message, kept in each language it was written in).
type Sayer interface{ In(Lang) string }

// Say makes a Phrase.
func Say(key string, args ...any) Phrase { return Phrase{Key: key, Args: args} }

// In is the phrase in lang; the zero Phrase is empty.
func (p Phrase) In(lang Lang) string {
	if p.Key == "" {
		return ""
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		switch q := a.(type) {
		case Phrase:
			a = q.In(lang)
		case Sayer:
			a = q.In(lang)
		case []Phrase:
			// A list of phrases (the drifts of a plan, say) is said item
			// by item and joined as a list.
			items := make([]string, len(q))
			for j, x := range q {
				items[j] = x.In(lang)
			}
			a = strings.Join(items, lang.T("list.sep"))
		}
		args[i] = a
	}
	return lang.T(p.Key, args...)
}

// Err is an error that says p: Error() is the English text, for logs and
// programs, and PhraseOf gives the phrase back for the reader's language.
func (p Phrase) Err() error { return phraseError{p: p} }

// ErrOf is an error that says p and is target for errors.Is and
// errors.As: for a sentinel (a plan that drifted, say) whose meaning the
// phrase says in full, so the caller can still tell what happened.
func (p Phrase) ErrOf(target error) error { return phraseError{p: p, is: target} }

type phraseError struct {
	p  Phrase
	is error
}

func (e phraseError) Error() string  { return e.p.In(EN) }
func (e phraseError) Phrase() Phrase { return e.p }
func (e phraseError) Unwrap() error  { return e.is }

// PhraseOf returns the phrase err says, when err is one that says a phrase
// and holds no other words (an error wrapped with more context does not
// count: its phrase would drop the context).
func PhraseOf(err error) (Phrase, bool) {
	if s, ok := err.(interface{ Phrase() Phrase }); ok {
		return s.Phrase(), true
	}
	return Phrase{}, false
}

// Wrap is err with context p before it, as fmt.Errorf("p: %w", err)
// would write it: Error() is "p: err" in English, Context gives p back
// so the context can be said in the reader's language while err, which
// may say itself in it too, stays where it stands.
func Wrap(p Phrase, err error) error { return contextError{p: p, err: err} }

type contextError struct {
	p   Phrase
	err error
}

func (e contextError) Error() string   { return e.p.In(EN) + ": " + e.err.Error() }
func (e contextError) Unwrap() error   { return e.err }
func (e contextError) Context() Phrase { return e.p }

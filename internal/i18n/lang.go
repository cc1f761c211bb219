// Package i18n owns the language of what steward prints for people: which
// language a run speaks (flag, environment, configuration, locale) and the
// message catalog every package looks its text up in. It knows nothing of
// findings, cost or AWS; machine-read output (policy ids, flags, JSON keys,
// CSV headers) never goes through it and stays English.
package i18n

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language steward speaks.
type Lang string

// The languages of the catalog. English is the default and the fallback.
const (
	EN Lang = "en"
	JA Lang = "ja"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{EN, JA}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Japanese})

// Parse reads a language setting: a code (en, ja), a BCP 47 tag (ja-JP) or a
// POSIX locale (ja_JP.UTF-8). A language steward does not speak is an
// error that lists the ones it does.
func Parse(s string) (Lang, error) {
	l, ok := match(s)
	if !ok {
		return "", fmt.Errorf("language %q is not supported (valid: en, ja)", s)
	}
	return l, nil
}

// match maps s to a supported language, if it names one.
func match(s string) (Lang, bool) {
	s = strings.TrimSpace(s)
	// POSIX locales: language[_territory][.codeset][@modifier].
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "_", "-")
	if s == "" {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	_, idx, conf := matcher.Match(tag)
	if conf < language.High {
		return "", false
	}
	return Langs[idx], true
}

// Settings are the places a language can be chosen, most specific first.
type Settings struct {
	Flag   string // --lang
	Env    string // STEWARD_LANG
	Config string // lang: in steward.yaml
	// Getenv reads the locale variables (LC_ALL, LC_MESSAGES, LANG).
	Getenv func(string) string
}

// Select picks the language of a run: --lang, then STEWARD_LANG, then
// steward.yaml's lang, then the locale (LC_ALL, LC_MESSAGES, LANG, in the
// POSIX order); English when none is set. An explicit setting steward does
// not speak is an error naming where it came from; a locale it does not
// speak (fr_FR.UTF-8, C) falls through to English, since the locale is
// the whole system's and not a request to steward.
func Select(s Settings) (Lang, error) {
	for _, c := range []struct{ name, v string }{
		{"--lang", s.Flag}, {"STEWARD_LANG", s.Env}, {"lang", s.Config},
	} {
		if strings.TrimSpace(c.v) == "" {
			continue
		}
		l, err := Parse(c.v)
		if err != nil {
			return "", fmt.Errorf("%s: %w", c.name, err)
		}
		return l, nil
	}
	if s.Getenv != nil {
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			v := s.Getenv(k)
			if v == "" {
				continue
			}
			if l, ok := match(v); ok {
				return l, nil
			}
			// The first set variable decides, as in POSIX.
			return EN, nil
		}
	}
	return EN, nil
}

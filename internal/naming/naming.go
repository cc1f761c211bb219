// Package naming owns the naming rule: a template such as
// "{system}-{env}-{role}" or a regular expression with named groups, and
// the parsing of a resource name into the fields the rule names (so a name
// can tell who owns a resource). It knows nothing of AWS or policies.
package naming

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/quote"
)

// Rule is a compiled naming rule. The zero Rule matches everything and
// extracts nothing.
type Rule struct {
	source string
	re     *regexp.Regexp
	// parts are a template's fields in order, each with the literal text
	// before it, so a name that fails can be told which part is wrong.
	parts []part
	tail  string // literal text after the last field
}

type part struct {
	before  string
	field   string
	allowed []string
	last    bool
}

var (
	wordRe     = regexp.MustCompile(`^[a-z0-9]+$`)
	lastWordRe = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
)

var placeholder = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)\}`)

// Compile builds a rule from either a template or a regex (not both).
// In a template each {field} matches lower-case letters and digits; a field
// whose allowed values are given matches exactly those values; the last
// field may also contain hyphens, so "{system}-{env}-{role}" accepts
// "shop-prod-web-01". A regex must use named groups for the fields.
func Compile(template, regex string, allowed map[string][]string) (Rule, error) {
	switch {
	case template != "" && regex != "":
		return Rule{}, i18n.Say("naming.cfg.both").Err()
	case template == "" && regex == "":
		return Rule{}, nil
	case regex != "":
		re, err := regexp.Compile(regex)
		if err != nil {
			return Rule{}, fmt.Errorf("regex %s: %w", quote.Value(regex), shortRegexError(err))
		}
		if len(re.SubexpNames()) <= 1 {
			return Rule{}, i18n.Say("naming.cfg.nogroups", quote.Value(regex)).Err()
		}
		return Rule{source: regex, re: re}, nil
	}
	locs := placeholder.FindAllStringSubmatchIndex(template, -1)
	if len(locs) == 0 {
		return Rule{}, i18n.Say("naming.cfg.nofields", quote.Value(template)).Err()
	}
	var b strings.Builder
	b.WriteString("^")
	prev := 0
	seen := map[string]bool{}
	var parts []part
	for i, loc := range locs {
		b.WriteString(regexp.QuoteMeta(template[prev:loc[0]]))
		field := template[loc[2]:loc[3]]
		parts = append(parts, part{before: template[prev:loc[0]], field: field, allowed: allowed[field],
			last: i == len(locs)-1 && loc[1] == len(template)})
		if seen[field] {
			return Rule{}, i18n.Say("naming.cfg.twice", quote.Value(template), field).Err()
		}
		seen[field] = true
		switch vals := allowed[field]; {
		case len(vals) > 0:
			q := make([]string, len(vals))
			for j, v := range vals {
				q[j] = regexp.QuoteMeta(v)
			}
			fmt.Fprintf(&b, "(?P<%s>%s)", field, strings.Join(q, "|"))
		case i == len(locs)-1 && loc[1] == len(template):
			fmt.Fprintf(&b, "(?P<%s>[a-z0-9]+(?:-[a-z0-9]+)*)", field)
		default:
			fmt.Fprintf(&b, "(?P<%s>[a-z0-9]+)", field)
		}
		prev = loc[1]
	}
	if rest := template[prev:]; strings.ContainsAny(rest, "{}") {
		return Rule{}, i18n.Say("naming.cfg.notfield", quote.Value(template), quote.Value(rest)).Err()
	}
	b.WriteString(regexp.QuoteMeta(template[prev:]))
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return Rule{}, fmt.Errorf("template %s: %w", quote.Value(template), shortRegexError(err))
	}
	return Rule{source: template, re: re, parts: parts, tail: template[prev:]}, nil
}

// shortRegexError cuts the expression a regexp error quotes, which is the
// rest of the pattern from the fault on.
func shortRegexError(err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Errorf("%s: %s", se.Code, quote.Value(se.Expr))
	}
	return err
}

// MustCompile is Compile for rules known to be valid (tests, defaults).
func MustCompile(template, regex string, allowed map[string][]string) Rule {
	r, err := Compile(template, regex, allowed)
	if err != nil {
		panic(err)
	}
	return r
}

// Empty reports whether the rule was never set.
func (r Rule) Empty() bool { return r.re == nil }

// String returns the template or regex the rule came from.
func (r Rule) String() string { return r.source }

// Pattern returns the regular expression names are matched with: for a
// template it spells out the allowed values of each field, so two rules
// with the same template and different allowed values differ here.
func (r Rule) Pattern() string {
	if r.re == nil {
		return ""
	}
	return r.re.String()
}

// Match reports whether name follows the rule. The empty rule matches all.
func (r Rule) Match(name string) bool {
	return r.re == nil || r.re.MatchString(name)
}

// Parse returns the fields a name carries, or ok=false when the name does
// not follow the rule.
func (r Rule) Parse(name string) (fields map[string]string, ok bool) {
	if r.re == nil {
		return nil, false
	}
	m := r.re.FindStringSubmatch(name)
	if m == nil {
		return nil, false
	}
	fields = make(map[string]string, len(m)-1)
	for i, n := range r.re.SubexpNames() {
		if i > 0 && n != "" {
			fields[n] = m[i]
		}
	}
	return fields, true
}

// Explain says in words why name does not follow the rule: which part of
// a template is wrong and what it may be ("env part 'production' is not
// one of prod, stg, dev"). It is empty when the name follows the rule.
func (r Rule) Explain(name string) string { return r.ExplainIn(name, i18n.EN) }

// ExplainIn is Explain in lang.
func (r Rule) ExplainIn(name string, lang i18n.Lang) string {
	if r.Match(name) {
		return ""
	}
	if name == "" {
		return lang.T("naming.empty")
	}
	if len(r.parts) == 0 {
		return lang.T("naming.nomatch", name, r.source)
	}
	rest := name
	for i, p := range r.parts {
		if p.before != "" {
			if !strings.HasPrefix(rest, p.before) {
				return lang.T("naming.before", p.before, p.field, r.source)
			}
			rest = rest[len(p.before):]
		}
		var value string
		switch {
		case p.last:
			value, rest = rest, ""
		case i+1 < len(r.parts) && r.parts[i+1].before != "":
			sep := r.parts[i+1].before
			j := strings.Index(rest, sep)
			if j < 0 {
				return lang.T("naming.nopart", r.parts[i+1].field, i+1, len(r.parts), r.source)
			}
			value, rest = rest[:j], rest[j:]
		default:
			value, rest = rest, ""
		}
		if msg := p.check(value, lang); msg != "" {
			return msg
		}
	}
	if rest != r.tail {
		return lang.T("naming.tail", rest, r.source)
	}
	return lang.T("naming.nofollow", name, r.source)
}

// check says what is wrong with one part's value, or "".
func (p part) check(v string, lang i18n.Lang) string {
	switch {
	case v == "":
		return lang.T("naming.part.empty", p.field)
	case len(p.allowed) > 0:
		for _, a := range p.allowed {
			if v == a {
				return ""
			}
		}
		shown := p.allowed
		more := ""
		if len(shown) > 6 {
			shown, more = shown[:6], ", ..."
		}
		return lang.T("naming.part.notone", p.field, v, strings.Join(shown, ", ")+more)
	case p.last && !lastWordRe.MatchString(v):
		return lang.T("naming.part.lastword", p.field, v)
	case !p.last && !wordRe.MatchString(v):
		return lang.T("naming.part.word", p.field, v)
	}
	return ""
}

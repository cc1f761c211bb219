package iac

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/steward-sre/steward/internal/quote"
)

// Ignore is a parsed ignore file in the .driftignore syntax: one rule a
// line, `type.id` where either part may use `*`, a lone `*` for everything,
// `!` in front to take a resource back in, `#` for comments and `\.` for a
// dot inside an id. The last rule that matches decides, as in .gitignore.
// type is a Terraform type (aws_s3_bucket) or a CloudFormation type
// (AWS::S3::Bucket); id is the resource's native id or its ARN.
type Ignore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	negate   bool
	typ, id  *regexp.Regexp
	line     int
	original string
}

// ParseIgnore reads an ignore file. name is used in errors.
func ParseIgnore(name string, data []byte) (*Ignore, error) {
	ig := &Ignore{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s:%d: not valid UTF-8 text", name, n)
		}
		r := ignoreRule{line: n, original: line}
		if strings.HasPrefix(line, "!") {
			r.negate = true
			line = strings.TrimSpace(line[1:])
		}
		if line == "*" {
			r.typ, r.id = globRegexp("*"), globRegexp("*")
			ig.rules = append(ig.rules, r)
			continue
		}
		typ, id, ok := splitUnescapedDot(line)
		if !ok || typ == "" || id == "" {
			return nil, fmt.Errorf("%s:%d: %s: want TYPE.ID (aws_s3_bucket.my-bucket, aws_instance.*, *) with \\. for a dot inside the id", name, n, quote.Value(sc.Text()))
		}
		r.typ, r.id = globRegexp(typ), globRegexp(id)
		ig.rules = append(ig.rules, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ig, nil
}

// splitUnescapedDot splits at the first dot not preceded by a backslash and
// unescapes "\." in the id. CloudFormation types hold "::" but no dot, so
// the first dot always ends the type.
func splitUnescapedDot(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '.':
			return s[:i], strings.ReplaceAll(s[i+1:], `\.`, "."), true
		}
	}
	return "", "", false
}

func globRegexp(glob string) *regexp.Regexp {
	parts := strings.Split(glob, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

// Ignored reports whether a resource is ignored. types are the names the
// resource goes by (Terraform and CloudFormation); ids its native id and ARN.
func (ig *Ignore) Ignored(types, ids []string) bool {
	if ig == nil {
		return false
	}
	ignored := false
	for _, r := range ig.rules {
		if matchAny(r.typ, types) && matchAny(r.id, ids) {
			ignored = !r.negate
		}
	}
	return ignored
}

func matchAny(re *regexp.Regexp, ss []string) bool {
	for _, s := range ss {
		if s != "" && re.MatchString(s) {
			return true
		}
	}
	return false
}

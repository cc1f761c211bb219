// Package yamlfile decodes the YAML files people write for steward (the
// configuration, policy packs) strictly, and turns every problem into an
// error that names the file, the line and the field. It knows nothing of
// what the files mean.
package yamlfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/objstore"
	"github.com/steward-sre/steward/internal/quote"
)

// Error is a problem at a place in a file.
type Error struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int
	Field  string // dotted path such as tags.required.env; may be empty
	Msg    string // English, for logs and programs
	// Phrase is Msg for saying in the reader's language; zero when the
	// message has no translation (In falls back to Msg).
	Phrase i18n.Phrase
}

func (e *Error) Error() string { return e.In(i18n.EN) }

// In is the error in lang: the same file:line: field: prefix, and the
// message in lang where it has a phrase.
func (e *Error) In(lang i18n.Lang) string {
	msg := e.Msg
	if e.Phrase.Key != "" && lang != i18n.EN {
		msg = e.Phrase.In(lang)
	}
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	return b.String()
}

// said is an error in file name whose message is p.
func said(name string, p i18n.Phrase) *Error {
	return &Error{File: name, Msg: p.In(i18n.EN), Phrase: p}
}

// Say returns an error at the place the field was written whose message is
// a catalog phrase (see Errorf for the place and the arguments).
func (f *File) Say(field, key string, args ...any) error {
	p := i18n.Say(key, shorten(args)...)
	e := &Error{File: f.Name, Field: field, Msg: p.In(i18n.EN), Phrase: p}
	e.Line, e.Column = f.Pos(field)
	return e
}

// Wrap returns err at the place the field was written; an err that says a
// phrase (i18n.PhraseOf) keeps it for the reader's language.
func (f *File) Wrap(field string, err error) error {
	if p, ok := i18n.PhraseOf(err); ok {
		return f.Say(field, p.Key, p.Args...)
	}
	return f.Errorf(field, "%v", err)
}

// shorten cuts string arguments to a short prefix: values people wrote
// may be megabytes long, and a message shows their start.
func shorten(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			a = quote.Short(s)
		}
		out[i] = a
	}
	return out
}

// File is a decoded YAML file that can still say where a field was written.
type File struct {
	Name string
	ast  *ast.File
}

// Decode decodes data into v, rejecting unknown fields and duplicate keys.
// An empty document leaves v as it was. A file larger than MaxBytes, nested
// deeper than MaxDepth or with more than MaxAliases aliases is refused before
// the YAML library reads it, and one whose aliases stand for more than
// MaxValues values before it is decoded. A panic inside the YAML library
// (seen on a tagged null where a list belongs) becomes an error naming the
// file: a bad file must never crash steward.
func Decode(name string, data []byte, v any) (file *File, err error) {
	defer func() {
		if p := recover(); p != nil {
			file, err = nil, said(name, i18n.Say("yaml.panic", fmt.Sprint(p)))
		}
	}()
	if len(data) > MaxBytes {
		return nil, said(name, i18n.Say("yaml.size", len(data), MaxBytes>>20))
	}
	if err := checkShape(name, data, MaxDepth); err != nil {
		return nil, err
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, wrap(name, err)
	}
	if err := checkExpanded(name, f); err != nil {
		return nil, err
	}
	if empty(f) {
		return &File{Name: name, ast: f}, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict())
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return nil, wrap(name, err)
	}
	return &File{Name: name, ast: f}, nil
}

// ReadFile reads a YAML file of at most MaxBytes. It reads no further than
// that, so /dev/zero or a huge file is refused before it fills memory, and
// it gives way to ctx while waiting on a FIFO.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	data, err := objstore.ReadFile(ctx, path, MaxBytes)
	var tl *objstore.TooLargeError
	if errors.As(err, &tl) {
		return nil, said(path, i18n.Say("yaml.larger", MaxBytes>>20))
	}
	return data, err
}

// Errorf returns an error at the place the field was written. field is a
// dotted path (tags.required.env, policies[2].where); when it cannot be
// found the error names the file only. String arguments are cut to a short
// prefix (quote.Short).
func (f *File) Errorf(field, format string, args ...any) error {
	e := &Error{File: f.Name, Field: field, Msg: fmt.Sprintf(format, shorten(args)...)}
	e.Line, e.Column = f.Pos(field)
	return e
}

// Pos returns the line and column where field was written. A field that
// was left out (a required key) is placed at its nearest written parent;
// 0, 0 when nothing of the path was written.
func (f *File) Pos(field string) (line, col int) {
	for field != "" {
		if line, col = f.pos(field); line > 0 {
			return line, col
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return 0, 0
}

func (f *File) pos(field string) (line, col int) {
	if f == nil || f.ast == nil || field == "" {
		return 0, 0
	}
	p, err := yaml.PathString("$." + quotePath(field))
	if err != nil {
		return 0, 0
	}
	n, err := p.FilterFile(f.ast)
	if err != nil || n == nil || n.GetToken() == nil {
		return 0, 0
	}
	tk := n.GetToken()
	return tk.Position.Line, tk.Position.Column
}

// quotePath quotes the keys of a dotted path that YAML path syntax would
// misread (keys with dots, slashes or colons such as AWS::EC2::Instance).
func quotePath(field string) string {
	var out []string
	for _, part := range strings.Split(field, ".") {
		key, idx, _ := strings.Cut(part, "[")
		if strings.ContainsAny(key, ":/ -") {
			key = "'" + key + "'"
		}
		if idx != "" {
			key += "[" + idx
		}
		out = append(out, key)
	}
	return strings.Join(out, ".")
}

func wrap(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &Error{File: name, Msg: ye.GetMessage()}
		var te *yaml.TypeError
		var ue *yaml.UnknownFieldError
		var de *yaml.DuplicateKeyError
		var ne *yaml.UnexpectedNodeTypeError
		var se *yaml.SyntaxError
		switch {
		case errors.As(err, &te) && te.Token != nil:
			// The library speaks of Go struct fields; people wrote YAML.
			e.Phrase = i18n.Say("yaml.type", quote.Value(te.Token.Value), i18n.Say(kind(te.DstType)))
			e.Msg = e.Phrase.In(i18n.EN)
		case errors.As(err, &ue) && ue.Token != nil:
			e.Phrase = i18n.Say("yaml.unknown", ue.Token.Value)
		case errors.As(err, &de) && de.Token != nil:
			e.Phrase = i18n.Say("yaml.duplicate", de.Token.Value)
		case errors.As(err, &ne):
			e.Phrase = i18n.Say("yaml.nodetype", i18n.Say(nodeKind(ne.Actual)), i18n.Say(nodeKind(ne.Expected)))
		case errors.As(err, &se):
			if m := dupKeyRe.FindStringSubmatch(se.Message); m != nil {
				line, _ := strconv.Atoi(m[2])
				e.Phrase = i18n.Say("yaml.duplicate.at", m[1], line)
			} else {
				// The parser's own words, introduced in the reader's language.
				e.Phrase = i18n.Say("yaml.syntax", se.Message)
			}
		}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &Error{File: name, Msg: err.Error()}
}

func kind(t reflect.Type) string {
	if t == nil {
		return "yaml.kind.valid"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return kind(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "yaml.kind.int"
	case reflect.Float32, reflect.Float64:
		return "yaml.kind.number"
	case reflect.Bool:
		return "yaml.kind.bool"
	case reflect.String:
		return "yaml.kind.string"
	case reflect.Slice, reflect.Array:
		return "yaml.kind.list"
	case reflect.Map, reflect.Struct:
		return "yaml.kind.mapping"
	}
	return "yaml.kind.valid"
}

// dupKeyRe is the parser's message for a key written twice in a mapping.
var dupKeyRe = regexp.MustCompile(`^mapping key "(.*)" already defined at \[(\d+):(\d+)\]$`)

// nodeKind is the catalog key of what a YAML node is, as kind says it of
// a Go type.
func nodeKind(t ast.NodeType) string {
	switch t {
	case ast.SequenceType:
		return "yaml.kind.list"
	case ast.MappingType, ast.MappingKeyType, ast.MappingValueType:
		return "yaml.kind.mapping"
	case ast.IntegerType:
		return "yaml.kind.int"
	case ast.FloatType, ast.InfinityType, ast.NanType:
		return "yaml.kind.number"
	case ast.BoolType:
		return "yaml.kind.bool"
	case ast.StringType, ast.LiteralType:
		return "yaml.kind.string"
	}
	return "yaml.kind.scalar"
}

// empty reports whether a file holds no document but comments.
func empty(f *ast.File) bool {
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		if _, isComment := d.Body.(*ast.CommentGroupNode); !isComment {
			return false
		}
	}
	return true
}

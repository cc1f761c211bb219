package yamlfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/i18n"
)

type doc struct {
	Name  string            `yaml:"name"`
	Count int               `yaml:"count"`
	Tags  map[string]string `yaml:"tags"`
	Items []struct {
		ID string `yaml:"id"`
	} `yaml:"items"`
}

func TestDecodeErrorsNameFileAndLine(t *testing.T) {
	tests := map[string]struct {
		src      string
		line     int
		contains string
	}{
		"unknown field": {src: "name: a\ncolour: red\n", line: 2, contains: "colour"},
		"wrong type":    {src: "name: a\ncount: many\n", line: 2, contains: `"many" is not a whole number`},
		"syntax":        {src: "name: a\n  count: [1,\n", line: 1, contains: "mapping value"},
		"duplicate key": {src: "name: a\nname: b\n", line: 2, contains: "name"},
		"nested":        {src: "items:\n  - id: x\n  - idd: y\n", line: 3, contains: "idd"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var d doc
			_, err := Decode("steward.yaml", []byte(tc.src), &d)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode error = %v, want *Error", err)
			}
			if e.File != "steward.yaml" || e.Line != tc.line {
				t.Errorf("at %s:%d, want steward.yaml:%d (%v)", e.File, e.Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
		})
	}
}

func TestErrorfFindsField(t *testing.T) {
	src := "name: a\ntags:\n  env: prod\n  AWS::EC2::Instance: x\nitems:\n  - id: one\n  - id: two\n"
	var d doc
	f, err := Decode("c.yaml", []byte(src), &d)
	if err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]int{"name": 1, "tags.env": 3, "tags.AWS::EC2::Instance": 4, "items[1].id": 7, "nope": 0, "tags.missing": 3, "items[1].name": 7} {
		if line, _ := f.Pos(field); line != want {
			t.Errorf("Pos(%q) = %d, want %d", field, line, want)
		}
	}
	err = f.Errorf("tags.env", "bad value %q", "prod")
	if got, want := err.Error(), `c.yaml:3:8: tags.env: bad value "prod"`; got != want {
		t.Errorf("Errorf = %q, want %q", got, want)
	}
}

func TestEmptyDocument(t *testing.T) {
	d := doc{Name: "default"}
	if _, err := Decode("e.yaml", []byte("\n# only a comment\n"), &d); err != nil {
		t.Fatal(err)
	}
	if d.Name != "default" {
		t.Errorf("empty document changed defaults: %+v", d)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("name: a\ncount: 2\ntags: {a: b}\nitems: [{id: x}]\n"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d doc
		file, err := Decode("f.yaml", data, &d)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "f.yaml" {
				t.Fatalf("error %v does not name the file", err)
			}
			// Said in Japanese, the error keeps its place and its phrase
			// has as many arguments as its text asks for.
			ja := e.In(i18n.JA)
			if prefix, _, _ := strings.Cut(err.Error(), ": "); !strings.HasPrefix(ja, prefix+": ") {
				t.Fatalf("Japanese %q of %q", ja, err)
			}
			for _, bad := range []string{"(MISSING)", "%!(EXTRA", "(BADINDEX)"} {
				if strings.Contains(ja, bad) && !strings.Contains(string(data), bad) {
					t.Fatalf("Japanese %q of %q: wrong arguments", ja, err)
				}
			}
			return
		}
		file.Pos("items[0].id")
	})
}

func TestLibraryPanicBecomesError(t *testing.T) {
	var v struct {
		Policies []struct {
			Title string   `yaml:"title"`
			Types []string `yaml:"types"`
		} `yaml:"policies"`
	}
	_, err := Decode("p.yaml", []byte("policies:\n  - title: A\n    types: !00\n    00000000000000000000000000000000000000"), &v)
	if err == nil || !strings.HasPrefix(err.Error(), "p.yaml") {
		t.Fatalf("Decode = %v, want an error naming p.yaml", err)
	}
}

// TestErrorsInTheReadersLanguage: an error made from a phrase, or one the
// YAML library gave, keeps file:line: field: and English in Error(), and
// says its message in Japanese through In.
func TestErrorsInTheReadersLanguage(t *testing.T) {
	var d doc
	f, err := Decode("c.yaml", []byte("name: a\ntags:\n  env: prod\n"), &d)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 500)
	tests := map[string]struct {
		err    error
		en, ja string
	}{
		"say": {f.Say("tags.env", "config.region", "prod"),
			`c.yaml:3:8: tags.env: "prod" is not an AWS region name (e.g. ap-northeast-1)`,
			`c.yaml:3:8: tags.env: "prod" は AWS リージョン名ではありません（例: ap-northeast-1）`},
		"say cuts long values": {f.Say("name", "config.hostname", long),
			`c.yaml:1:7: name: "` + strings.Repeat("x", 120) + `"... (500 bytes) is not a host name`,
			`c.yaml:1:7: name: "` + strings.Repeat("x", 120) + `"... (500 bytes) はホスト名ではありません`},
		"wrap a phrase": {f.Wrap("name", i18n.Say("config.empty").Err()),
			`c.yaml:1:7: name: is empty`, `c.yaml:1:7: name: 空です`},
		"wrap a wrapped phrase keeps the English": {f.Wrap("name", fmt.Errorf("context: %w", i18n.Say("config.empty").Err())),
			`c.yaml:1:7: name: context: is empty`, `c.yaml:1:7: name: context: is empty`},
		"errorf has no phrase": {f.Errorf("name", "plain %s", "words"),
			`c.yaml:1:7: name: plain words`, `c.yaml:1:7: name: plain words`},
	}
	for _, src := range []struct{ name, src, en, ja string }{
		{"unknown field", "name: a\ncolour: red\n", `c.yaml:2:1: unknown field "colour"`, `c.yaml:2:1: "colour" というキーはありません（キー名の綴りと字下げを確認してください）`},
		{"wrong type", "count: many\n", `c.yaml:1:8: "many" is not a whole number`, `c.yaml:1:8: "many" は整数ではありません`},
		{"list for a mapping", "tags: [a]\n", `c.yaml:1:7: sequence was used where mapping is expected`, `c.yaml:1:7: マッピング（key: value）を書く場所にリストが書かれています`},
		{"too deep", "name: " + strings.Repeat("[", MaxDepth+1) + "\n",
			fmt.Sprintf("c.yaml:1: nested more than %d levels deep; steward's files need far fewer (is the file generated or damaged?)", MaxDepth),
			fmt.Sprintf("c.yaml:1: 入れ子が %d 段を超えています。steward のファイルはそこまで深くなりません（生成されたファイルか、壊れていないか確認してください）", MaxDepth)},
		{"duplicate key", "name: a\nname: b\n", `c.yaml:2:1: mapping key "name" already defined at [1:1]`, `c.yaml:2:1: キー "name" が 2 回書かれています（最初は 1 行目）`},
	} {
		_, err := Decode("c.yaml", []byte(src.src), &doc{})
		tests[src.name] = struct {
			err    error
			en, ja string
		}{err, src.en, src.ja}
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var e *Error
			if !errors.As(tc.err, &e) {
				t.Fatalf("%v is not an *Error", tc.err)
			}
			if got := tc.err.Error(); got != tc.en || e.In(i18n.EN) != tc.en {
				t.Errorf("English:\n got %s\nwant %s", got, tc.en)
			}
			if got := e.In(i18n.JA); got != tc.ja {
				t.Errorf("Japanese:\n got %s\nwant %s", got, tc.ja)
			}
		})
	}
}

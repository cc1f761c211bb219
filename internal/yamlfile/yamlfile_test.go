package yamlfile

import (
	"errors"
	"strings"
	"testing"
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

package yamlfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

func TestDecodeRefusesHostileShapes(t *testing.T) {
	nest := func(open, close string, n int) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	var block strings.Builder
	for i := range 150 {
		block.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	var laughs strings.Builder
	laughs.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i := range 9 {
		laughs.WriteString(string(rune('b'+i)) + ": &" + string(rune('b'+i)) + " [")
		laughs.WriteString(strings.Repeat("*"+string(rune('a'+i))+", ", 200))
		laughs.WriteString("x]\n")
	}
	tests := map[string]struct {
		src  string
		line int
		msg  string
	}{
		// 20,000 levels took more than a gigabyte before this check.
		"flow lists":          {src: "regions: " + nest("[", "]", 20000), line: 1, msg: "nested more than 100 levels"},
		"flow lists unclosed": {src: "regions: " + strings.Repeat("[", 20000), line: 1, msg: "nested more than 100 levels"},
		"flow maps":           {src: "tags: " + nest("{a: ", "}", 20000), line: 1, msg: "nested more than 100 levels"},
		"block lists":         {src: "x:\n" + strings.Repeat("- ", 20000) + "a\n", line: 2, msg: "nested more than 100 levels"},
		"block maps":          {src: "name: a\n" + block.String(), line: 102, msg: "nested more than 100 levels"},
		"after a quoted key":  {src: "\"a\": " + nest("[", "]", 500), line: 1, msg: "nested more than 100 levels"},
		"after an anchor":     {src: "a: &x !!seq " + nest("[", "]", 500), line: 1, msg: "nested more than 100 levels"},
		"flow key":            {src: "[a]: " + nest("[", "]", 500), line: 1, msg: "nested more than 100 levels"},
		"over lines":          {src: "a:\n" + strings.Repeat("  [\n", 500), line: 101, msg: "nested more than 100 levels"},
		"aliases":             {src: laughs.String(), line: 7, msg: "more than 1000 aliases"},
		"too large":           {src: "name: " + strings.Repeat("a", MaxBytes), msg: "more than the 4 MiB"},
		// Ninety aliases standing for a billion values.
		"billion laughs": {src: billionLaughs(), line: 5, msg: "its aliases stand for more than 100000 values"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var v any
			_, err := Decode("steward.yaml", []byte(tc.src), &v)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode error = %v, want *Error", err)
			}
			if e.File != "steward.yaml" || e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("error = %v, want steward.yaml:%d: ...%s...", err, tc.line, tc.msg)
			}
		})
	}
}

func TestCheckShapeFollowsYAML(t *testing.T) {
	tests := map[string]struct {
		src   string
		depth int // the deepest the library finds
	}{
		"scalars":           {src: "a: 1\nb: x\n", depth: 1},
		"brackets in text":  {src: "r: '[[[['\ns: \"{{{{\"\nt: x # [[[[\n", depth: 1},
		"block scalar":      {src: "a: |\n  [[[[[[\n  - - - - -\nb: >-\n  {{{{{\n", depth: 1},
		"nested block":      {src: "a:\n  b:\n    - c: 1\n      d: [1, [2]]\n", depth: 6},
		"list at key col":   {src: "a:\n- x\n- y\nb:\n- z\n", depth: 2},
		"compact lists":     {src: "- - - a\n", depth: 3},
		"flow over lines":   {src: "a: [\n  b, [c,\n  d]]\nb: x\n", depth: 3},
		"multi-line quotes": {src: "a: \"x\n  [[[[ \\\" [[[\"\nb: 'y\n  '' [[['\n", depth: 1},
		"documents":         {src: "a:\n  b: c\n---\nd: e\n", depth: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := parser.ParseBytes([]byte(tc.src), 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := fileDepth(f); got != tc.depth {
				t.Fatalf("library depth = %d, want %d (fix the case)", got, tc.depth)
			}
			if err := checkShape("f", []byte(tc.src), tc.depth); err != nil {
				t.Errorf("checkShape at depth %d: %v", tc.depth, err)
			}
			if err := checkShape("f", []byte(tc.src), tc.depth-1); err == nil {
				t.Errorf("checkShape at depth %d passed, the file is %d deep", tc.depth-1, tc.depth)
			}
		})
	}
}

// TestCheckShapePassesStewardFiles: the packs steward ships are far below
// the limits.
func TestCheckShapePassesStewardFiles(t *testing.T) {
	files, _ := filepath.Glob("../policy/packs/*.yaml")
	if len(files) < 4 {
		t.Fatalf("found %d YAML files of steward's own", len(files))
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkShape(name, data, 20); err != nil {
			t.Error(err)
		}
	}
}

// FuzzCheckShape holds checkShape to the levels the library builds. The
// library reads some invalid YAML in odd ways (a lone ":" line, a tag
// before a line break) that the scan follows where fuzzing found them; a
// file it passes at depth d must be at most 2d+1 deep, so no quirk it
// misses can be chained into the thousands of levels that exhaust memory.
func FuzzCheckShape(f *testing.F) {
	for _, s := range []string{
		"a:\n  b:\n    - c: 1\n      d: [1, [2]]\n", "- - - a\n", "a: |\n  [[[\nb: {c: [d]}\n",
		"\"a\": [[1]]\n", "? [a]\n: [[b]]\n", "a: 'x\n  y': [[1]]\n", "[a]: [[b]]\n", "a: &x [*x]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		file, err := parser.ParseBytes(data, 0)
		if err != nil {
			return
		}
		d := fileDepth(file)
		if d < 2 {
			return
		}
		if limit := (d - 2) / 2; checkShape("f", data, limit) == nil {
			t.Fatalf("checkShape passed %q at depth %d; the library reads it %d deep", data, limit, d)
		}
	})
}

func fileDepth(f *ast.File) int {
	d := 0
	for _, doc := range f.Docs {
		d = max(d, nodeDepth(doc.Body))
	}
	return d
}

func nodeDepth(n ast.Node) int {
	switch n := n.(type) {
	case *ast.MappingNode:
		d := 0
		for _, v := range n.Values {
			d = max(d, nodeDepth(v))
		}
		return d
	case *ast.MappingValueNode:
		return 1 + max(nodeDepth(n.Key), nodeDepth(n.Value))
	case *ast.MappingKeyNode:
		return nodeDepth(n.Value)
	case *ast.SequenceNode:
		d := 0
		for _, v := range n.Values {
			d = max(d, nodeDepth(v))
		}
		return 1 + d
	case *ast.AnchorNode:
		return nodeDepth(n.Value)
	case *ast.TagNode:
		return nodeDepth(n.Value)
	}
	return 0
}

// TestQuirksDoNotChain repeats each odd form the fuzzer found thousands of
// times: whatever the library makes of them, Decode must finish quickly
// and within modest memory.
func TestQuirksDoNotChain(t *testing.T) {
	quirks := map[string]string{
		"empty entry then key":  "0:\n-\n",
		"tag before line break": "- !t\n",
		"tagged key value":      "0: !0\n",
		"colon line":            "0\n:\n",
		"dash in flow":          "[- ",
		"colon in flow":         "[0: ",
		"wrong closer":          "[}, ",
		"tab indent":            "\t? 0\n",
		"question at entry":     "-\n? 0\n",
		"tag and colon":         "! 0\n!:\n",
	}
	for name, q := range quirks {
		t.Run(name, func(t *testing.T) {
			var src strings.Builder
			for i := range 3000 {
				if strings.HasSuffix(q, "\n") {
					src.WriteString(strings.Repeat(" ", i%2))
				}
				src.WriteString(q)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			var v any
			_, _ = Decode("q.yaml", []byte(src.String()), &v)
			runtime.ReadMemStats(&after)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Decode took %v", d)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("Decode allocated %d MiB", alloc>>20)
			}
		})
	}
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i := range 9 {
		name, prev := string(rune('b'+i)), "*"+string(rune('a'+i))
		b.WriteString(name + ": &" + name + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	return b.String()
}

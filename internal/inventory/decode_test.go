package inventory

import (
	"bytes"
	"encoding/json"
	"testing"
)

// decodeSeeds are objects the fast path reads and objects it must leave
// to encoding/json (escapes, bad UTF-8, numbers JSON does not allow,
// trailing bytes), each of which must decode as encoding/json decodes it.
var decodeSeeds = []string{
	`{"size_gb":100,"type":"gp3","encrypted":false,"iops":null}`,
	`{}`, ` { } `, `null`, ` null `, `nul`, `{"a":1}x`, "{}\x00", `{"a":1,}`, `{,}`,
	`{"b":"x","a":"y","b":"z"}`, `{"a":1,"a":[1,2]}`,
	`{"list":["a",{"b":[1,"]"]}],"obj":{"k":"\"}"}}`,
	`{"esc":"a\"b\\c\u00e9\n"}`, `{"k\u0041":"v"}`, `{"jp":"日本語","bad":"` + "\xff" + `"}`,
	`{"n":-0,"m":1e21,"t":1E-7,"x":0.5}`, `{"n":01}`, `{"n":1.}`, `{"n":.5}`, `{"n":+1}`, `{"n":1e}`, `{"n":-}`, `{"n":1e400}`,
	`{"t":true,"f":false,"n":null}`, `{"t":tru}`, `{"t":truex}`, `{"a":"` + "\u2028" + `"}`, `{"a" : "b" , "c":"d"}`,
	`{"a":[}`, `{"a":{"b":}}`, `[1]`, `"s"`, `{"a":"b"`, `{"a"`, ``,
}

// FuzzDecodeAttrs holds Attrs.UnmarshalJSON to what it did before the
// fast path: encoding/json into a map[string]any, then sorted pairs.
func FuzzDecodeAttrs(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		wantErr := json.Unmarshal(b, &m)
		var got Attrs
		err := got.UnmarshalJSON(b)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", b, err, wantErr)
		}
		if err != nil {
			return
		}
		want := AttrsOf(m)
		if !got.Equal(want) {
			t.Fatalf("%q: decoded %v, encoding/json %v", b, got, want)
		}
		gj, gerr := json.Marshal(got)
		wj, werr := json.Marshal(want)
		if !bytes.Equal(gj, wj) || (gerr == nil) != (werr == nil) {
			t.Fatalf("%q: encodes %s (%v), encoding/json's map %s (%v)", b, gj, gerr, wj, werr)
		}
		vals := got.valList()
		for i, k := range got.keyList() {
			if vals[i].kind() == AttrOther {
				if _, ok := vals[i].any().(float64); ok {
					t.Fatalf("%q: %s is a number held boxed", b, k)
				}
			}
		}
	})
}

// FuzzDecodeTags holds Tags.UnmarshalJSON to encoding/json into a
// map[string]string.
func FuzzDecodeTags(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]string
		wantErr := json.Unmarshal(b, &m)
		var got Tags
		err := got.UnmarshalJSON(b)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", b, err, wantErr)
		}
		if err == nil && !got.Equal(TagsOf(m)) {
			t.Fatalf("%q: decoded %v, encoding/json %v", b, got, TagsOf(m))
		}
	})
}

// A key given twice keeps its last value, as encoding/json's map does,
// and the fast path reads typed values.
func TestDecodeDuplicateKeysAndKinds(t *testing.T) {
	var a Attrs
	if err := json.Unmarshal([]byte(`{"b":"x","a":true,"b":2.5,"c":null,"a":"y"}`), &a); err != nil {
		t.Fatal(err)
	}
	if got, want := a.String(), "{a=y b=2.5 c=<nil>}"; got != want {
		t.Errorf("decoded %s, want %s", got, want)
	}
	if v, _ := a.Typed("b"); v.Kind() != AttrNumber || v.Number() != 2.5 {
		t.Errorf("b: kind %d %v, want the number 2.5", v.Kind(), v.Number())
	}
	var tg Tags
	if err := json.Unmarshal([]byte(`{"env":"dev","Name":"x","env":"prod"}`), &tg); err != nil {
		t.Fatal(err)
	}
	if got, want := tg.String(), "{Name=x env=prod}"; got != want {
		t.Errorf("tags decoded %s, want %s", got, want)
	}
}

// The fast path reads what stored scans hold and leaves the rest.
func TestDecodeFastPath(t *testing.T) {
	tests := map[string]struct {
		in   string
		fast bool
	}{
		"scalars":       {`{"size_gb":100,"type":"gp3","encrypted":false,"iops":null}`, true},
		"lists":         {`{"sgs":["sg-1"],"rules":[{"port":22}]}`, true},
		"utf-8":         {`{"team":"日本語"}`, true},
		"escape":        {`{"a":"x\ny"}`, false},
		"escaped key":   {`{"\u0061":1}`, false},
		"invalid utf-8": {"{\"a\":\"\xff\"}", false},
		"big number":    {`{"n":1e400}`, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, ok := decodeAttrs([]byte(tc.in)); ok != tc.fast {
				t.Errorf("fast path took it: %v, want %v", ok, tc.fast)
			}
		})
	}
}

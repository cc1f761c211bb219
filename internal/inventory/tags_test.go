package inventory

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// resources-v1.jsonl.gz was written by steward while Resource.Tags was a
// map[string]string: each line a resource's JSON as json.Marshal wrote it
// and, when reading it back and writing it again changes it (invalid UTF-8
// becomes U+FFFD), what that wrote; and the Hash of what was read. Saved
// estates and stored bodies are those bytes, so the
// compact form must read them and write them back unchanged.
func TestOldResourcesLoadAndEncodeUnchanged(t *testing.T) {
	f, err := os.Open("testdata/resources-v1.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n, tagged := 0, 0
	for sc.Scan() {
		var line struct {
			Hash      string          `json:"hash"`
			Resource  json.RawMessage `json:"resource"`
			Reencoded json.RawMessage `json:"reencoded"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		var r Resource
		if err := json.Unmarshal(line.Resource, &r); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		got, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		want := line.Resource
		if line.Reencoded != nil {
			want = line.Reencoded
		}
		if !bytes.Equal(got, want) {
			t.Errorf("line %d: encoded\n%s\nwant\n%s", n+1, got, want)
		}
		if h := r.Hash(); h != line.Hash {
			t.Errorf("line %d (%s): hash %s, want %s", n+1, r.ARN, h, line.Hash)
		}
		if r.Tags.Len() > 0 {
			tagged++
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 700 || tagged < 500 {
		t.Fatalf("read %d resources, %d with tags: the file is cut short", n, tagged)
	}
}

// The tag encoding is held to encoding/json's encoding of the same map on
// whatever strings the fuzzer finds: invalid UTF-8, control characters,
// HTML, line separators.
func FuzzTagsJSONMatchesMap(f *testing.F) {
	f.Add("env", "prod", "<b>", "a&b")
	f.Add("\xff", "\x00\x1f\u2028", "é", "\"\\")
	f.Add("", "", "z", "\t\n\r\b\f")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		tags := TagsOf(m)
		got, err := json.Marshal(tags)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Tags encode %s, map encodes %s", got, want)
		}
		var back Tags
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		var backMap map[string]string
		if err := json.Unmarshal(want, &backMap); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(back.Map(), backMap) {
			t.Fatalf("decoded %v, map decodes %v", back, backMap)
		}
	})
}

func TestTagsJSONMatchesMap(t *testing.T) {
	tests := map[string]map[string]string{
		"nil":      nil,
		"empty":    {},
		"sorted":   {"b": "2", "a": "1", "B": "0", "aa": "3"},
		"escaping": {"<x>": "a&b", "q\"": "\\", "ctl": "\x00\x07\x1f\x7f", "ls": "\u2028\u2029", "bad": "\xff\xfe", "jp": "日本語"},
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			type withMap struct {
				Tags map[string]string `json:"tags,omitempty"`
			}
			type withTags struct {
				Tags Tags `json:"tags,omitzero"`
			}
			want, _ := json.Marshal(withMap{m})
			got, err := json.Marshal(withTags{TagsOf(m)})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestTagsDecodeErrors(t *testing.T) {
	for _, in := range []string{`{"tags":{"a":1}}`, `{"tags":[]}`, `{"tags":"x"}`} {
		var r Resource
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("%s: decoded as %v, want an error", in, r.Tags)
		}
	}
	var r Resource
	if err := json.Unmarshal([]byte(`{"tags":null}`), &r); err != nil || r.Tags.Len() != 0 {
		t.Errorf("null tags: %v, %v; want none", r.Tags, err)
	}
}

func TestTagsAccessors(t *testing.T) {
	tags := NewTags("env", "prod", "Name", "web-1", "owner", "")
	if got := slices.Collect(tags.Keys()); !slices.Equal(got, []string{"Name", "env", "owner"}) {
		t.Errorf("Keys = %v, want sorted", got)
	}
	for _, tc := range []struct {
		key  string
		want string
		ok   bool
	}{{"env", "prod", true}, {"owner", "", true}, {"Env", "", false}, {"system", "", false}} {
		if v, ok := tags.Get(tc.key); v != tc.want || ok != tc.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.key, v, ok, tc.want, tc.ok)
		}
		if tags.Has(tc.key) != tc.ok || tags.Value(tc.key) != tc.want {
			t.Errorf("Has/Value(%q) disagree with Get", tc.key)
		}
	}
	// Many tags: the binary search path.
	var many Tags
	want := map[string]string{}
	for i := range 40 {
		k, v := string(rune('a'+i%26))+string(rune('A'+i)), string(rune('0'+i%10))
		many.Set(k, v)
		want[k] = v
	}
	for k, v := range want {
		if got, ok := many.Get(k); !ok || got != v {
			t.Errorf("Get(%q) = %q, %v; want %q", k, got, ok, v)
		}
	}
	if _, ok := many.Get("zz"); ok {
		t.Error("Get of an absent key found it")
	}
	if diff := cmp.Diff(want, many.Map()); diff != "" {
		t.Errorf("Map (-want +got):\n%s", diff)
	}
}

func TestTagsSetDeleteLeaveCopiesAlone(t *testing.T) {
	a := NewTags("b", "2", "d", "4")
	b := a
	b.Set("c", "3")
	b.Set("b", "two")
	b.Delete("d")
	if diff := cmp.Diff(map[string]string{"b": "2", "d": "4"}, a.Map()); diff != "" {
		t.Errorf("the copy's Set/Delete changed the original (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"b": "two", "c": "3"}, b.Map()); diff != "" {
		t.Errorf("after Set/Delete (-want +got):\n%s", diff)
	}
	b.Delete("b")
	b.Delete("c")
	b.Delete("absent")
	if !b.IsZero() || !b.Equal(Tags{}) {
		t.Errorf("deleting every tag left %v", b)
	}
}

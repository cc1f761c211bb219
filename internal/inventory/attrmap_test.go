package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Attrs encode as encoding/json encodes the same map[string]any: the
// golden file of TestOldResourcesLoadAndEncodeUnchanged holds real attrs
// to it; this holds the number formatting and escaping on whatever the
// fuzzer finds.
func FuzzAttrsJSONMatchesMap(f *testing.F) {
	f.Add("size_gb", 100.0, "name", "<web>", true)
	f.Add("tiny", 1e-7, "huge", "\xff\u2028", false)
	f.Add("neg", -123456789.125, "", "", true)
	f.Add("exp", 1e21, "e", "x", false)
	f.Fuzz(func(t *testing.T, k1 string, n float64, k2, s string, b bool) {
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return
		}
		m := map[string]any{k1: n, k2: s, "b": b, "nil": nil, "list": []any{s, n}, "obj": map[string]any{k2: n}}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(AttrsOf(m))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Attrs encode %s, map encodes %s", got, want)
		}
		var back Attrs
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		var backMap map[string]any
		if err := json.Unmarshal(want, &backMap); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(backMap, back.Map()); diff != "" {
			t.Fatalf("decoded (-map +attrs):\n%s", diff)
		}
	})
}

func TestAttrsNotANumber(t *testing.T) {
	if _, err := json.Marshal(AttrsOf(map[string]any{"x": math.NaN()})); err == nil {
		t.Error("NaN encoded; encoding/json refuses it")
	}
}

func TestAttrsAccessors(t *testing.T) {
	a := AttrsOf(map[string]any{"size_gb": 100.0, "encrypted": false, "zone": nil})
	if v, ok := a.Get("size_gb"); !ok || v != 100.0 {
		t.Errorf("Get(size_gb) = %v, %v", v, ok)
	}
	if !a.Has("zone") || a.Value("zone") != nil || a.Has("absent") {
		t.Error("Has/Value of a null attr and an absent one")
	}
	b := a
	b.Set("size_gb", 200.0)
	b.Set("iops", 3000.0)
	b.Delete("zone")
	if a.Value("size_gb") != 100.0 || !a.Has("zone") || a.Has("iops") {
		t.Errorf("a copy's Set/Delete changed the original: %v", a)
	}
	want := map[string]any{"size_gb": 200.0, "encrypted": false, "iops": 3000.0}
	if diff := cmp.Diff(want, b.Map()); diff != "" {
		t.Errorf("after Set/Delete (-want +got):\n%s", diff)
	}
	var keys []string
	for k := range b.All() {
		keys = append(keys, k)
	}
	if diff := cmp.Diff([]string{"encrypted", "iops", "size_gb"}, keys); diff != "" {
		t.Errorf("All order (-want +got):\n%s", diff)
	}
	var u Attrs
	u.Update(func(m map[string]any) { m["x"] = "y" })
	if u.Value("x") != "y" || !u.Equal(AttrsOf(map[string]any{"x": "y"})) {
		t.Errorf("Update on no attrs: %v", u)
	}
}

// Attrs hold strings, numbers, bools and null typed; Get must still give
// back exactly what was set (the same Go type and value), and Typed the
// kind and the scalar.
func TestAttrsTypedValues(t *testing.T) {
	type named string
	list := []any{"a", 1.0}
	obj := map[string]any{"k": true}
	tests := map[string]struct {
		v    any
		kind AttrKind
		str  string
		num  float64
		b    bool
	}{
		"string":          {v: "t3.micro", kind: AttrString, str: "t3.micro"},
		"empty string":    {v: "", kind: AttrString},
		"number":          {v: 3000.5, kind: AttrNumber, num: 3000.5},
		"zero":            {v: 0.0, kind: AttrNumber},
		"negative zero":   {v: math.Copysign(0, -1), kind: AttrNumber, num: math.Copysign(0, -1)},
		"true":            {v: true, kind: AttrBool, b: true},
		"false":           {v: false, kind: AttrBool},
		"null":            {v: nil, kind: AttrNull},
		"list":            {v: list, kind: AttrOther},
		"object":          {v: obj, kind: AttrOther},
		"int, not JSON":   {v: 7, kind: AttrOther},
		"a named string":  {v: named("x"), kind: AttrOther},
		"a string of 300": {v: strings.Repeat("s", 300), kind: AttrString, str: strings.Repeat("s", 300)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var a Attrs
			a.Set("k", tc.v)
			got, ok := a.Get("k")
			if !ok {
				t.Fatal("Get: absent")
			}
			if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tc.v) || !cmp.Equal(got, tc.v) {
				t.Errorf("Get = %#v (%T), set %#v (%T)", got, got, tc.v, tc.v)
			}
			if f, ok := got.(float64); ok && math.Signbit(f) != math.Signbit(tc.v.(float64)) {
				t.Errorf("Get = %v: the sign of zero is lost", f)
			}
			tv, ok := a.Typed("k")
			if !ok || tv.Kind() != tc.kind || tv.Str() != tc.str || tv.Number() != tc.num || tv.Bool() != tc.b {
				t.Errorf("Typed = kind %d %q %v %v, want kind %d %q %v %v", tv.Kind(), tv.Str(), tv.Number(), tv.Bool(), tc.kind, tc.str, tc.num, tc.b)
			}
			if !a.Equal(AttrsOf(map[string]any{"k": tc.v})) {
				t.Error("not Equal to Attrs of the same map")
			}
		})
	}
	if _, ok := (Attrs{}).Typed("k"); ok {
		t.Error("Typed of no attrs found a key")
	}
}

// Values of different kinds are never Equal, however alike they print.
func TestAttrsEqualKinds(t *testing.T) {
	vals := []any{nil, "", "1", "true", 1.0, 0.0, true, false, []any{}, []any{"1"}, map[string]any{}}
	for i, x := range vals {
		for j, y := range vals {
			ax, ay := AttrsOf(map[string]any{"k": x}), AttrsOf(map[string]any{"k": y})
			if got, want := ax.Equal(ay), i == j; got != want {
				t.Errorf("Equal(%#v, %#v) = %v, want %v", x, y, got, want)
			}
		}
	}
}

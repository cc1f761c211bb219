package inventory

import (
	"bytes"
	"encoding/json"
	"math"
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

package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONFramework checks that a framework result sits next to the scan
// and findings, and that reports without one keep their shape.
func TestJSONFramework(t *testing.T) {
	for name, tc := range map[string]struct {
		fw   any
		want any
	}{
		"with":    {fw: map[string]any{"id": "fsbp", "score": 0.5}, want: map[string]any{"id": "fsbp", "score": 0.5}},
		"without": {fw: nil, want: nil},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, FormatJSON, &Report{Framework: tc.fw}, Options{}); err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got["framework"]); diff != "" {
				t.Errorf("framework (-want +got):\n%s", diff)
			}
			if _, ok := got["findings"]; !ok {
				t.Error("findings missing")
			}
		})
	}
}

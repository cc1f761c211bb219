//go:build gorules

package main

import "testing"

func TestSkippedLine(t *testing.T) {
	tests := map[string]struct {
		skipped []string
		want    string
	}{
		"none": {nil, "every built-in policy has a hand-written Go twin"},
		"two":  {[]string{"a-new", "b-new"}, "2 skipped, no hand-written Go twin: a-new, b-new"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := skippedLine(tc.skipped); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

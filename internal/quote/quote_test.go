package quote

import (
	"strings"
	"testing"
)

func TestValue(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"short":      {in: "prod", want: `"prod"`},
		"escapes":    {in: "a\"b\n", want: `"a\"b\n"`},
		"at limit":   {in: strings.Repeat("a", MaxRunes), want: `"` + strings.Repeat("a", MaxRunes) + `"`},
		"long":       {in: strings.Repeat("a", 20<<20), want: `"` + strings.Repeat("a", MaxRunes) + `"... (20971520 bytes)`},
		"multi-byte": {in: strings.Repeat("名", 200), want: `"` + strings.Repeat("名", MaxRunes) + `"... (600 bytes)`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Value(tc.in); got != tc.want {
				t.Errorf("Value = %s, want %s", got, tc.want)
			}
		})
	}
}

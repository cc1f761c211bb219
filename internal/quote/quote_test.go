package quote

import (
	"fmt"
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

func TestShort(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	cutq := `"` + strings.Repeat("x", MaxRunes) + `"... (1048576 bytes)`
	tests := map[string]struct {
		format string
		arg    string
		want   string
	}{
		"q short": {format: "%q", arg: "prod", want: `"prod"`},
		"q long":  {format: "%q", arg: long, want: cutq},
		"s whole": {format: "%s", arg: long, want: long},
		"v whole": {format: "%v", arg: long, want: long},
		"s short": {format: "a %s b", arg: "x", want: "a x b"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fmt.Sprintf(tc.format, Short(tc.arg)); got != tc.want {
				t.Errorf("got %.200s, want %.200s", got, tc.want)
			}
		})
	}
}

func TestClip(t *testing.T) {
	if got, want := Clip(strings.Repeat("a", 200)), strings.Repeat("a", MaxRunes)+"... (200 bytes)"; got != want {
		t.Errorf("Clip = %s, want %s", got, want)
	}
	if got := Clip("arn:aws:s3:::a"); got != "arn:aws:s3:::a" {
		t.Errorf("Clip cut a short value: %s", got)
	}
}

//go:build gorules

package main

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    options
		wantErr string
	}{
		"defaults":     {want: options{sizes: []int{100000, 1000000}, rounds: 3, evals: 3, seed: 1}},
		"all flags":    {args: []string{"-sizes", "20000, 100000", "-rounds", "5", "-evals", "2", "-seed", "7", "-per-policy"}, want: options{sizes: []int{20000, 100000}, rounds: 5, evals: 2, seed: 7, perPolicy: true}},
		"bad size":     {args: []string{"-sizes", "100k"}, wantErr: `-sizes: "100k" is not a positive number of resources`},
		"zero size":    {args: []string{"-sizes", "0"}, wantErr: `-sizes: "0" is not a positive number of resources`},
		"empty size":   {args: []string{"-sizes", "10,"}, wantErr: `-sizes: "" is not a positive number of resources`},
		"no rounds":    {args: []string{"-rounds", "0"}, wantErr: "-rounds: 0; it must be at least 1"},
		"no evals":     {args: []string{"-evals", "0"}, wantErr: "-evals: 0; it must be at least 1"},
		"unknown flag": {args: []string{"-size", "10"}, wantErr: "flag provided but not defined: -size"},
		"stray arg":    {args: []string{"10"}, wantErr: `unexpected argument "10"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parse(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(options{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParse checks that any -sizes value either parses into positive sizes
// or is refused with an error naming the flag.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"100000", "1,2,3", " 5 ,6", "", ",", "-1", "1e6", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sizes string) {
		o, err := parse([]string{"-sizes", sizes}, io.Discard)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "-sizes: ") {
				t.Fatalf("error %q does not name the flag", err)
			}
			return
		}
		if len(o.sizes) == 0 {
			t.Fatal("no sizes and no error")
		}
		for _, n := range o.sizes {
			if n <= 0 {
				t.Fatalf("size %d accepted", n)
			}
		}
	})
}

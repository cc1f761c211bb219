package finding

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFilter(t *testing.T) {
	fs := []Finding{
		{Policy: "a", ARN: "1", Severity: High, Category: Security, Account: "111", Owner: "sato"},
		{Policy: "b", ARN: "2", Severity: Low, Category: Waste, Account: "222", Owner: "kato"},
		{Policy: "a", ARN: "3", Severity: Critical, Category: Security, Account: "222"},
	}
	tests := map[string]struct {
		sev, cat, pol, acct, owner []string
		want                       []string
		err                        string
	}{
		"none":              {want: []string{"1", "2", "3"}},
		"severity list":     {sev: []string{"high,critical"}, want: []string{"1", "3"}},
		"severity repeated": {sev: []string{"low", "HIGH"}, want: []string{"1", "2"}},
		"category":          {cat: []string{"waste"}, want: []string{"2"}},
		"and-ed":            {pol: []string{"a"}, acct: []string{"222"}, want: []string{"3"}},
		"owner":             {owner: []string{"sato"}, want: []string{"1"}},
		"nothing matches":   {owner: []string{"nobody"}},
		"bad severity":      {sev: []string{"urgent"}, err: "--severity"},
		"bad category":      {cat: []string{"spend"}, err: "--category"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := NewFilter(tc.sev, tc.cat, tc.pol, tc.acct, tc.owner)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range f.Apply(fs) {
				got = append(got, x.ARN)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

package policy

import (
	"strings"
	"testing"
)

// TestActions: a policy's actions are known names, each once, and a mark
// comes with a delete; a bad list names the file, line and the fix.
func TestActions(t *testing.T) {
	tests := map[string]struct {
		actions         string
		want            string // substring of the error; empty: valid
		marks, snapshot bool
	}{
		"none":                {actions: ""},
		"mark then delete":    {actions: "[mark, delete]", marks: true},
		"mark then snapshot":  {actions: "[mark, snapshot-then-delete, notify]", marks: true, snapshot: true},
		"manual only":         {actions: "[snapshot-then-delete, stop, tag]", snapshot: true},
		"unknown":             {actions: "[mark, nuke]", want: `p.yaml:10:21: policies[0].actions[1]: policy big-volume: unknown action "nuke" (valid: mark, notify, snapshot-then-delete, delete, tag, stop)`},
		"old name":            {actions: "[snapshot-delete]", want: `p.yaml:10:15: policies[0].actions[0]: policy big-volume: action "snapshot-delete" is now called snapshot-then-delete`},
		"twice":               {actions: "[delete, delete]", want: `p.yaml:10:23: policies[0].actions[1]: policy big-volume: action delete listed twice`},
		"mark without delete": {actions: "[mark, notify]", want: `p.yaml:10:14: policies[0].actions: policy big-volume: mark needs delete or snapshot-then-delete`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			src := goodPolicy
			if tc.actions != "" {
				src += "    actions: " + tc.actions + "\n"
			}
			ps, err := Parse("p.yaml", []byte(src))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v\nwant one containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m, s := ps[0].Marks(); m != tc.marks || s != tc.snapshot {
				t.Errorf("Marks() = %v, %v; want %v, %v", m, s, tc.marks, tc.snapshot)
			}
		})
	}
}

// TestBuiltinLeftoversMark: the built-in leftover policies mark what they
// flag and delete it after the grace days.
func TestBuiltinLeftoversMark(t *testing.T) {
	ps, err := LoadFS(BuiltinFS(), "builtin:")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"ebs-unattached": true, "eip-unassociated": false, "snapshot-old": false, "lb-no-targets": false, "rds-stopped-long": true}
	for _, p := range ps {
		snap, ok := want[p.ID]
		m, s := p.Marks()
		if !ok {
			continue
		}
		delete(want, p.ID)
		if !m || s != snap {
			t.Errorf("%s: marks %v, snapshot %v; want marks, snapshot %v", p.ID, m, s, snap)
		}
		if !strings.Contains(p.Remediation, "steward cleanup plan") || !strings.Contains(p.In("ja").Remediation, "steward cleanup plan") {
			t.Errorf("%s: remediation does not name the command that does it:\n%s\n%s", p.ID, p.Remediation, p.In("ja").Remediation)
		}
	}
	if len(want) > 0 {
		t.Errorf("policies not found: %v", want)
	}
}

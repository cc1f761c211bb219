package inventory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChanges(t *testing.T) {
	a := Resource{ARN: "arn:x", Type: "AWS::EC2::Volume", ID: "vol-1", State: "in-use",
		Tags:  TagsOf(map[string]string{"env": "prod", "owner": "sato"}),
		Attrs: AttrsOf(map[string]any{"size_gb": 100.0, "volume_type": "gp2"})}
	b := a
	b.State = "available"
	b.Tags = TagsOf(map[string]string{"env": "prod", "system": "shop"})
	b.Attrs = AttrsOf(map[string]any{"size_gb": 200.0, "volume_type": "gp2"})
	b.Relations = []Relation{{Kind: RelAttachedTo, Target: "arn:i"}}
	got, err := Changes(&a, &b)
	if err != nil {
		t.Fatal(err)
	}
	want := []FieldChange{
		{Path: "attrs.size_gb", From: "100", To: "200"},
		{Path: "relations", To: `[{"kind":"attached-to","target":"arn:i"}]`},
		{Path: "state", From: `"in-use"`, To: `"available"`},
		{Path: "tags.owner", From: `"sato"`},
		{Path: "tags.system", To: `"shop"`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Changes (-want +got):\n%s", diff)
	}
	if same, _ := Changes(&a, &a); len(same) != 0 {
		t.Errorf("Changes(a, a) = %v, want none", same)
	}
}

func TestDisplayType(t *testing.T) {
	tests := map[string]string{
		"AWS::::Account":           "account",
		"Steward::Account::Region": "region",
		"AWS::EC2::Volume":         "EC2::Volume",
		"Custom::Thing":            "Custom::Thing",
	}
	for in, want := range tests {
		if got := DisplayType(in); got != want {
			t.Errorf("DisplayType(%q) = %q, want %q", in, got, want)
		}
	}
	for typ := range displayTypes {
		if !KnownType(typ) {
			t.Errorf("display name for %s, which is not in the type table", typ)
		}
	}
}

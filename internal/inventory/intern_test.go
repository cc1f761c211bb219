package inventory

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// Resources read one by one share the bytes of the strings they repeat.
func TestDecodedResourcesShareRepeatedStrings(t *testing.T) {
	var in Interner
	line := `{"arn":"arn:%d","account":"111111111111","region":"ap-northeast-1","type":"AWS::EC2::Volume","id":"v","name":"data","state":"in-use",` +
		`"tags":{"env":"prod"},"attrs":{"volume_type":"gp3","size_gb":8}}`
	var rs [2]Resource
	for i := range rs {
		if err := json.Unmarshal([]byte(strings.Replace(line, "%d", string(rune('0'+i)), 1)), &rs[i]); err != nil {
			t.Fatal(err)
		}
		in.Resource(&rs[i])
	}
	same := func(what, a, b string) {
		if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
			t.Errorf("%s: %q and %q are not one copy", what, a, b)
		}
	}
	same("account", rs[0].Account, rs[1].Account)
	same("region", rs[0].Region, rs[1].Region)
	same("type", rs[0].Type, rs[1].Type)
	same("name", rs[0].Name, rs[1].Name)
	same("state", rs[0].State, rs[1].State)
	same("tag key", rs[0].Tags.Pairs()[0].Key, rs[1].Tags.Pairs()[0].Key)
	same("tag value", rs[0].Tags.Value("env"), rs[1].Tags.Value("env"))
	same("attr key", rs[0].Attrs.Pairs()[1].Key, rs[1].Attrs.Pairs()[1].Key)
	same("attr value", rs[0].Attrs.Value("volume_type").(string), rs[1].Attrs.Value("volume_type").(string))
	if long := strings.Repeat("x", internMax+1); unsafe.StringData(in.String(long)) != unsafe.StringData(long) {
		t.Error("a string longer than internMax was copied")
	}
}

// Resources tagged alike share one slice of pairs, which stays theirs
// alone to change; sets that do not repeat stop being remembered.
func TestInternerSharesTagSets(t *testing.T) {
	var in Interner
	mk := func(tags ...string) *Resource {
		r := &Resource{Tags: NewTags(tags...)}
		in.Resource(r)
		return r
	}
	a := mk("env", "prod", "owner", "team-a")
	b := mk("env", "prod", "owner", "team-a")
	c := mk("env", "prod", "owner", "team-b")
	if &a.Tags.Pairs()[0] != &b.Tags.Pairs()[0] {
		t.Error("equal tag sets are not shared")
	}
	if &a.Tags.Pairs()[0] == &c.Tags.Pairs()[0] || c.Tags.Value("owner") != "team-b" {
		t.Errorf("different tag sets shared: %v", c.Tags)
	}
	b.Tags.Set("env", "dev")
	if a.Tags.Value("env") != "prod" || b.Tags.Value("env") != "dev" {
		t.Errorf("a change to one resource's shared tags reached the other: %v, %v", a.Tags, b.Tags)
	}
	for i := range 4 * setTrial {
		mk("Name", strconv.Itoa(i))
	}
	if n := len(in.sets); n > setTrial+3 {
		t.Errorf("%d tag sets remembered after %d that never repeat; want at most %d", n, 4*setTrial, setTrial+3)
	}
	if d := mk("env", "prod", "owner", "team-a"); &d.Tags.Pairs()[0] != &a.Tags.Pairs()[0] {
		t.Error("a set seen before is no longer shared once new sets are not remembered")
	}
}

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

// A settled resource keeps its ids in its ARN's bytes, has pairs and
// relations of its own length (an append never reaches the next
// resource's), and the resource it was made from is left as it was.
func TestInternerSettlesIntoBlocks(t *testing.T) {
	var in Interner
	src := Resource{
		ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0abc", ID: "i-0abc", Type: "AWS::EC2::Instance",
		Tags:      NewTags("env", "prod"),
		Attrs:     AttrsOf(map[string]any{"instance_type": "t3.micro", "sgs": []any{"sg-1", "sg-2"}}),
		Relations: []Relation{{RelInSubnet, "arn:aws:ec2:ap-northeast-1:111111111111:subnet/subnet-1"}},
	}
	want, _, err := src.Encode()
	if err != nil {
		t.Fatal(err)
	}
	a, b := src, src
	b.ARN = "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0def"
	b.ID = "i-0def"
	in.Resource(&a)
	in.Resource(&b)
	if got, _, _ := a.Encode(); string(got) != string(want) {
		t.Errorf("settled resource encodes as\n%s\nwant\n%s", got, want)
	}
	if got, _, _ := src.Encode(); string(got) != string(want) || &src.Relations[0] == &a.Relations[0] || unsafe.StringData(src.ARN) == unsafe.StringData(a.ARN) {
		t.Error("the resource settled was changed or is shared with the settled one")
	}
	if unsafe.StringData(a.ID) != unsafe.StringData(a.ARN[len(a.ARN)-len(a.ID):]) {
		t.Error("the id is not the end of the ARN's bytes")
	}
	for _, r := range []*Resource{&a, &b} {
		if cap(r.Relations) != len(r.Relations) || cap(r.Tags.list()) != len(r.Tags.list()) {
			t.Errorf("%s: kept slices have room beyond their length", r.ID)
		}
	}
	a.Relations = append(a.Relations, Relation{RelUsesSG, "sg"})
	if len(b.Relations) != 1 || b.Relations[0].Kind != RelInSubnet {
		t.Errorf("an append to one resource's relations changed the next: %v", b.Relations)
	}
	if in.target(b.Relations[0].Target) != in.target(strings.Clone(a.Relations[0].Target)) ||
		unsafe.StringData(in.target(b.Relations[0].Target)) != unsafe.StringData(in.target(strings.Clone(a.Relations[0].Target))) {
		t.Error("a relation target seen twice is not one copy")
	}
	la, _ := a.Attrs.Typed("sgs")
	lb, _ := b.Attrs.Typed("sgs")
	if la.v.p != lb.v.p {
		t.Error("equal lists in attrs are not shared")
	}
	if a.Attrs.keys != b.Attrs.keys {
		t.Error("attrs of the same keys do not share the list of them")
	}
	b.Attrs.Set("ami", "ami-1")
	b.Attrs.Set("instance_type", "t3.large")
	if a.Attrs.Len() != 2 || a.Attrs.Value("instance_type") != "t3.micro" || b.Attrs.Value("ami") != "ami-1" || b.Attrs.Value("instance_type") != "t3.large" {
		t.Errorf("a change to one resource's attrs reached the other: %v, %v", a.Attrs, b.Attrs)
	}
	rs := []Resource{a, b}
	in.Compact(rs)
	la, _ = rs[0].Attrs.Typed("sgs")
	lb, _ = rs[1].Attrs.Typed("sgs")
	if la.v.p != lb.v.p || la.v.p == src.Attrs.valList()[1].p {
		t.Error("compacting did not give the two resources one new copy of their list")
	}
	if got, _, _ := rs[1].Encode(); !strings.Contains(string(got), `"sgs":["sg-1","sg-2"]`) {
		t.Errorf("compacted resource encodes as %s", got)
	}
}

// TestShareTargets: a relation target naming a resource of the estate
// becomes that resource's ARN; the others one copy each, however many
// resources name them.
func TestShareTargets(t *testing.T) {
	in := &Interner{}
	rs := []Resource{
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:subnet/subnet-1", ID: "subnet-1"},
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1", ID: "i-1", Relations: []Relation{
			{RelInSubnet, strings.Clone("arn:aws:ec2:ap-northeast-1:111111111111:subnet/subnet-1")},
			{RelInVPC, strings.Clone("arn:aws:ec2:ap-northeast-1:111111111111:vpc/vpc-1")}}},
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-2", ID: "i-2", Relations: []Relation{
			{RelInVPC, strings.Clone("arn:aws:ec2:ap-northeast-1:111111111111:vpc/vpc-1")}}},
	}
	in.ShareTargets(rs, func(arn string) (int, bool) { return 0, arn == rs[0].ARN })
	if unsafe.StringData(rs[1].Relations[0].Target) != unsafe.StringData(rs[0].ARN) {
		t.Error("a target naming a resource of the estate is not its ARN")
	}
	vpc1, vpc2 := rs[1].Relations[1].Target, rs[2].Relations[0].Target
	if vpc1 != "arn:aws:ec2:ap-northeast-1:111111111111:vpc/vpc-1" || unsafe.StringData(vpc1) != unsafe.StringData(vpc2) {
		t.Errorf("a target outside the estate named twice is not one copy: %q, %q", vpc1, vpc2)
	}
}

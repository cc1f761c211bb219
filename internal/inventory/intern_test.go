package inventory

import (
	"encoding/json"
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

package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func vol() Resource {
	return Resource{
		ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-1", Account: "111111111111",
		Region: "ap-northeast-1", Type: "AWS::EC2::Volume", ID: "vol-1",
		Tags:      TagsOf(map[string]string{"Env": "dev", " owner": "team-a"}),
		Attrs:     AttrsOf(map[string]any{"size_gb": 100.0, "volume_type": "gp2"}),
		Relations: []Relation{{RelAttachedTo, "arn:i-1"}, {RelUsesSG, "arn:sg-1"}},
	}
}

func TestHashIgnoresOrderButNotContent(t *testing.T) {
	a, b := vol(), vol()
	b.Relations = []Relation{b.Relations[1], b.Relations[0]}
	if a.Hash() != b.Hash() {
		t.Error("relation order must not change the hash")
	}
	if got := b.Relations[0].Kind; got != RelUsesSG {
		t.Error("Hash must not reorder the caller's relations")
	}
	c := vol()
	c.Attrs.Set("size_gb", 101.0)
	if a.Hash() == c.Hash() {
		t.Error("a changed attr must change the hash")
	}
}

// Encode gives the resource's own JSON and the same hash as Hash: the
// sha256 of the JSON with relations sorted, whatever their order.
func TestEncodeHashesAsHash(t *testing.T) {
	sorted := vol()
	unsorted := vol()
	unsorted.Relations = []Relation{unsorted.Relations[1], unsorted.Relations[0]}
	bare := vol()
	bare.Relations = nil
	for name, r := range map[string]Resource{"sorted relations": sorted, "unsorted relations": unsorted, "no relations": bare} {
		t.Run(name, func(t *testing.T) {
			body, hash, err := r.Encode()
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != string(want) {
				t.Errorf("Encode body = %s, want the resource's JSON %s", body, want)
			}
			c := r
			c.Relations = append([]Relation(nil), r.Relations...)
			sort.Slice(c.Relations, func(i, j int) bool {
				if c.Relations[i].Kind != c.Relations[j].Kind {
					return c.Relations[i].Kind < c.Relations[j].Kind
				}
				return c.Relations[i].Target < c.Relations[j].Target
			})
			canonical, err := json.Marshal(&c)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(canonical)
			if want := hex.EncodeToString(sum[:16]); hash != want || r.Hash() != want {
				t.Errorf("Encode hash = %s, Hash = %s, want %s (sha256 of the JSON with sorted relations)", hash, r.Hash(), want)
			}
		})
	}
}

func TestTagLookup(t *testing.T) {
	r := vol()
	tests := map[string]struct {
		key  string
		want string
		ok   bool
	}{
		"exact":            {"Env", "dev", true},
		"case-insensitive": {"env", "dev", true},
		"leading space":    {"owner", "team-a", true},
		"absent":           {"system", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := r.Tag(tc.key)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Tag(%q) = %q, %v; want %q, %v", tc.key, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := map[string]struct {
		edit func(*Resource)
		want string // substring; empty means valid
	}{
		"valid":        {func(*Resource) {}, ""},
		"no arn":       {func(r *Resource) { r.ARN = "" }, "arn is empty"},
		"no type":      {func(r *Resource) { r.Type = "" }, "type is empty"},
		"unknown type": {func(r *Resource) { r.Type = "AWS::EC2::Thing" }, `unknown resource type "AWS::EC2::Thing" (known: AWS::`},
		"no account":   {func(r *Resource) { r.Account = "" }, "account is empty"},
		"bad relation": {func(r *Resource) { r.Relations = append(r.Relations, Relation{Kind: "uses"}) }, "relations[2]: kind and target are required"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := vol()
			tc.edit(&r)
			err := r.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestServiceOf(t *testing.T) {
	for typ, want := range map[string]string{
		"AWS::EC2::Instance":                        "ec2",
		"AWS::ElasticLoadBalancingV2::LoadBalancer": "elasticloadbalancingv2",
		"AWS::::Account":                            "account",
		"Steward::Account::Region":                  "account",
		"odd":                                       "odd",
	} {
		if got := ServiceOf(typ); got != want {
			t.Errorf("ServiceOf(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestCoverage(t *testing.T) {
	s := &Scan{Coverage: []Coverage{
		{Account: "2", Region: "us-east-1", Service: "s3", Error: "AccessDenied"},
		{Account: "1", Region: "ap-northeast-1", Service: "ec2", OK: true},
		{Account: "1", Region: "global", Service: "iam", Error: "throttled"},
		{Account: "1", Region: "ap-northeast-1", Service: "rds", OK: true},
	}}
	if s.Complete() {
		t.Error("a scan with failed rows is not complete")
	}
	var order []string
	for _, g := range s.Gaps() {
		order = append(order, g.Account+"/"+g.Region+"/"+g.Service)
	}
	if diff := cmp.Diff([]string{"1/global/iam", "2/us-east-1/s3"}, order); diff != "" {
		t.Errorf("Gaps (-want +got):\n%s", diff)
	}
	tests := map[string]struct {
		account, region string
		want            bool
	}{
		"gap in the region":          {"2", "us-east-1", false},
		"other region, no gap":       {"2", "ap-northeast-1", true},
		"a global gap covers all":    {"1", "ap-northeast-1", false},
		"an account with no rows":    {"3", "ap-northeast-1", true},
		"global resource, gap there": {"2", "global", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := s.Covered(tc.account, tc.region); got != tc.want {
				t.Errorf("Covered(%s, %s) = %v, want %v", tc.account, tc.region, got, tc.want)
			}
		})
	}
}

func TestCheckUnique(t *testing.T) {
	a, b := vol(), vol()
	if err := CheckUnique([]Resource{a}); err != nil {
		t.Fatal(err)
	}
	if err := CheckUnique([]Resource{a, b}); err == nil || !strings.Contains(err.Error(), a.ARN) {
		t.Fatalf("CheckUnique = %v, want the duplicate ARN named", err)
	}
}

func TestEveryTypeDocumentsItsAttrs(t *testing.T) {
	for _, name := range TypeNames() {
		ti, ok := Type(name)
		if !ok || ti.Type != name {
			t.Fatalf("Type(%q) not found", name)
		}
		for k, doc := range ti.Attrs {
			if k == "" || strings.ToLower(k) != k || doc == "" {
				t.Errorf("%s: attr %q must be snake_case and documented", name, k)
			}
		}
	}
}

// Setting managed-by or creator on a copy leaves the resource it was
// copied from as it was, and a resource with neither holds no Origin.
func TestOriginIsReplacedNotChanged(t *testing.T) {
	var a Resource
	a.SetManagedBy(ManagedBy{Kind: "terraform", Ref: "aws_s3_bucket.a"})
	b := a
	b.SetCreator(&Creator{Principal: "alice"})
	b.SetManagedBy(ManagedBy{Kind: "none"})
	if a.ManagedBy().Kind != "terraform" || a.Creator() != nil {
		t.Errorf("a change to a copy reached the resource: %+v, %+v", a.ManagedBy(), a.Creator())
	}
	if b.ManagedBy().Kind != "none" || b.Creator().Principal != "alice" {
		t.Errorf("copy: %+v, %+v", b.ManagedBy(), b.Creator())
	}
	b.SetCreator(nil)
	c := b
	c.SetManagedBy(ManagedBy{})
	if c.Origin != nil {
		t.Errorf("a resource with neither managed-by nor creator holds %+v", c.Origin)
	}
	if b.ManagedBy().Kind != "none" {
		t.Errorf("clearing a copy's managed-by cleared the resource's: %+v", b.ManagedBy())
	}
	if NewOrigin(ManagedBy{}, nil) != nil {
		t.Error("NewOrigin of nothing is not nil")
	}
}

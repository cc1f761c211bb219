package owner

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
)

// TestResolve walks the resolution order one source at a time.
func TestResolve(t *testing.T) {
	rule := naming.MustCompile("{system}-{env}-{role}", "", map[string][]string{"env": {"prod", "stg", "dev"}})
	ownerRule := naming.MustCompile("{owner}-{system}-{env}", "", map[string][]string{"env": {"prod", "stg", "dev"}})
	parent := &inventory.Resource{ARN: "arn:aws:ecs:r:1:service/c/api", Name: "api-prod-svc", Tags: inventory.TagsOf(map[string]string{"owner": "sre"})}
	lookup := func(ref string) *inventory.Resource {
		if ref == parent.ARN {
			return parent
		}
		return nil
	}
	creator := &inventory.Creator{Principal: "arn:aws:iam::1:user/tanaka"}
	tests := map[string]struct {
		rule naming.Rule
		s    Subject
		want Owner
	}{
		"resource tags, keys in any case": {
			s:    Subject{Resource: &inventory.Resource{Name: "shop-prod-web", Tags: inventory.TagsOf(map[string]string{"Owner": " sato ", "system": "shop", "ENV": "prod"})}},
			want: Owner{Owner: "sato", System: "shop", Env: "prod", OwnerVia: Tag, SystemVia: Tag, EnvVia: Tag},
		},
		"tag beats naming": {
			s:    Subject{Resource: &inventory.Resource{Name: "api-dev-worker", Tags: inventory.TagsOf(map[string]string{"env": "stg"})}},
			want: Owner{System: "api", Env: "stg", SystemVia: Naming, EnvVia: Tag},
		},
		"naming fills system and env, creator the owner": {
			s:    Subject{Resource: &inventory.Resource{Name: "api-stg-worker", Origin: &inventory.Origin{Creator: creator}}},
			want: Owner{Owner: "tanaka", System: "api", Env: "stg", OwnerVia: Creator, SystemVia: Naming, EnvVia: Naming},
		},
		"naming owner beats creator": {
			rule: ownerRule,
			s:    Subject{Resource: &inventory.Resource{Name: "sato-shop-dev", Origin: &inventory.Origin{Creator: creator}}},
			want: Owner{Owner: "sato", System: "shop", Env: "dev", OwnerVia: Naming, SystemVia: Naming, EnvVia: Naming},
		},
		"name known to break the rule is not parsed": {
			s:    Subject{Resource: &inventory.Resource{Name: "api-stg-worker"}, NameBroken: true},
			want: Owner{},
		},
		"bill tags before inventory tags": {
			s:    Subject{Tags: map[string]string{"system": "billed"}, Resource: &inventory.Resource{Name: "x", Tags: inventory.TagsOf(map[string]string{"system": "inv", "owner": "ops"})}},
			want: Owner{Owner: "ops", System: "billed", OwnerVia: InventoryTag, SystemVia: Tag},
		},
		"inventory name before the caller's": {
			s:    Subject{Resource: &inventory.Resource{Name: "api-prod-web"}, Name: "shop-dev-web"},
			want: Owner{System: "api", Env: "prod", SystemVia: Naming, EnvVia: Naming},
		},
		"caller's name when the inventory has none": {
			s:    Subject{Name: "shop-dev-web"},
			want: Owner{System: "shop", Env: "dev", SystemVia: Naming, EnvVia: Naming},
		},
		"cloudformation stack name read by the rule": {
			s:    Subject{Resource: &inventory.Resource{Name: "bucket1", Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "cloudformation", Ref: "pay-prod-stack"}}}},
			want: Owner{System: "pay", Env: "prod", SystemVia: ManagedBy, EnvVia: ManagedBy},
		},
		"cloudformation stack name as the system": {
			s:    Subject{Resource: &inventory.Resource{Name: "bucket1", Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "cloudformation", Ref: "legacy"}}}},
			want: Owner{System: "legacy", SystemVia: ManagedBy},
		},
		"service parent's tags then its name, before the creator": {
			s:    Subject{Resource: &inventory.Resource{Name: "task1", Origin: &inventory.Origin{Creator: creator, ManagedBy: inventory.ManagedBy{Kind: "service", Ref: parent.ARN}}}, Lookup: lookup},
			want: Owner{Owner: "sre", System: "api", Env: "prod", OwnerVia: ManagedBy, SystemVia: ManagedBy, EnvVia: ManagedBy},
		},
		"service parent unknown": {
			s:    Subject{Resource: &inventory.Resource{Name: "task1", Origin: &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "service", Ref: "arn:gone"}}}, Lookup: lookup},
			want: Owner{},
		},
		"nothing": {
			s:    Subject{Resource: &inventory.Resource{Name: "kobayashi-test"}},
			want: Owner{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := rule
			if !tc.rule.Empty() {
				r = tc.rule
			}
			got := New(Keys{}, r).Resolve(tc.s)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFillKeepsFirst(t *testing.T) {
	var o Owner
	o.Fill("a", "", "e", Tag)
	o.Fill("b", "s", "f", VirtualTag)
	want := Owner{Owner: "a", System: "s", Env: "e", OwnerVia: Tag, SystemVia: VirtualTag, EnvVia: Tag}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !o.Done() {
		t.Error("Done() = false with every field set")
	}
}

func TestPrincipalName(t *testing.T) {
	tests := map[string]string{
		"arn:aws:iam::111111111111:user/sato":                                              "sato",
		"arn:aws:iam::111111111111:user/ops/suzuki":                                        "suzuki",
		"arn:aws:iam::111111111111:root":                                                   "root",
		"arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b/sato@example.jp": "sato@example.jp",
		"arn:aws:sts::111111111111:assumed-role/terraform-apply/github-actions":            "github-actions",
		" arn:aws:iam::111111111111:role/deploy ":                                          "arn:aws:iam::111111111111:role/deploy",
		"autoscaling.amazonaws.com":                                                        "autoscaling.amazonaws.com",
		"arn:aws:sts::111111111111:assumed-role/no-session/":                               "arn:aws:sts::111111111111:assumed-role/no-session/",
		"arn:aws:s3:::bucket/user/x":                                                       "arn:aws:s3:::bucket/user/x",
		"":                                                                                 "",
	}
	for in, want := range tests {
		if got := PrincipalName(in); got != want {
			t.Errorf("PrincipalName(%q) = %q, want %q", in, got, want)
		}
	}
}

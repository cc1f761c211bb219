package schedule

import (
	"errors"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/i18n"
)

func TestResolverFor(t *testing.T) {
	office := mustCompile(t, Spec{Name: "office-hours", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "Asia/Tokyo", Env: []string{"dev*", "qa*"}})
	shop := mustCompile(t, Spec{Name: "shop-nights", Windows: []string{"mon-sun 07:00-23:00"}, TimeZone: "Asia/Tokyo", System: []string{"shop"}})
	shopQA := mustCompile(t, Spec{Name: "shop-qa", Windows: []string{"mon-fri 10:00-19:00"}, TimeZone: "Asia/Tokyo", Env: []string{"qa*"}, System: []string{"shop"}})
	tagOnly := mustCompile(t, Spec{Name: "tag-only", Windows: []string{"mon-fri 08:00-18:00"}, TimeZone: "UTC"})
	r := &Resolver{Named: []*Schedule{office, shop, tagOnly}, Offhours: DefaultOffhours("jst")}
	tests := map[string]struct {
		r        *Resolver
		target   Target
		schedule string
		by       string
		optedOut bool
		err      string
	}{
		"schedule tag":                {r: r, target: Target{Tags: map[string]string{"steward:schedule": "tag-only"}, Env: "dev1"}, schedule: "tag-only", by: "tag steward:schedule=tag-only"},
		"schedule tag, other case":    {r: r, target: Target{Tags: map[string]string{"Steward:Schedule": "tag-only"}}, schedule: "tag-only", by: "tag steward:schedule=tag-only"},
		"schedule tag none opts out":  {r: r, target: Target{Tags: map[string]string{"steward:schedule": "none"}, Env: "dev1"}, optedOut: true, by: "tag steward:schedule=none"},
		"unknown schedule":            {r: r, target: Target{Tags: map[string]string{"steward:schedule": "nights"}}, err: `tag steward:schedule="nights" names no schedule in steward.yaml (known: office-hours, shop-nights, tag-only)`},
		"schedule tag beats offhours": {r: r, target: Target{Tags: map[string]string{"steward:schedule": "tag-only", "maid_offhours": "off"}}, schedule: "tag-only", by: "tag steward:schedule=tag-only"},
		"offhours tag, no other configuration": {r: r, target: Target{Tags: map[string]string{"maid_offhours": "off=(M-F,19);on=(M-F,7)"}, Env: "dev1"},
			schedule: "maid_offhours=off=(M-F,19);on=(M-F,7)", by: "tag maid_offhours"},
		"offhours off opts out": {r: r, target: Target{Tags: map[string]string{"maid_offhours": "off"}, Env: "dev1"}, optedOut: true, by: "tag maid_offhours"},
		"offhours key configured": {r: &Resolver{OffhoursKey: "downtime"}, target: Target{Tags: map[string]string{"downtime": "", "maid_offhours": "bad=1"}},
			schedule: "downtime=", by: "tag downtime"},
		"bad offhours tag":    {r: r, target: Target{Tags: map[string]string{"maid_offhours": "off=(M-X,19)"}}, err: `tag maid_offhours="off=(M-X,19)": "off=(m-x,19)": "m-x" is not a day`},
		"env glob":            {r: r, target: Target{Env: "DEV3"}, schedule: "office-hours", by: "env DEV3 (dev*)"},
		"system":              {r: r, target: Target{Env: "prod", System: "shop"}, schedule: "shop-nights", by: "system shop (shop)"},
		"nothing matches":     {r: r, target: Target{Env: "prod", System: "billing"}},
		"no env, no match":    {r: r, target: Target{}},
		"env and system both": {r: &Resolver{Named: []*Schedule{shopQA}}, target: Target{Env: "qa2", System: "shop"}, schedule: "shop-qa", by: "env qa2 (qa*), system shop (shop)"},
		"env without system":  {r: &Resolver{Named: []*Schedule{shopQA}}, target: Target{Env: "qa2", System: "blog"}},
		"two schedules match": {r: r, target: Target{Env: "dev1", System: "shop"}, err: "schedules office-hours and shop-nights both match (env dev1 (dev*); system shop (shop))"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := tc.r.For(tc.target)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if m.Schedule != nil {
				got = m.Schedule.Name()
			}
			if got != tc.schedule || m.By.In(i18n.EN) != tc.by || m.OptedOut != tc.optedOut {
				t.Errorf("For = {%s by %q opted out %v}, want {%s by %q opted out %v}", got, m.By.In(i18n.EN), m.OptedOut, tc.schedule, tc.by, tc.optedOut)
			}
		})
	}
	var te *TagError
	if _, err := r.For(Target{Tags: map[string]string{"maid_offhours": "on=(M-F,99)"}}); !errors.As(err, &te) || te.Key != "maid_offhours" {
		t.Errorf("a bad offhours tag must be a *TagError naming its key, got %v", err)
	}
}

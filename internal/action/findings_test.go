package action

import (
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/owner"
	"github.com/steward-sre/steward/internal/schedule"
)

func TestScheduleFindings(t *testing.T) {
	envDev, err := schedule.Compile(schedule.Spec{Name: "dev-hours", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "UTC", Env: []string{"dev*"}})
	if err != nil {
		t.Fatal(err)
	}
	sysShop, err := schedule.Compile(schedule.Spec{Name: "shop-hours", Windows: []string{"mon-fri 08:00-18:00"}, TimeZone: "UTC", System: []string{"shop"}})
	if err != nil {
		t.Fatal(err)
	}
	res := &schedule.Resolver{Named: []*schedule.Schedule{envDev, sysShop}}
	svc := func(name string, tags map[string]string) inventory.Resource {
		return inventory.Resource{ARN: arnOf("ecs", "service/dev/"+name), Type: TypeECSService, Name: name, Tags: inventory.TagsOf(tags)}
	}
	rs := []inventory.Resource{
		svc("good", map[string]string{"maid_offhours": "off=(M-F,19);on=(M-F,7);tz=jst"}),
		svc("bad-day", map[string]string{"maid_offhours": "off=(M-X,19)", "owner": "alice"}),
		svc("bad-tz", map[string]string{"maid_offhours": "off=(M-F,19);tz=mars"}),
		svc("opted-out", map[string]string{"maid_offhours": "off"}),
		svc("both-match", map[string]string{"env": "dev1", "system": "shop"}),
		{ARN: "arn:aws:s3:::logs", Type: "AWS::S3::Bucket", Name: "logs", Tags: inventory.TagsOf(map[string]string{"steward:schedule": "nosuch"})},
		{ARN: "arn:aws:s3:::assets", Type: "AWS::S3::Bucket", Name: "assets", Tags: inventory.TagsOf(map[string]string{"env": "dev1", "system": "shop"})},
	}
	fs := ScheduleFindings(rs, res, owner.Keys{})
	got := map[string]string{}
	for _, f := range fs {
		if f.Policy != PolicyScheduleTag || f.Title == "" || f.Remediation == "" {
			t.Errorf("finding %+v lacks its policy, title or remediation", f)
		}
		got[f.Name] = f.Message
	}
	want := map[string]string{
		"bad-day":    "maid_offhours",
		"bad-tz":     "mars",
		"both-match": "both match",
		"logs":       `names no schedule`,
	}
	if len(got) != len(want) {
		t.Errorf("findings on %v, want on %v", got, want)
	}
	for name, frag := range want {
		if !strings.Contains(got[name], frag) || !strings.Contains(got[name], "runs around the clock") {
			t.Errorf("%s: message %q, want it to name %q", name, got[name], frag)
		}
	}
	// In Japanese, why the tag is refused is said in Japanese too.
	ja := map[string]string{}
	for _, f := range fs {
		ja[f.Name] = f.MessageIn(i18n.JA)
	}
	for name, want := range map[string]string{
		"bad-day": `タグ maid_offhours="off=(M-X,19)": "off=(m-x,19)": "m-x" は曜日でも曜日の範囲でもありません（曜日: M T W H F S U。例: M-F）。このリソースはどのスケジュールにも従わず、常時稼働します`,
		"logs":    `タグ steward:schedule="nosuch" のスケジュールは steward.yaml にありません（定義済み: dev-hours, shop-hours）。このリソースはどのスケジュールにも従わず、常時稼働します`,
	} {
		if ja[name] != want {
			t.Errorf("%s in Japanese:\n got %s\nwant %s", name, ja[name], want)
		}
	}
	for _, f := range fs {
		if f.Name == "bad-day" && (f.Owner != "alice" || f.OwnerSource != "tag") {
			t.Errorf("bad-day owner %q (%s), want alice from its tag", f.Owner, f.OwnerSource)
		}
	}
}

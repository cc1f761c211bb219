package cost

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestShowTop: --top keeps the largest groups and sums the rest into one
// line; without it every group is listed.
func TestShowTop(t *testing.T) {
	ctx := context.Background()
	d := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	var rs []Rollup
	for i := range 12 {
		r := blockRollup(d, fmt.Sprintf("i-%02d", i), fmt.Sprintf("%d", i+1))
		r.Tags = ""
		rs = append(rs, r)
	}
	st := NewMemStore()
	if err := st.ReplacePeriods(ctx, d, []Batch{{Source: "bill", Period: "2025-01", Rollups: rs}}); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		top                    int
		groups, more, untagged int
		first, moreCost        string
	}{
		"every group":  {top: 0, groups: 12, untagged: 10, first: "i-11"},
		"top 3":        {top: 3, groups: 3, more: 9, untagged: 3, first: "i-11", moreCost: "45"},
		"top past all": {top: 20, groups: 12, untagged: 12, first: "i-11"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := Show(ctx, ShowOptions{Common: Common{Store: st, Keys: Keys{System: "system", Env: "env", Owner: "owner"}, Now: d},
				By: "resource", From: d, To: d.AddDate(0, 0, 1), Top: tc.top})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Groups) != tc.groups || res.MoreGroups != tc.more || len(res.TopUntagged) != tc.untagged || res.Groups[0].Key != tc.first {
				t.Errorf("%d groups (first %s), %d more, %d untagged; want %d (%s), %d, %d",
					len(res.Groups), res.Groups[0].Key, res.MoreGroups, len(res.TopUntagged), tc.groups, tc.first, tc.more, tc.untagged)
			}
			if tc.moreCost != "" && res.MoreCost.String() != tc.moreCost {
				t.Errorf("more cost %s, want %s", res.MoreCost, tc.moreCost)
			}
		})
	}
}

func blockRollup(day time.Time, res, billed string) Rollup {
	return Rollup{Day: day, Source: "bill", Period: Period(day), Account: "111111111111", Region: "ap-northeast-1",
		Service: "AmazonEC2", UsageType: "BoxUsage", Resource: res, ResourceName: "web-" + res,
		Tags: MakeTags(map[string]string{"system": "shop", "env": "prod"}), Kind: KindUsage, Currency: "USD",
		Billed: MustMoney(billed), Effective: MustMoney(billed), Lines: 24}
}

// TestGroupSumVia: however the sources of a group's spend interleave,
// Via sums each source's spend and names every source met, even at zero.
func TestGroupSumVia(t *testing.T) {
	tests := map[string]struct {
		adds [][2]string
		want map[string]string
	}{
		"one source":           {[][2]string{{"tag", "1"}, {"tag", "2.5"}}, map[string]string{"tag": "3.5"}},
		"interleaved":          {[][2]string{{"tag", "1"}, {"naming", "2"}, {"tag", "3"}, {"naming", "0.25"}}, map[string]string{"tag": "4", "naming": "2.25"}},
		"a source at zero":     {[][2]string{{"tag", "1"}, {"unattributed", "0"}}, map[string]string{"tag": "1", "unattributed": "0"}},
		"nothing added at all": {nil, map[string]string{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := &groupSum{Group: Group{Via: map[string]Money{}}}
			total := Money{}
			for _, a := range tc.adds {
				g.add(a[0], MustMoney(a[1]))
				total = total.Add(MustMoney(a[1]))
			}
			g.done()
			got := map[string]string{}
			for k, v := range g.Via {
				got[k] = v.String()
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || g.Cost != total {
				t.Errorf("via %v cost %s, want %v cost %s", got, g.Cost, tc.want, total)
			}
		})
	}
}

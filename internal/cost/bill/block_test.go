package bill

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/money"
)

func blockRollup(day time.Time, res, billed string) Rollup {
	return Rollup{Day: day, Source: "bill", Period: Period(day), Account: "111111111111", Region: "ap-northeast-1",
		Service: "AmazonEC2", UsageType: "BoxUsage", Resource: res, ResourceName: "web-" + res,
		Tags: MakeTags(map[string]string{"system": "shop", "env": "prod"}), Kind: KindUsage, Currency: "USD",
		Billed: money.MustParse(billed), Effective: money.MustParse(billed), Lines: 24}
}

func TestRollupBlockRoundTrip(t *testing.T) {
	d := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	odd := blockRollup(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), "", "-0.000000000000001")
	odd.Tags, odd.Kind, odd.Lines = "", KindCredit, -3
	odd.Service = "日本語 サービス"
	tests := map[string][]Rollup{
		"none": nil,
		"one":  {blockRollup(d, "i-1", "1.5")},
		"texts repeat and differ": {blockRollup(d, "i-1", "1"), blockRollup(d, "i-2", "2"), blockRollup(d.AddDate(0, 0, 1), "i-1", "3"),
			blockRollup(d.AddDate(0, 0, 1), "i-2", "123456789012345.123456789012345")},
		"negative, empty and before 1970": {odd, blockRollup(d, "i-1", "-12.25")},
	}
	for name, rs := range tests {
		t.Run(name, func(t *testing.T) {
			b := AppendRollupBlock([]byte("prefix"), rs)
			if !bytes.HasPrefix(b, []byte("prefix")) {
				t.Fatal("AppendRollupBlock did not append")
			}
			got, err := DecodeRollupBlock(b[len("prefix"):], nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffAmounts(rs, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// appendBlockV1 writes rs as a version 1 block, as steward wrote them
// before version 2: every text whole, days whole, both amounts always.
func appendBlockV1(dst []byte, rs []Rollup) []byte {
	idx := map[string]uint64{}
	var texts []string
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(rs)))
	for i := range rs {
		r := &rs[i]
		body = binary.AppendVarint(body, int64(DayOf(r.Day)))
		for _, p := range rollupTexts(r) {
			n, ok := idx[*p]
			if !ok {
				n = uint64(len(texts))
				idx[*p] = n
				texts = append(texts, *p)
			}
			body = binary.AppendUvarint(body, n)
		}
		for _, m := range []money.Amount{r.Billed, r.Effective} {
			units, frac := m.Parts()
			body = binary.AppendVarint(body, units)
			body = binary.AppendUvarint(body, uint64(frac))
		}
		body = binary.AppendVarint(body, r.Lines)
	}
	dst = append(dst, blockVersion1)
	dst = binary.AppendUvarint(dst, uint64(len(texts)))
	for _, s := range texts {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return append(dst, body...)
}

// TestRollupBlockVersions: a store written before version 2 keeps its
// version 1 blocks, which must read the same as the version 2 block of
// the same rollups; version 2 keeps a resource's shared beginning once
// and an effective cost equal to the billed one in a byte.
func TestRollupBlockVersions(t *testing.T) {
	d := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	var rs []Rollup
	for i := range 500 {
		r := blockRollup(d.AddDate(0, 0, i%3-1), fmt.Sprintf("arn:aws:ec2:ap-northeast-1:111111111111:instance/i-%017x", i), fmt.Sprintf("%d.0136", i))
		if i%5 == 0 {
			r.Effective = money.MustParse("0.5")
		}
		rs = append(rs, r)
	}
	v1, v2 := appendBlockV1(nil, rs), AppendRollupBlock(nil, rs)
	if v2[0] != blockVersion {
		t.Fatalf("AppendRollupBlock wrote version %d", v2[0])
	}
	for name, b := range map[string][]byte{"version 1": v1, "version 2": v2} {
		got, err := DecodeRollupBlock(b, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := diffAmounts(rs, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	if len(v2)*2 > len(v1) {
		t.Errorf("version 2 block is %d bytes, version 1 %d: want less than half", len(v2), len(v1))
	}
}

func TestDayOf(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want int32
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1970, 1, 1, 23, 59, 59, 999, time.UTC), 0},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), -1},
		{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), -1},
		{time.Date(1969, 12, 30, 23, 0, 0, 0, time.UTC), -2},
		{time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), epochDay(2025, 1, 2)},
		// The day is the UTC one, whatever the zone t is written in.
		{time.Date(2025, 1, 2, 8, 0, 0, 0, time.FixedZone("JST", 9*3600)), epochDay(2025, 1, 1)},
	} {
		if got := DayOf(tc.t); got != tc.want {
			t.Errorf("DayOf(%s) = %d, want %d", tc.t, got, tc.want)
		}
	}
}

func TestRollupBlockCorrupt(t *testing.T) {
	good := AppendRollupBlock(nil, []Rollup{blockRollup(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), "i-1", "1")})
	tests := map[string][]byte{
		"empty":                                  nil,
		"unknown version":                        append([]byte{9}, good[1:]...),
		"cut short":                              good[:len(good)-1],
		"trailing bytes":                         append(append([]byte{}, good...), 0),
		"too many texts":                         {blockVersion, 0xff, 0xff, 0x03},
		"a text shares more than the one before": {blockVersion, 2, 0, 0, 2, 'a', 'b', 0, 3, 0},
		"a text of no field":                     {blockVersion, 1, 11, 0, 1, 'a'},
		"bad effective cost": func() []byte {
			b := []byte{blockVersion, 0, 1, 0}
			for range blockTexts {
				b = append(b, 0)
			}
			return append(b, 0, 0, 7, 0)
		}(),
		"index past texts": func() []byte {
			// No texts, one rollup naming text 5.
			b := []byte{blockVersion, 0, 1, 2}
			for range blockTexts {
				b = append(b, 5)
			}
			return append(b, 0, 0, 0, 0, 0)
		}(),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeRollupBlock(b, nil); !errors.Is(err, errBlock) {
				t.Errorf("err %v, want a corrupt block", err)
			}
		})
	}
}

// FuzzDecodeRollupBlock: no input crashes the decoder, and whatever it
// reads encodes back to a block that reads the same.
func FuzzDecodeRollupBlock(f *testing.F) {
	d := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	f.Add(AppendRollupBlock(nil, []Rollup{blockRollup(d, "i-1", "1"), blockRollup(d, "i-2", "-2.5")}))
	f.Add(AppendRollupBlock(nil, nil))
	f.Add([]byte{blockVersion, 1, 0, 1})
	f.Add(appendBlockV1(nil, []Rollup{blockRollup(d, "i-1", "1"), blockRollup(d, "i-2", "-2.5")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := DecodeRollupBlock(b, nil)
		if err != nil {
			return
		}
		again, err := DecodeRollupBlock(AppendRollupBlock(nil, rs), nil)
		if err != nil {
			t.Fatalf("re-encoded block: %v", err)
		}
		if d := diffAmounts(rs, again); d != "" {
			t.Errorf("(-first +again):\n%s", d)
		}
	})
}

// TestBlockDedup: a field whose texts never repeat stops being looked up
// in the block's dictionary, one whose texts repeat keeps being shared,
// and the block reads back the same either way.
func TestBlockDedup(t *testing.T) {
	d := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	var rs []Rollup
	for i := range 3000 {
		r := blockRollup(d, fmt.Sprintf("i-%05d", i), "1.25")
		r.ResourceName = ""
		r.Tags = MakeTags(map[string]string{"system": []string{"shop", "blog", "auth"}[i%3]})
		// The resource comes back after a while: still read right.
		if i >= 2000 {
			r.Resource = fmt.Sprintf("i-%05d", i-2000)
		}
		rs = append(rs, r)
	}
	b := AppendRollupBlock(nil, rs)
	texts, _ := binary.Uvarint(b[1:])
	// 3000 resource texts at most (some written twice), 3 tag sets and
	// the few texts every rollup shares.
	if texts > 3000+3+10 {
		t.Errorf("%d texts in the block, want at most %d", texts, 3000+3+10)
	}
	got, err := DecodeRollupBlock(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffAmounts(rs, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

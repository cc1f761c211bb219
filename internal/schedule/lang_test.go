package schedule

import (
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// TestErrorsInJapanese: a schedule's mistakes are phrases, said in Japanese
// for a Japanese reader while Error() keeps the English text.
func TestErrorsInJapanese(t *testing.T) {
	office := mustCompile(t, Spec{Name: "office-hours", Windows: []string{"mon-fri 09:00-20:00"}, TimeZone: "Asia/Tokyo", Env: []string{"dev*"}})
	shop := mustCompile(t, Spec{Name: "shop-nights", Windows: []string{"mon-sun 07:00-23:00"}, TimeZone: "Asia/Tokyo", System: []string{"shop"}})
	r := &Resolver{Named: []*Schedule{office, shop}, Offhours: DefaultOffhours("jst")}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	errOf := func(_ any, err error) error { return err }
	tests := map[string]struct {
		err    error
		en, ja string
	}{
		"zone": {errOf(LoadZone("Tokyo")),
			`"Tokyo" is not a time zone (an IANA name such as Asia/Tokyo, or an alias such as jst, pt, et)`,
			`"Tokyo" はタイムゾーンではありません（Asia/Tokyo のような IANA 名か、jst・pt・et などの別名を指定してください）`},
		"day in a window": {errOf(ParseWindow("mon-fry 09:00-20:00")),
			`window "mon-fry 09:00-20:00": "fry" is not a day (valid: mon, tue, wed, thu, fri, sat, sun)`,
			`稼働時間帯 "mon-fry 09:00-20:00": "fry" は曜日ではありません（指定できる値: mon、tue、wed、thu、fri、sat、sun）`},
		"time range": {errOf(ParseWindow("mon 0900")),
			`window "mon 0900": "0900" is not a time range (want HH:MM-HH:MM, e.g. 09:00-20:00)`,
			`稼働時間帯 "mon 0900": "0900" は時間の範囲ではありません（09:00-20:00 のように HH:MM-HH:MM で指定してください）`},
		"unknown schedule tag": {errOf(r.For(Target{Tags: map[string]string{"steward:schedule": "nights"}})),
			`tag steward:schedule="nights" names no schedule in steward.yaml (known: office-hours, shop-nights)`,
			`タグ steward:schedule="nights" のスケジュールは steward.yaml にありません（定義済み: office-hours, shop-nights）`},
		"unknown schedule tag, none defined": {errOf((&Resolver{Offhours: DefaultOffhours("jst")}).For(Target{Tags: map[string]string{"steward:schedule": "nights"}})),
			`tag steward:schedule="nights" names no schedule in steward.yaml (known: none)`,
			`タグ steward:schedule="nights" のスケジュールは steward.yaml にありません（定義済み: なし）`},
		"two schedules match": {errOf(r.For(Target{Env: "dev1", System: "shop"})),
			`schedules office-hours and shop-nights both match (env dev1 (dev*); system shop (shop)): narrow their env or system, or tag the resource steward:schedule=NAME`,
			`スケジュール office-hours と shop-nights の両方が当てはまります（環境 dev1（dev*）、システム shop（shop））。env か system を絞り込むか、リソースに steward:schedule=NAME のタグを付けてください`},
		"offhours hour": {errOf(r.For(Target{Tags: map[string]string{"maid_offhours": "off=(M-F,99)"}})),
			`tag maid_offhours="off=(M-F,99)": "off=(m-f,99)": hour "99" is not 0 to 23`,
			`タグ maid_offhours="off=(M-F,99)": "off=(m-f,99)": 時 "99" は 0〜23 の範囲ではありません`},
		"offhours unknown key": {errOf(r.For(Target{Tags: map[string]string{"maid_offhours": "off=(M-F,19);at=7"}})),
			`tag maid_offhours="off=(M-F,19);at=7": "at=7": unknown key "at" (valid: on, off, tz)`,
			`タグ maid_offhours="off=(M-F,19);at=7": "at=7": "at" というキーはありません（指定できる値: on、off、tz）`},
		"offhours days": {errOf(r.For(Target{Tags: map[string]string{"maid_offhours": "off=(M-X,19)"}})),
			`tag maid_offhours="off=(M-X,19)": "off=(m-x,19)": "m-x" is not a day or a range of days (days: M T W H F S U; e.g. M-F)`,
			`タグ maid_offhours="off=(M-X,19)": "off=(m-x,19)": "m-x" は曜日でも曜日の範囲でもありません（曜日: M T W H F S U。例: M-F）`},
		"override state": {Override{Target: "env:qa3", Kind: OverrideEnv, State: "up", Reason: "r", Created: now, Until: now.Add(time.Hour)}.Validate(),
			`override: state "up" (want on or off)`,
			`オーバーライド: 状態 "up" は使えません（on か off を指定してください）`},
		"override too long": {Override{Target: "env:qa3", Kind: OverrideEnv, State: On, Reason: "r", Created: now, Until: now.Add(40 * 24 * time.Hour)}.Validate(),
			`override: it would last 960h0m0s, over the most of 744h0m0s (for longer, change the schedule or tag the resource steward:schedule=none)`,
			`オーバーライド: 期間が 960h0m0s になり、上限の 744h0m0s を超えます（それより長くする場合は、スケジュールを変更するか、リソースに steward:schedule=none のタグを付けてください）`},
		"until in the past": {errOf(ParseUntil("2026-12-07T09:00:00Z", now, time.UTC)),
			`until "2026-12-07T09:00:00Z": 2026-12-07T09:00:00Z is not in the future`,
			`終了時刻 "2026-12-07T09:00:00Z": 2026-12-07T09:00:00Z は未来の時刻ではありません`},
		"until a negative duration": {errOf(ParseUntil("-2h", now, time.UTC)),
			`until "-2h": a duration must be positive`,
			`終了時刻 "-2h": 時間の長さは 0 より大きくしてください`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			if got := tc.err.Error(); got != tc.en {
				t.Errorf("English:\n got %s\nwant %s", got, tc.en)
			}
			p, ok := i18n.PhraseOf(tc.err)
			if !ok {
				t.Fatalf("%v says no phrase", tc.err)
			}
			if got := p.In(i18n.JA); got != tc.ja {
				t.Errorf("Japanese:\n got %s\nwant %s", got, tc.ja)
			}
		})
	}
}

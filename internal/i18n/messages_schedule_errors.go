package i18n

import "fmt"

// scheduleErrorCatalog holds what steward says about a schedule written
// wrong: the schedules of steward.yaml, the offhours tag and the --until of
// an override. The values people wrote stay quoted as they wrote them.
var scheduleErrorCatalog = map[string]text{
	"schedule.err.day": {"%q is not a day (valid: mon, tue, wed, thu, fri, sat, sun)",
		"%q は曜日ではありません（指定できる値: mon、tue、wed、thu、fri、sat、sun）"},
	"schedule.err.clock": {"%q is not a time of day (want HH:MM, e.g. 09:00)",
		"%q は時刻ではありません（09:00 のように HH:MM で指定してください）"},
	"schedule.err.calendar": {"%q is not a holiday calendar (valid: %s)",
		"%q は祝日カレンダーではありません（指定できる値: %s）"},
	"schedule.err.monthday": {"%q is not a day of the year (want MM-DD, e.g. 12-29)",
		"%q は月日ではありません（12-29 のように MM-DD で指定してください）"},
	"schedule.err.zone": {"%q is not a time zone (an IANA name such as Asia/Tokyo, or an alias such as jst, pt, et)",
		"%q はタイムゾーンではありません（Asia/Tokyo のような IANA 名か、jst・pt・et などの別名を指定してください）"},

	"schedule.err.window.form": {"%q is not a window (want DAYS HH:MM-HH:MM, e.g. mon-fri 09:00-20:00)",
		"%q は稼働時間帯ではありません（mon-fri 09:00-20:00 のように「曜日 HH:MM-HH:MM」で指定してください）"},
	"schedule.err.window":       {"window %q: %s", "稼働時間帯 %q: %s"},
	"schedule.err.window.start": {"window %q: start: %s", "稼働時間帯 %q の開始時刻: %s"},
	"schedule.err.window.end":   {"window %q: end: %s", "稼働時間帯 %q の終了時刻: %s"},
	"schedule.err.window.range": {"window %q: %q is not a time range (want HH:MM-HH:MM, e.g. 09:00-20:00)",
		"稼働時間帯 %q: %q は時間の範囲ではありません（09:00-20:00 のように HH:MM-HH:MM で指定してください）"},
	"schedule.err.window.24": {"24:00 can only end a window",
		"24:00 は終了時刻にしか使えません"},
	"schedule.err.window.empty": {"window %q: start and end are both %s (for a whole day write 00:00-24:00)",
		"稼働時間帯 %q: 開始と終了がどちらも %s です（終日にするには 00:00-24:00 と書いてください）"},

	"schedule.err.noname": {"a schedule needs a name",
		"スケジュールには名前が必要です"},
	"schedule.err.reserved": {"%q is reserved: a resource tagged with it follows no schedule",
		"%q は予約語です（このタグ値のリソースはどのスケジュールにも従いません）"},
	"schedule.err.nozone": {"is required (set it on the schedule, or time_zone at the top of steward.yaml; e.g. Asia/Tokyo)",
		"必須です（スケジュールか steward.yaml の最上位の time_zone に指定してください。例: Asia/Tokyo）"},
	"schedule.err.nowindow": {`a schedule needs at least one window, e.g. ["mon-fri 09:00-20:00"]`,
		`スケジュールには稼働時間帯が 1 つ以上必要です（例: ["mon-fri 09:00-20:00"]）`},
	"schedule.err.glob": {"%q is not a glob (e.g. dev*)",
		"%q はグロブパターンではありません（例: dev*）"},
	"schedule.err.until.clock": {"until %q: not a time of day (00:00 to 23:59)",
		"終了時刻 %q: 時刻ではありません（00:00〜23:59 で指定してください）"},
	"schedule.err.until.positive": {"until %q: a duration must be positive",
		"終了時刻 %q: 時間の長さは 0 より大きくしてください"},
	"schedule.err.until.over": {"until %q: over the most of %s",
		"終了時刻 %q: 上限の %s を超えています"},
	"schedule.err.until.form": {"until %q: want a time of day (22:00), a duration (2h) or an RFC 3339 instant (2026-12-07T22:00:00+09:00)",
		"終了時刻 %q: 時刻（22:00）、時間の長さ（2h）、RFC 3339 形式の日時（2026-12-07T22:00:00+09:00）のいずれかで指定してください"},
	"schedule.err.until.past": {"until %q: %s is not in the future",
		"終了時刻 %q: %s は未来の時刻ではありません"},
	"schedule.err.until.ahead": {"until %q: %s is more than %s ahead",
		"終了時刻 %q: %s は今から %s より先です"},

	"schedule.err.tag.unknown": {"tag %s=%q names no schedule in steward.yaml (known: %s)",
		"タグ %s=%q のスケジュールは steward.yaml にありません（定義済み: %s）"},
	"schedule.err.ambiguous": {"schedules %s and %s both match (%s; %s): narrow their env or system, or tag the resource %s=NAME",
		"スケジュール %s と %s の両方が当てはまります（%s、%s）。env か system を絞り込むか、リソースに %s=NAME のタグを付けてください"},
	"schedule.known.none":   {"none", "なし"},
	"schedule.err.tagvalue": {"tag %s: %s", "タグ %s: %s"},
	"schedule.err.tagpart":  {"tag %s: %q: %s", "タグ %s: %q: %s"},
	"schedule.err.offhours.key": {"unknown key %q (valid: on, off, tz)",
		"%q というキーはありません（指定できる値: on、off、tz）"},
	"schedule.err.offhours.pair": {"is not key=value (pieces are separated by ;)",
		"key=value の形ではありません（項目は ; で区切ります）"},
	"schedule.err.offhours.instant": {"%q is not (days,hour), e.g. (M-F,19)",
		"%q は (曜日,時) の形ではありません（例: (M-F,19)）"},
	"schedule.err.offhours.hour": {"hour %q is not 0 to 23",
		"時 %q は 0〜23 の範囲ではありません"},
	"schedule.err.offhours.days": {"%q is not a day or a range of days (days: M T W H F S U; e.g. M-F)",
		"%q は曜日でも曜日の範囲でもありません（曜日: M T W H F S U。例: M-F）"},
	"schedule.err.override.target": {"override: the resource or env is required",
		"オーバーライド: 対象のリソースか環境を指定してください"},
	"schedule.err.override.kind": {"override: kind %q (want resource or env)",
		"オーバーライド: 種類 %q は使えません（resource か env を指定してください）"},
	"schedule.err.override.state": {"override: state %q (want on or off)",
		"オーバーライド: 状態 %q は使えません（on か off を指定してください）"},
	"schedule.err.override.reason": {"override: a reason is required (--reason): it tells the next person why the schedule was set aside",
		"オーバーライド: 理由（--reason）が必要です。次の担当者がスケジュールを外した理由を知るためのものです"},
	"schedule.err.override.until": {"override: until must be after the override is made",
		"オーバーライド: 終了時刻は作成時刻より後にしてください"},
	"schedule.err.override.long": {"override: it would last %s, over the most of %s (for longer, change the schedule or tag the resource %s=%s)",
		"オーバーライド: 期間が %s になり、上限の %s を超えます（それより長くする場合は、スケジュールを変更するか、リソースに %s=%s のタグを付けてください）"},
}

func init() {
	for k, m := range scheduleErrorCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

package i18n

import "fmt"

// holidayCatalog names the holidays of the calendars schedules use (jp,
// us) in Japanese, keyed by the English name the calendar gives.
var holidayCatalog = map[string]text{
	"holiday.New Year's Day":                        {"New Year's Day", "元日"},
	"holiday.Coming of Age Day":                     {"Coming of Age Day", "成人の日"},
	"holiday.National Foundation Day":               {"National Foundation Day", "建国記念の日"},
	"holiday.The Emperor's Birthday":                {"The Emperor's Birthday", "天皇誕生日"},
	"holiday.Vernal Equinox Day":                    {"Vernal Equinox Day", "春分の日"},
	"holiday.Showa Day":                             {"Showa Day", "昭和の日"},
	"holiday.Constitution Memorial Day":             {"Constitution Memorial Day", "憲法記念日"},
	"holiday.Greenery Day":                          {"Greenery Day", "みどりの日"},
	"holiday.Children's Day":                        {"Children's Day", "こどもの日"},
	"holiday.Marine Day":                            {"Marine Day", "海の日"},
	"holiday.Mountain Day":                          {"Mountain Day", "山の日"},
	"holiday.Respect for the Aged Day":              {"Respect for the Aged Day", "敬老の日"},
	"holiday.Autumnal Equinox Day":                  {"Autumnal Equinox Day", "秋分の日"},
	"holiday.Sports Day":                            {"Sports Day", "スポーツの日"},
	"holiday.Culture Day":                           {"Culture Day", "文化の日"},
	"holiday.Labor Thanksgiving Day":                {"Labor Thanksgiving Day", "勤労感謝の日"},
	"holiday.New Emperor Enthronement Day":          {"New Emperor Enthronement Day", "天皇の即位の日"},
	"holiday.The New Emperor Enthronement Ceremony": {"The New Emperor Enthronement Ceremony", "即位礼正殿の儀"},
	"holiday.National holiday between Respect for the Aged Day and Autumnal Equinox Day": {
		"National holiday between Respect for the Aged Day and Autumnal Equinox Day", "国民の休日"},
	"holiday.National Holiday Between Showa Day And New Emperor Enthronement Day": {
		"National Holiday Between Showa Day And New Emperor Enthronement Day", "国民の休日"},
	"holiday.National holiday between New Emperor Enthronement Day and Constitution Memorial Day": {
		"National holiday between New Emperor Enthronement Day and Constitution Memorial Day", "国民の休日"},
	"holiday.Martin Luther King Jr. Day": {"Martin Luther King Jr. Day", "キング牧師記念日"},
	"holiday.Presidents' Day":            {"Presidents' Day", "大統領の日"},
	"holiday.Memorial Day":               {"Memorial Day", "戦没将兵追悼記念日"},
	"holiday.Juneteenth":                 {"Juneteenth", "奴隷解放記念日"},
	"holiday.Independence Day":           {"Independence Day", "独立記念日"},
	"holiday.Labor Day":                  {"Labor Day", "レイバー・デー"},
	"holiday.Columbus Day":               {"Columbus Day", "コロンブス・デー"},
	"holiday.Veterans Day":               {"Veterans Day", "退役軍人の日"},
	"holiday.Thanksgiving Day":           {"Thanksgiving Day", "感謝祭"},
	"holiday.Day After Thanksgiving Day": {"Day After Thanksgiving Day", "感謝祭の翌日"},
	"holiday.Christmas Day":              {"Christmas Day", "クリスマス"},
}

// Holiday is a holiday's name, as a calendar gives it in English, in l;
// a name the catalog does not know stays as it is.
func (l Lang) Holiday(name string) string {
	if l.Has("holiday." + name) {
		return l.T("holiday." + name)
	}
	return name
}

func init() {
	for k, m := range holidayCatalog {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("i18n: message %s is defined twice", k))
		}
		catalog[k] = m
	}
}

package costreport

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
)

// TestDemoJapanese renders the demo bill's tables in Japanese with a yen
// configuration: Japanese titles and headings, amounts in yen, every line
// within the terminal, and CSV and JSON the same as in English.
func TestDemoJapanese(t *testing.T) {
	c := demoCommon(t)
	c.Currency, c.Rate = "JPY", 150
	runs := map[string]struct {
		run  func(o Options, w *bytes.Buffer) error
		want []string
	}{
		"show-system": {func(o Options, w *bytes.Buffer) error {
			r, err := cost.Show(context.Background(), cost.ShowOptions{Common: c, By: "system"})
			if err != nil {
				return err
			}
			return Show(w, r, o)
		}, []string{"システム別コスト", "システム", "コスト", "割合", "利用額合計", "合計", "¥"}},
		"recommend": {func(o Options, w *bytes.Buffer) error {
			r, err := cost.Recommend(context.Background(), c)
			if err != nil {
				return err
			}
			return Recommend(w, r, o)
		}, []string{"月あたりの削減額（JPY）", "推奨事項", "種別", "月額", "¥", "理由: "}},
		"anomalies": {func(o Options, w *bytes.Buffer) error {
			r, err := cost.Anomalies(context.Background(), c)
			if err != nil {
				return err
			}
			return Anomalies(w, r, o)
		}, []string{"コスト異常（JPY、直近", "システム", "影響額", "¥"}},
	}
	for name, tc := range runs {
		t.Run(name, func(t *testing.T) {
			for _, width := range []int{80, 160} {
				o := Options{Lang: i18n.JA, Format: "table", Width: width}
				var out bytes.Buffer
				if err := tc.run(o, &out); err != nil {
					t.Fatal(err)
				}
				for _, w := range tc.want {
					if !strings.Contains(out.String(), w) {
						t.Errorf("width %d: no %q in:\n%s", width, w, out.String())
					}
				}
				for _, line := range strings.Split(out.String(), "\n") {
					if strings.HasPrefix(line, "合計 ") && !strings.Contains(line, "¥") {
						t.Errorf("width %d: total not in yen: %q", width, line)
					}
					// The anomaly table's eight fixed columns need 96
					// columns in either language; it is checked at 160.
					if table.Width(line) > width && (name != "anomalies" || width > 96) {
						t.Errorf("width %d: line of %d columns: %q", width, table.Width(line), line)
					}
				}
				if width == 80 {
					golden(t, "ja/"+name+".table-80", out.Bytes())
				}
			}
			for _, format := range []string{"csv", "json"} {
				var en, ja bytes.Buffer
				o := Options{Format: format}
				if err := tc.run(o, &en); err != nil {
					t.Fatal(err)
				}
				o.Lang = i18n.JA
				if err := tc.run(o, &ja); err != nil {
					t.Fatal(err)
				}
				if en.String() != ja.String() {
					t.Errorf("%s output changes with the language:\nen:\n%s\nja:\n%s", format, en.String(), ja.String())
				}
			}
		})
	}
}
